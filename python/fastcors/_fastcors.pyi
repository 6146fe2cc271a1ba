"""The Rust core (``rust/bindings/``); ``fastcors._pure`` is its pure-Python twin."""

from collections.abc import Awaitable, Iterable
from types import CodeType
from typing import Any, final

from typing_extensions import Self, disjoint_base

from fastcors._config import CorsConfig
from fastcors._types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CALLBACK_NAMES",
    "CONSTANTS",
    "CorsSend",
    "Counters",
    "Middleware",
    "OriginSet",
    "Policy",
    "ShadowedCorsSend",
]

#: The names the core reads from ``fastcors._callbacks``.
CALLBACK_NAMES: tuple[str, ...]
#: The constants both cores share (``rust/constants.rs``), which ``fastcors._constants`` must equal.
CONSTANTS: dict[str, bytes | int | tuple[bytes, ...] | tuple[str, ...]]

class Middleware:
    """The base class of ``CORSMiddleware``: ``self._policy`` serves each request for ``self.app``.
    A request that finds the middleware's class changed since the policy was built
    (``CorsConfig.class_watch``) has the subclass's ``_class_changed()`` look at it again first."""

    app: ASGIApp
    _policy: Policy
    #: The policy class of this core.
    _policy_type: type[Policy]
    _counters_type: type[Counters]
    def __new__(cls, *_args: object, **_kwargs: object) -> Self: ...
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]: ...

@final
class Policy:
    """An immutable CORS policy built from a ``CorsConfig``; safe to share across threads."""

    def __new__(
        cls, config: CorsConfig, *, counters: Counters | None = None, _panic_at: str | None = None
    ) -> Policy: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def origin_regex_engine(self) -> str | None: ...
    def is_allowed_origin(self, origin: bytes) -> bool: ...
    def request_origin_allowed(self, request_headers: object, middleware: Any = None) -> bool: ...
    def origin_func_verdict(self, request_headers: object) -> bool | Awaitable[bool]: ...
    def dispatch(
        self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, middleware: Any = None
    ) -> Awaitable[None]: ...
    def handle(
        self, scope: Scope, send: Send, middleware: Any = None, *, quiet: bool = False
    ) -> tuple[Message, Message] | tuple[None, Awaitable[None]] | Send: ...
    def finish_preflight(
        self, request_headers: list[Any], origin_allowed: bool
    ) -> tuple[Message, Message]: ...
    def finish_response_start(
        self,
        message: Message,
        request_headers: list[Any],
        origin_allowed: bool,
        reported_method: Any = None,
    ) -> None: ...
    def outcome(
        self,
        request_headers: list[Any],
        method: Any,
        middleware: Any = None,
        origin_allowed: bool | None = None,
    ) -> tuple[bool, list[Any]] | Awaitable[bool]: ...

@final
class Counters:
    """The counters of a policy, and of every policy that replaced it; exact under any threads."""

    def __new__(cls) -> Counters: ...
    def count(self, key: str) -> None: ...
    def stats(self) -> dict[str, int]: ...

@disjoint_base
class CorsSend:
    """The ``send`` handed to the app: edits ``http.response.start``, then forwards."""

    _is_coroutine: object
    _is_coroutine_marker: object
    __code__: CodeType
    __defaults__: None
    __kwdefaults__: None
    __annotations__: dict[str, Any]
    @property
    def __name__(self) -> str: ...
    def __call__(self, message: Message) -> Awaitable[None]: ...
    def finish_allowed_start(self, message: Message, request_headers: list[Any]) -> None:
        """Edits a response start whose origin ``allow_origin_func`` allowed where it was asked,
        as this ``send`` would have (and compares it under an inline shadow)."""

@final
class ShadowedCorsSend(CorsSend):
    """The ``send`` of a request an inline shadow compares when its response starts."""

@final
class OriginSet:
    """The origins a shared source allows, as the core reads them (twin:
    ``fastcors._origin_set.OriginSet``)."""

    def __new__(cls) -> Self: ...
    def replace(self, origins: Iterable[bytes], trusted_for: float) -> None:
        """Serves ``origins`` from now on, trusted for ``trusted_for`` seconds."""
    def expire(self) -> None:
        """Stops trusting the set: nothing is allowed until the next ``replace``."""
    @property
    def trusted(self) -> bool:
        """Whether the set is still trusted."""
    def __contains__(self, origin: bytes, /) -> bool:
        """Whether ``origin`` is allowed: in the set, and the set trusted."""

"""The one seam between ``CORSMiddleware`` and its two cores, and the one switch between them.

Both cores (the Rust extension ``fastcors._fastcors`` and its pure-Python twin ``fastcors._pure``)
have the surface ``Core`` describes; mypy checks each against it. ``Middleware`` is the base class
that gives ``CORSMiddleware`` the core's ``__call__``; ``Policy`` is built from a ``CorsConfig`` and
serves each request.

The compiled core is used when it is installed and loads. Setting ``FASTCORS_NO_EXTENSIONS`` to any
non-empty value other than ``0`` forces the pure-Python core. A pure wheel (no extension) uses the
pure-Python core silently; an extension that is present but cannot be used (built for another
interpreter, a missing symbol, a damaged file) is reported once with a ``RuntimeWarning`` that gives
the reason, and the pure-Python core serves the same answers, more slowly. The pure-Python core is
imported only when it serves: an application on the compiled core never pays for loading it.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import warnings
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from fastcors._config import CorsConfig
    from fastcors._types import ASGIApp, Message, Receive, Scope, Send


class CoreSend(Protocol):
    """A core's ``send`` for the app (``CorsSend``)."""

    def __call__(self, message: Message) -> Awaitable[None]: ...
    def finish_allowed_start(self, message: Message, request_headers: list[Any]) -> None: ...


class CoreCounters(Protocol):
    """A core's counters: a policy counts into them, and so does the policy that replaces it."""

    def count(self, key: str) -> None: ...
    def stats(self) -> dict[str, int]: ...


class CorePolicy(Protocol):
    """A core's policy: immutable once built, shared by every request of its middleware."""

    @property
    def counters(self) -> CoreCounters: ...
    @property
    def origin_regex_engine(self) -> str | None: ...
    def is_allowed_origin(self, origin: bytes) -> bool: ...
    def request_origin_allowed(self, request_headers: Iterable[Any], middleware: Any = None) -> bool: ...
    def origin_func_verdict(self, request_headers: Iterable[Any]) -> bool | Awaitable[bool]: ...
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
        self, message: Message, request_headers: list[Any], origin_allowed: bool, reported_method: Any = None
    ) -> None: ...
    def outcome(
        self,
        request_headers: list[Any],
        method: Any,
        middleware: Any = None,
        origin_allowed: bool | None = None,
    ) -> tuple[bool, list[Any]] | Awaitable[bool]: ...


class PolicyType(Protocol):
    """A core's ``Policy`` class: a policy from a configuration, counting into ``counters`` (those
    of the policy it replaces, which the core's own type of counters must be) or fresh ones."""

    def __call__(self, config: CorsConfig, *, counters: Any = None) -> CorePolicy: ...


class Core(Protocol):
    """What each core module offers."""

    @property
    def Middleware(self) -> type:
        """The base class whose ``__call__`` serves ``self._policy`` for ``self.app``; it adds
        nothing to an instance's layout, so that subclasses combine with other bases."""

    @property
    def Policy(self) -> PolicyType:
        """Builds a policy from a configuration."""


if TYPE_CHECKING:
    from fastcors import _fastcors, _pure

    # mypy checks both cores against the seam: neither may drift from it.
    _CORES: tuple[Core, Core] = (_fastcors, _pure)

NO_EXTENSIONS = os.environ.get("FASTCORS_NO_EXTENSIONS", "") not in ("", "0")
_FALLING_BACK = (
    "using the pure-Python core, which gives the same answers more slowly. Reinstall fastcors for "
    "this interpreter, or set FASTCORS_NO_EXTENSIONS=1 to choose the pure-Python core without this warning."
)


def _unusable_extensions() -> list[str]:
    """The compiled cores in the package that this interpreter does not load (a ``cp311`` build in
    a 3.12 environment, say): a pure install has none, so it stays silent."""
    try:
        names = os.listdir(os.path.dirname(__file__))
    except OSError:
        return []
    return sorted(name for name in names if name.startswith("_fastcors.") and name.endswith((".so", ".pyd")))


def _warn_failed(error: Exception) -> None:
    warnings.warn(
        f"fastcors: the compiled core fastcors._fastcors is installed but failed to load "
        f"({type(error).__name__}: {error}); " + _FALLING_BACK,
        RuntimeWarning,
        stacklevel=4,
    )


def _load() -> tuple[Literal["rust", "python"], Any, Any]:
    """The core in use: its name, its ``Middleware`` and its ``Policy``."""
    if not NO_EXTENSIONS:
        # Tried by importing, not looked up first: `importlib.util` is a module the app may not load.
        try:
            from fastcors._fastcors import Middleware, Policy
        except ModuleNotFoundError as error:
            if error.name != "fastcors._fastcors":
                _warn_failed(error)
            elif unusable := _unusable_extensions():
                files = ", ".join(f"fastcors/{name}" for name in unusable)
                loadable = ", ".join(
                    f"_fastcors{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES
                )
                warnings.warn(
                    f"fastcors: the compiled core {files} is installed but not built for this "
                    f"interpreter, {sys.implementation.name} {sys.version.split()[0]}, which loads only "
                    f"{loadable}; " + _FALLING_BACK,
                    RuntimeWarning,
                    stacklevel=3,
                )
        except Exception as error:  # whatever stops the extension loading, say it and go on
            _warn_failed(error)
        else:
            return "rust", Middleware, Policy
    # Imported only when it serves: an application on the compiled core never loads it.
    from fastcors import _pure

    return "python", _pure.Middleware, _pure.Policy


IMPLEMENTATION: Literal["rust", "python"]
if TYPE_CHECKING:
    # What `CORSMiddleware` is type-checked against: the stub of the compiled core, the seam's
    # own spelling (the pure core is checked against the same `Core` above).
    from fastcors._fastcors import Middleware, Policy
else:
    IMPLEMENTATION, Middleware, Policy = _load()

__all__ = [
    "IMPLEMENTATION",
    "NO_EXTENSIONS",
    "Core",
    "CoreCounters",
    "CorePolicy",
    "Middleware",
    "Policy",
    "PolicyType",
]

"""The ASGI middleware: Starlette's ``CORSMiddleware`` interface over a precomputed policy."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from typing import Any, Generic, NoReturn, TypeVar, overload

from fastcors._config import StarletteView, interpret_options
from fastcors._implementation import Middleware
from fastcors._implementation import Policy as Policy  # the core in use: the one seam tests swap
from fastcors._types import ASGIApp, Receive, Scope, Send

_T = TypeVar("_T")

#: Methods Starlette's middleware calls on itself, which a subclass may override there; fastcors'
#: core does their work, so an override would silently do nothing.
_STARLETTE_INTERNALS = ("preflight_response", "simple_response", "send", "allow_explicit_origin")


class _ReadAtConstruction(Generic[_T]):
    """One of Starlette's option attributes: readable, but the options are read at construction,
    so assigning one is an error rather than a silent no-op."""

    def __init__(self, read: Callable[[StarletteView], _T]) -> None:
        self._read = read
        self._name = ""

    def __set_name__(self, owner: type[object], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type[object]) -> _ReadAtConstruction[_T]: ...
    @overload
    def __get__(self, instance: CORSMiddleware, owner: type[object]) -> _T: ...
    def __get__(self, instance: CORSMiddleware | None, owner: type[object]) -> _ReadAtConstruction[_T] | _T:
        if instance is None:
            return self
        return self._read(instance._options)

    def __set__(self, instance: CORSMiddleware, value: object) -> NoReturn:
        raise AttributeError(
            f"CORSMiddleware.{self._name} is read once, at construction: build a new middleware to "
            "change it, or pass a collection with its own __contains__ to decide per request"
        )


class CORSMiddleware(Middleware):
    """A drop-in replacement for ``starlette.middleware.cors.CORSMiddleware``.

    Same arguments, same defaults, same positional order, and byte for byte the same messages for
    every request. All the work is done here, once; each request costs one call into the core.
    A subclass may override ``is_allowed_origin``: it is called wherever Starlette calls it.

    >>> async def app(scope, receive, send): ...
    >>> cors = CORSMiddleware(app, allow_origins=["https://example.org"])
    >>> cors.is_allowed_origin("https://example.org"), cors.is_allowed_origin("https://evil.com")
    (True, False)
    """

    allow_origins = _ReadAtConstruction(lambda options: options.allow_origins)
    allow_methods = _ReadAtConstruction(lambda options: options.allow_methods)
    allow_headers = _ReadAtConstruction(lambda options: options.allow_headers)
    allow_all_origins = _ReadAtConstruction(lambda options: options.allow_all_origins)
    allow_all_headers = _ReadAtConstruction(lambda options: options.allow_all_headers)
    allow_credentials = _ReadAtConstruction(lambda options: options.allow_credentials)
    preflight_explicit_allow_origin = _ReadAtConstruction(
        lambda options: options.preflight_explicit_allow_origin
    )
    allow_origin_regex = _ReadAtConstruction(lambda options: options.allow_origin_regex)
    allow_private_network = _ReadAtConstruction(lambda options: options.allow_private_network)
    simple_headers = _ReadAtConstruction(lambda options: options.simple_headers)
    preflight_headers = _ReadAtConstruction(lambda options: options.preflight_headers)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = [name for name in _STARLETTE_INTERNALS if name in vars(cls)]
        if overridden:
            raise TypeError(
                f"{cls.__qualname__} overrides {', '.join(overridden)}, which Starlette's CORSMiddleware "
                "calls but fastcors does not (its core builds the responses): override is_allowed_origin, "
                "which fastcors calls as Starlette does, or wrap the middleware instead"
            )

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        config, self._options = interpret_options(
            allow_origins,
            allow_methods,
            allow_headers,
            allow_credentials,
            allow_origin_regex,
            allow_private_network,
            expose_headers,
            max_age,
        )
        if type(self).is_allowed_origin is not CORSMiddleware.is_allowed_origin:
            config = replace(config, origin_judge=self.is_allowed_origin)
        self.app = app
        self._policy = Policy(config)
        # Calls go through the base class's `__call__` (in Rust, where the extension is built),
        # which returns the app's own awaitable: no coroutine frame of the middleware's own.
        # Servers that tell ASGI 3 from ASGI 2 or WSGI by inspecting `app.__call__` (uvicorn,
        # hypercorn, asgiref) find this coroutine function instead, which does the same.
        self.__call__ = self._asgi_call  # type: ignore[method-assign]  # on purpose, see above

    async def _asgi_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._policy.dispatch(self.app, scope, receive, send)

    @property
    def origin_regex_engine(self) -> str | None:
        """Which engine evaluates ``allow_origin_regex``: ``"rust"`` (linear time, immune to
        catastrophic backtracking), ``"python"`` (Python's ``re``), or ``None`` without one."""
        return self._policy.origin_regex_engine

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether responses may be shared with ``origin``, as Starlette decides it."""
        try:
            raw = origin.encode("latin-1")
        except UnicodeEncodeError:
            # No request can carry this origin; answer with Starlette's own reading.
            return self._is_allowed_unsendable_origin(origin)
        return self._policy.is_allowed_origin(raw)

    def _is_allowed_unsendable_origin(self, origin: str) -> bool:
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        return origin in self.allow_origins

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app={self.app!r})"


__all__ = ["CORSMiddleware"]

"""The ASGI middleware: Starlette's ``CORSMiddleware`` interface over a precomputed policy."""

from __future__ import annotations

from collections.abc import Awaitable, Collection

from fastcors._config import interpret_options
from fastcors._implementation import Policy as Policy  # the core in use: the one seam tests swap
from fastcors._types import ASGIApp, Receive, Scope, Send


class CORSMiddleware:
    """A drop-in replacement for ``starlette.middleware.cors.CORSMiddleware``.

    Same arguments, same defaults, same positional order, and byte for byte the same messages for
    every request. All the work is done here, once; each request costs one call into the core.

    >>> async def app(scope, receive, send): ...
    >>> cors = CORSMiddleware(app, allow_origins=["https://example.org"])
    >>> cors.is_allowed_origin("https://example.org"), cors.is_allowed_origin("https://evil.com")
    (True, False)
    """

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
        config, view = interpret_options(
            allow_origins,
            allow_methods,
            allow_headers,
            allow_credentials,
            allow_origin_regex,
            allow_private_network,
            expose_headers,
            max_age,
        )
        self.app = app
        # Starlette's attributes, for code that reads them; changing them changes nothing.
        self.allow_origins = view.allow_origins
        self.allow_methods = view.allow_methods
        self.allow_headers = view.allow_headers
        self.allow_all_origins = view.allow_all_origins
        self.allow_all_headers = view.allow_all_headers
        self.allow_credentials = view.allow_credentials
        self.preflight_explicit_allow_origin = view.preflight_explicit_allow_origin
        self.allow_origin_regex = view.allow_origin_regex
        self.allow_private_network = view.allow_private_network
        self.simple_headers = view.simple_headers
        self.preflight_headers = view.preflight_headers
        self._policy = Policy(config)
        self._dispatch = self._policy.dispatch
        # Servers that tell ASGI 3 from ASGI 2 or WSGI by inspecting `app.__call__` (uvicorn,
        # hypercorn, asgiref) find this coroutine function; calls go through the class's
        # `__call__`, which is the same thing without a coroutine frame of its own.
        self.__call__ = self._asgi_call  # type: ignore[method-assign]  # on purpose, see above

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # One call into the core, which returns the app's own awaitable (or the preflight's).
        return self._dispatch(self.app, scope, receive, send)

    async def _asgi_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._dispatch(self.app, scope, receive, send)

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

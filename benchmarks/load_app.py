"""The ASGI apps the end-to-end load benchmark (``benchmarks.load``) serves.

Every contender serves the same app, a Starlette app with one GET route answering
``{"ok":true}`` as ``application/json``; an ``OPTIONS`` that reaches it gets Starlette's
``405 Method Not Allowed``. Each middleware runs in one of two positions:

- ``outermost``: the middleware wraps the Starlette app and is what the server calls;
- ``stack``: inside the Starlette app's own stack, ``Starlette(middleware=[Middleware(...)])``, which
  is what FastAPI's and Starlette's ``app.add_middleware`` build (between Starlette's
  ``ServerErrorMiddleware`` and ``ExceptionMiddleware``).

The CORS options are a configuration users write: three explicit origins, credentials, five methods,
three allowed headers and one exposed header.

The servers load a factory from here, for instance::

    uvicorn --factory benchmarks.load_app:fastcors_cors
    granian --interface asgi --factory benchmarks.load_app:fastcors_cors_in_stack

Importing this module imports nothing but the standard library: each factory imports what its own
contender needs, so a server pays only for the contender it runs, and ``FASTCORS_NO_EXTENSIONS``
(read by fastcors at import) is honoured. Set ``FASTCORS_LOAD_CORE`` to ``rust`` or ``python`` to
make the fastcors factory refuse to start on any other core.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from starlette.middleware import Middleware

    import fastcors
    from fastcors._types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_ORIGIN = b"https://app.example.com"

CORS_OPTIONS: dict[str, Any] = {
    "allow_origins": ["https://example.com", ALLOWED_ORIGIN.decode(), "https://admin.example.com"],
    "allow_credentials": True,
    "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "allow_headers": ["Content-Type", "Authorization", "X-Request-ID"],
    "expose_headers": ["X-Request-ID"],
}

#: What Starlette's CORSMiddleware adds to an allowed simple response under CORS_OPTIONS.
ALLOWED_RESPONSE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"access-control-allow-origin", ALLOWED_ORIGIN),
    (b"access-control-allow-credentials", b"true"),
    (b"access-control-expose-headers", b"X-Request-ID"),
    (b"vary", b"Origin"),
]

#: The environment variable the fastcors factory checks against ``fastcors.IMPLEMENTATION``.
CORE_ENV = "FASTCORS_LOAD_CORE"


def inner_app(middleware: Sequence[Middleware] = ()) -> ASGIApp:
    """The app every contender serves: Starlette routing to one GET endpoint, with ``middleware``
    in its own stack."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def ok(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/", ok, methods=["GET"])], middleware=middleware)


def in_stack(middleware: Callable[..., ASGIApp], **options: Any) -> ASGIApp:
    """The inner app with ``middleware`` in its stack, as ``app.add_middleware`` puts it."""
    from starlette.middleware import Middleware

    return inner_app([Middleware(middleware, **options)])


class StaticHeadersMiddleware:
    """Appends the headers of an allowed CORS response, with no CORS logic at all: the floor for
    any middleware that adds those headers (the micro-benchmarks use it too)."""

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"access-control-allow-origin", ALLOWED_ORIGIN),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    ]

    def __init__(self, app: ASGIApp, headers: Sequence[tuple[bytes, bytes]] | None = None) -> None:
        self.app = app
        self.headers = list(self.HEADERS if headers is None else headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.headers]
            await send(message)

        await self.app(scope, receive, wrapped)


def bare() -> ASGIApp:
    """No middleware at all."""
    return inner_app()


def static_headers() -> ASGIApp:
    """The static-headers floor, outermost."""
    return StaticHeadersMiddleware(inner_app(), ALLOWED_RESPONSE_HEADERS)


def static_headers_in_stack() -> ASGIApp:
    """The static-headers floor, in the Starlette stack."""
    return in_stack(StaticHeadersMiddleware, headers=ALLOWED_RESPONSE_HEADERS)


def starlette_cors() -> ASGIApp:
    """Starlette's own ``CORSMiddleware``, outermost."""
    from starlette.middleware.cors import CORSMiddleware

    return CORSMiddleware(inner_app(), **CORS_OPTIONS)


def starlette_cors_in_stack() -> ASGIApp:
    """Starlette's own ``CORSMiddleware``, in the Starlette stack."""
    from starlette.middleware.cors import CORSMiddleware

    return in_stack(CORSMiddleware, **CORS_OPTIONS)


def _fastcors_class() -> type[fastcors.CORSMiddleware]:
    """fastcors' ``CORSMiddleware``, refusing any core but the one ``FASTCORS_LOAD_CORE`` names."""
    import fastcors

    expected = os.environ.get(CORE_ENV)
    if expected and expected != fastcors.IMPLEMENTATION:
        raise RuntimeError(f"{CORE_ENV}={expected} but fastcors runs its {fastcors.IMPLEMENTATION} core")
    return fastcors.CORSMiddleware


def fastcors_cors() -> ASGIApp:
    """fastcors' ``CORSMiddleware``, outermost."""
    return _fastcors_class()(inner_app(), **CORS_OPTIONS)


def fastcors_cors_in_stack() -> ASGIApp:
    """fastcors' ``CORSMiddleware``, in the Starlette stack."""
    return in_stack(_fastcors_class(), **CORS_OPTIONS)

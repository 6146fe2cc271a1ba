"""The ASGI apps the end-to-end load benchmark (``benchmarks.load``) serves.

Every contender wraps the same inner app, a Starlette app with one GET route answering
``{"ok":true}`` as ``application/json``; an ``OPTIONS`` that reaches it gets Starlette's
``405 Method Not Allowed``. The middleware is the outermost ASGI app handed to the server.

The servers load a factory from here, for instance::

    uvicorn --factory benchmarks.load_app:fastcors_cors
    granian --interface asgi --factory benchmarks.load_app:fastcors_cors

Importing this module imports nothing but the standard library: each factory imports what its own
contender needs, so a server pays only for the contender it runs, and ``FASTCORS_NO_EXTENSIONS``
(read by fastcors at import) is honoured. Set ``FASTCORS_LOAD_CORE`` to ``rust`` or ``python`` to
make the fastcors factory refuse to start on any other core.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from fastcors._types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_ORIGIN = b"https://app.example.com"

CORS_OPTIONS: dict[str, Any] = {
    "allow_origins": [ALLOWED_ORIGIN.decode()],
    "allow_credentials": True,
    "allow_methods": ["GET", "POST", "PUT"],
    "allow_headers": ["Content-Type", "X-Request-ID"],
}

#: The environment variable the fastcors factory checks against ``fastcors.IMPLEMENTATION``.
CORE_ENV = "FASTCORS_LOAD_CORE"


def inner_app() -> ASGIApp:
    """The app every contender wraps: Starlette routing to one GET endpoint."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def ok(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/", ok, methods=["GET"])])


class StaticHeadersMiddleware:
    """Appends the headers of an allowed CORS response, with no CORS logic at all: the floor for
    any middleware that adds those headers (the micro-benchmarks use it too)."""

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"access-control-allow-origin", ALLOWED_ORIGIN),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, wrapped)


def bare() -> ASGIApp:
    """No middleware at all."""
    return inner_app()


def static_headers() -> ASGIApp:
    """The static-headers floor around the inner app."""
    return StaticHeadersMiddleware(inner_app())


def starlette_cors() -> ASGIApp:
    """Starlette's own ``CORSMiddleware`` around the inner app."""
    from starlette.middleware.cors import CORSMiddleware

    return CORSMiddleware(inner_app(), **CORS_OPTIONS)


def fastcors_cors() -> ASGIApp:
    """fastcors' ``CORSMiddleware`` around the inner app, on the core ``FASTCORS_LOAD_CORE`` names."""
    import fastcors

    expected = os.environ.get(CORE_ENV)
    if expected and expected != fastcors.IMPLEMENTATION:
        raise RuntimeError(f"{CORE_ENV}={expected} but fastcors runs its {fastcors.IMPLEMENTATION} core")
    return fastcors.CORSMiddleware(inner_app(), **CORS_OPTIONS)

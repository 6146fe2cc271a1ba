"""fastcors as applications use it, for the type checkers: FastAPI, Starlette, direct wrapping.

Checked by ``mypy --strict`` (with the rest of the tree) and by pyright in strict mode
(``tests/typecheck/test_types.py``); never run.
"""

# pyright: strict

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

import fastcors
from fastcors import CORSMiddleware

api = FastAPI()
api.add_middleware(
    CORSMiddleware,
    allow_origins=["https://example.org", "https://www.example.org"],
    allow_methods=["*"],
    allow_headers=["*"],
    allow_credentials=True,
    expose_headers=("X-Request-ID",),
    max_age=3600,
)


async def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


site = Starlette(
    routes=[Route("/", homepage)],
    middleware=[Middleware(CORSMiddleware, allow_origin_regex=r"https://[a-z]+\.example\.org")],
)


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def count_refusal(event: fastcors.RejectEvent) -> None:
    print(event.kind, event.origin, event.reasons)


wrapped = CORSMiddleware(
    bare_app,
    allow_origins={"https://example.org"},
    allow_private_network=True,
    strict=True,
    cors_on_errors=True,
    check_websocket_origin=True,
    on_reject=count_refusal,
)
explanation: fastcors.Explanation = wrapped.explain("https://example.org", "PUT", ["X-Token"])
reasons: tuple[str, ...] = explanation.reasons
engine: str | None = wrapped.origin_regex_engine
allowed: bool = wrapped.is_allowed_origin("https://example.org")
credentials: bool = wrapped.allow_credentials
core: Literal["rust", "python"] = fastcors.IMPLEMENTATION
version: str = fastcors.__version__


async def serve(scope: Scope, receive: Receive, send: Send) -> None:
    """The middleware is itself an ASGI app, as servers and outer middlewares see it."""
    await wrapped(scope, receive, send)

"""The README's FAQ, checked: where CORS headers go missing in a FastAPI app, and the fix."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from fastcors import CORSMiddleware
from fastcors._types import ASGIApp, Message

ORIGIN = "https://app.example.com"


def add_cors(api: FastAPI) -> None:
    api.add_middleware(CORSMiddleware, allow_origins=[ORIGIN], allow_methods=["GET", "POST"])


def wrap_in_cors(app: ASGIApp) -> CORSMiddleware:
    return CORSMiddleware(app, allow_origins=[ORIGIN], allow_methods=["GET", "POST"])


def request(app: ASGIApp, method: str, headers: dict[str, str]) -> tuple[Message, BaseException | None]:
    """The response's start message and the exception the app raised, if any."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": "/items",
        "raw_path": b"/items",
        "query_string": b"",
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 443),
    }

    async def call() -> None:
        await app(scope, receive, send)

    raised: BaseException | None = None
    try:
        asyncio.run(call())
    except Exception as error:
        raised = error
    return sent[0], raised


def cors_headers(start: Message) -> dict[bytes, bytes]:
    return {name: value for name, value in start["headers"] if name.startswith(b"access-control-")}


def crashing_api() -> FastAPI:
    api = FastAPI()

    @api.get("/items")
    async def items() -> None:
        raise RuntimeError("the handler crashed")

    return api


def test_a_crash_inside_the_app_reaches_the_browser_without_cors_headers() -> None:
    api = crashing_api()
    add_cors(api)
    start, raised = request(api, "GET", {"Origin": ORIGIN})
    assert start["status"] == 500
    assert cors_headers(start) == {}
    assert isinstance(raised, RuntimeError)


def test_wrapping_the_whole_app_puts_cors_headers_on_the_500() -> None:
    app = wrap_in_cors(crashing_api())
    start, raised = request(app, "GET", {"Origin": ORIGIN})
    assert start["status"] == 500
    assert cors_headers(start) == {b"access-control-allow-origin": ORIGIN.encode()}
    assert isinstance(raised, RuntimeError)


class RequireAuthorization(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if "authorization" not in request.headers:
            return PlainTextResponse("Unauthorized", status_code=401)
        return await call_next(request)


PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}


@pytest.mark.parametrize(
    ("cors_added_last", "status"), [(True, 200), (False, 401)], ids=["cors-added-last", "cors-added-first"]
)
def test_in_fastapi_the_middleware_added_last_sees_the_preflight_first(
    cors_added_last: bool, status: int
) -> None:
    api = FastAPI()
    if cors_added_last:
        api.add_middleware(RequireAuthorization)
        add_cors(api)
    else:
        add_cors(api)
        api.add_middleware(RequireAuthorization)
    start, _ = request(api, "OPTIONS", PREFLIGHT)
    assert start["status"] == status


def test_in_fastapi_a_refusal_by_an_inner_middleware_carries_the_cors_headers() -> None:
    api = FastAPI()
    api.add_middleware(RequireAuthorization)
    add_cors(api)
    start, _ = request(api, "GET", {"Origin": ORIGIN})
    assert start["status"] == 401
    assert cors_headers(start) == {b"access-control-allow-origin": ORIGIN.encode()}

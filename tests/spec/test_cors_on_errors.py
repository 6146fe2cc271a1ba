"""``cors_on_errors=True``: the browser sees the app's real 500, not a misleading CORS failure."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import http_scope, ok_app, run, run_recording
from tests.loopback import LoopbackServer, running_loopback_server

ALLOWED = (b"origin", b"https://app.example.com")
OPTIONS: dict[str, Any] = {"allow_origins": ["https://app.example.com"], "expose_headers": ["X-Request-ID"]}
ERROR_HEADERS = [(b"content-length", b"21"), (b"content-type", b"text/plain; charset=utf-8")]


class AppFailed(Exception):
    pass


def failing_app(after_messages: int = 0) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if after_messages:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        raise AppFailed("boom")

    return app


def serve(app: Any, headers: list[tuple[bytes, bytes]]) -> tuple[list[Message], BaseException | None]:
    sent, error = run_recording(app, http_scope("GET", headers))
    if error is not None and not isinstance(error, AppFailed):
        raise error
    return sent, error


def test_an_allowed_origin_gets_a_plain_500_with_the_cors_headers_and_the_error_propagates() -> None:
    cors = CORSMiddleware(failing_app(), **OPTIONS, cors_on_errors=True)
    sent, error = serve(cors, [ALLOWED])
    assert isinstance(error, AppFailed)
    assert sent == [
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                *ERROR_HEADERS,
                (b"access-control-expose-headers", b"X-Request-ID"),
                (b"access-control-allow-origin", b"https://app.example.com"),
                (b"vary", b"Origin"),
            ],
        },
        {"type": "http.response.body", "body": b"Internal Server Error"},
    ]


def test_every_origin_gets_the_500_when_every_origin_is_allowed() -> None:
    cors = CORSMiddleware(failing_app(), allow_origins=["*"], cors_on_errors=True)
    sent, error = serve(cors, [(b"origin", b"https://anyone.example")])
    assert error is not None
    assert (b"access-control-allow-origin", b"*") in sent[0]["headers"]


def tenant_func(asked: list[str], kind: str) -> Any:
    def func(origin: str) -> bool:
        asked.append(origin)
        return origin.endswith(".tenant.example")

    async def async_func(origin: str) -> bool:
        await asyncio.sleep(0)
        return func(origin)

    return func if kind == "sync" else async_func


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_origin_allow_origin_func_allows_gets_the_500_with_the_cors_headers(kind: str) -> None:
    asked: list[str] = []
    cors = CORSMiddleware(
        failing_app(), **OPTIONS, allow_origin_func=tenant_func(asked, kind), cors_on_errors=True
    )
    sent, error = serve(cors, [(b"origin", b"https://a.tenant.example")])
    assert isinstance(error, AppFailed)
    assert sent == [
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                *ERROR_HEADERS,
                (b"access-control-expose-headers", b"X-Request-ID"),
                (b"access-control-allow-origin", b"https://a.tenant.example"),
                (b"vary", b"Origin"),
            ],
        },
        {"type": "http.response.body", "body": b"Internal Server Error"},
    ]
    assert asked == ["https://a.tenant.example"]  # asked once, as for any request
    refused, error = serve(cors, [(b"origin", b"https://evil.example")])
    assert (refused, type(error)) == ([], AppFailed)


@pytest.mark.parametrize(
    "headers", [[], [(b"origin", b"https://evil.example")]], ids=["no Origin", "disallowed"]
)
def test_a_request_the_browser_would_block_anyway_gets_no_500_from_the_middleware(
    headers: list[tuple[bytes, bytes]],
) -> None:
    sent, error = serve(CORSMiddleware(failing_app(), **OPTIONS, cors_on_errors=True), headers)
    assert (sent, type(error)) == ([], AppFailed)


def test_a_failure_after_the_response_started_is_left_as_it_is() -> None:
    sent, error = serve(
        CORSMiddleware(failing_app(after_messages=1), **OPTIONS, cors_on_errors=True), [ALLOWED]
    )
    assert [message["status"] for message in sent] == [200]
    assert isinstance(error, AppFailed)


def test_off_by_default_the_failure_travels_as_through_starlette() -> None:
    ours = serve(CORSMiddleware(failing_app(), **OPTIONS), [ALLOWED])
    theirs = serve(StarletteCORSMiddleware(failing_app(), **OPTIONS), [ALLOWED])
    assert (ours[0], type(ours[1])) == (theirs[0], type(theirs[1])) == ([], AppFailed)


def test_a_request_that_succeeds_is_served_exactly_as_by_starlette() -> None:
    scope = http_scope("GET", [ALLOWED])
    ours = run(CORSMiddleware(ok_app(), **OPTIONS, cors_on_errors=True), scope)
    assert ours == run(StarletteCORSMiddleware(ok_app(), **OPTIONS), http_scope("GET", [ALLOWED]))


def test_a_client_gone_while_sending_the_500_still_surfaces_the_apps_error() -> None:
    cors = CORSMiddleware(failing_app(), **OPTIONS, cors_on_errors=True)

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        raise OSError("Broken pipe")

    with pytest.raises(AppFailed):
        asyncio.run(cors(http_scope("GET", [ALLOWED]), receive, send))  # type: ignore[arg-type]


def fastapi_app(**extra: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def fail() -> None:
        raise AppFailed("boom")

    app.add_middleware(CORSMiddleware, **OPTIONS, **extra)
    return app


class RecordingServerErrors:
    """Stands where the server is: records what the app lets escape."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.errors: list[BaseException] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as error:
            self.errors.append(error)
            raise

    def errors_after_the_response(self, timeout: float = 5.0) -> list[BaseException]:
        """The errors recorded: the app's error reaches the server only after the 500 was sent,
        so a client that has the response may be a moment ahead of it."""
        deadline = time.monotonic() + timeout
        while not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.errors


@pytest.fixture(scope="module")
def loopback() -> Iterator[LoopbackServer]:
    with running_loopback_server() as server:
        yield server


def test_under_fastapi_the_browser_gets_the_500_with_cors_headers_and_the_server_the_error(
    loopback: LoopbackServer,
) -> None:
    loopback.app = server = RecordingServerErrors(fastapi_app(cors_on_errors=True))
    response = httpx.get(loopback.url(), headers={"Origin": "https://app.example.com"})
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert [type(error) for error in server.errors_after_the_response()] == [AppFailed]


def test_under_fastapi_without_the_option_the_500_has_no_cors_headers(loopback: LoopbackServer) -> None:
    loopback.app = fastapi_app()
    response = httpx.get(loopback.url(), headers={"Origin": "https://app.example.com"})
    assert response.status_code == 500
    assert "access-control-allow-origin" not in response.headers


def test_wrapping_the_whole_fastapi_app_gives_its_own_500_the_cors_headers(loopback: LoopbackServer) -> None:
    app = FastAPI()

    @app.get("/")
    def fail() -> None:
        raise AppFailed("boom")

    loopback.app = CORSMiddleware(app, **OPTIONS)
    response = httpx.get(loopback.url(), headers={"Origin": "https://app.example.com"})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"

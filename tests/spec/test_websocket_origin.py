"""``check_websocket_origin=True``: a websocket handshake from a disallowed Origin never reaches the app."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fastcors import CORSMiddleware
from fastcors._types import Message, Receive, Scope, Send
from tests.loopback import free_port
from tests.serving import start, stop

ALLOWED = b"https://app.example.com"
ROOT = Path(__file__).resolve().parents[2]
HTTP_RESPONSE: dict[str, Any] = {"websocket.http.response": {}}


class App:
    """Records the scopes that reach it, and accepts the websocket."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        if scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.accept"})


def websocket_scope(origin: bytes | None, extensions: dict[str, Any] | None = None) -> Scope:
    headers = [(b"host", b"api.example.com"), (b"upgrade", b"websocket")]
    if origin is not None:
        headers.append((b"origin", origin))
    scope: Scope = {"type": "websocket", "path": "/ws", "headers": headers}
    if extensions is not None:
        scope["extensions"] = extensions
    return scope


def handshake(app: Any, scope: Scope, first: str = "websocket.connect") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": first}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def guarded(app: App, **options: Any) -> CORSMiddleware:
    return CORSMiddleware(app, allow_origins=[ALLOWED.decode()], check_websocket_origin=True, **options)


def test_a_disallowed_origin_gets_a_403_where_the_server_offers_http_responses() -> None:
    app = App()
    sent = handshake(guarded(app), websocket_scope(b"https://evil.example", HTTP_RESPONSE))
    assert sent == [
        {
            "type": "websocket.http.response.start",
            "status": 403,
            "headers": [(b"content-length", b"27"), (b"content-type", b"text/plain; charset=utf-8")],
        },
        {"type": "websocket.http.response.body", "body": b"Disallowed websocket origin"},
    ]
    assert app.scopes == []


def test_a_disallowed_origin_gets_a_policy_violation_close_otherwise() -> None:
    app = App()
    assert handshake(guarded(app), websocket_scope(b"https://evil.example")) == [
        {"type": "websocket.close", "code": 1008}
    ]
    assert app.scopes == []


def test_an_allowed_origin_reaches_the_app() -> None:
    app = App()
    sent = handshake(guarded(app), websocket_scope(ALLOWED, HTTP_RESPONSE))
    assert sent == [{"type": "websocket.accept"}]
    assert len(app.scopes) == 1


def test_a_handshake_without_origin_is_not_from_a_browser_and_passes() -> None:
    app = App()
    assert handshake(guarded(app), websocket_scope(None)) == [{"type": "websocket.accept"}]


def test_the_regex_and_an_overridden_is_allowed_origin_decide_too() -> None:
    class OnlyStaging(CORSMiddleware):
        def is_allowed_origin(self, origin: str) -> bool:
            return origin == "https://staging.example.com"

    regex = CORSMiddleware(
        App(), allow_origin_regex=r"https://[a-z]+\.example\.com", check_websocket_origin=True
    )
    assert handshake(regex, websocket_scope(b"https://api.example.com")) == [{"type": "websocket.accept"}]
    assert handshake(regex, websocket_scope(b"https://api.example.org"))[0]["type"] == "websocket.close"
    judged = OnlyStaging(App(), allow_origins=[ALLOWED.decode()], check_websocket_origin=True)
    assert handshake(judged, websocket_scope(b"https://staging.example.com")) == [
        {"type": "websocket.accept"}
    ]
    assert handshake(judged, websocket_scope(ALLOWED))[0]["type"] == "websocket.close"


def test_off_by_default_websockets_pass_through_untouched() -> None:
    app = App()
    scope = websocket_scope(b"https://evil.example", HTTP_RESPONSE)
    assert handshake(CORSMiddleware(app, allow_origins=[ALLOWED.decode()]), scope) == [
        {"type": "websocket.accept"}
    ]
    assert app.scopes == [scope]


def test_a_client_that_left_before_the_handshake_gets_nothing() -> None:
    app = App()
    assert (
        handshake(guarded(app), websocket_scope(b"https://evil.example"), first="websocket.disconnect") == []
    )


def test_other_scopes_are_not_checked() -> None:
    app = App()
    handshake(guarded(app), {"type": "lifespan"}, first="lifespan.startup")
    assert app.scopes == [{"type": "lifespan"}]


SERVERS = {
    "uvicorn": [sys.executable, "-m", "uvicorn", "{app}", "--host", "127.0.0.1", "--port", "{port}",
                "--log-level", "warning"],
    "hypercorn": [sys.executable, "-m", "hypercorn", "{app}", "--bind", "127.0.0.1:{port}",
                  "--log-level", "warning"],
}  # fmt: skip


@pytest.fixture(params=list(SERVERS))
def websocket_server(request: pytest.FixtureRequest, implementation: str) -> Iterator[int]:
    """A real server on a free loopback port, stopped by its process group."""
    pytest.importorskip(request.param)
    port = free_port()
    command = [
        part.format(port=port, app="tests.websocket_server_app:app") for part in SERVERS[request.param]
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FASTCORS_NO_EXTENSIONS": "1" if implementation == "python" else "",
    }
    process = start(command, port, cwd=ROOT, env=env, what=request.param)
    try:
        yield port
    finally:
        stop(process)


def test_real_servers_refuse_a_cross_site_handshake_and_serve_an_allowed_one(
    websocket_server: int, implementation: str
) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect
    from websockets.typing import Origin

    url = f"ws://127.0.0.1:{websocket_server}/ws"
    with connect(url, origin=Origin("https://app.example.com"), open_timeout=10) as websocket:
        websocket.send("hello")
        assert websocket.recv(timeout=10) == f"{implementation}: hello"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=Origin("https://evil.example"), open_timeout=10)
    assert refused.value.response.status_code == 403
    assert refused.value.response.body == b"Disallowed websocket origin"

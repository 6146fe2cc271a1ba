"""The native core neither leaks nor steals references to the objects it is handed.

For every class of request (no ``Origin``, allowed and disallowed simple requests, allowed and
rejected preflights, and a response whose ``Vary`` the middleware merges), the same objects are
passed 100,000 times through a ``CORSMiddleware`` on the Rust core: the scope, its header list, each
header pair, the origin's ``bytes``, ``receive``, ``send``, the app, and the app's start message with
its header list and pairs. After a ``gc.collect()``, ``sys.getrefcount`` of each must be what it was
before: a reference kept per call would show up as 100,000 more, one released too many would crash
or show up as fewer.

The pure-Python core is plain Python, whose reference counting is the interpreter's: the tests are
skipped for it.
"""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from fastcors import CORSMiddleware
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import run_to_completion

CALLS = 100_000
OPTIONS: dict[str, Any] = {
    "allow_origins": ["https://example.org"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
    "expose_headers": ["X-Status"],
}
CLASSES: dict[str, tuple[str, bytes | None, list[tuple[bytes, bytes]]]] = {
    # name: (method, origin, the app's response headers)
    "no origin": ("GET", None, [(b"content-type", b"text/plain")]),
    "allowed simple": ("GET", b"https://example.org", [(b"content-type", b"text/plain")]),
    "disallowed simple": ("GET", b"https://evil.example.net", [(b"content-type", b"text/plain")]),
    "allowed preflight": ("OPTIONS", b"https://example.org", []),
    "rejected preflight": ("OPTIONS", b"https://evil.example.net", []),
    "vary merged": ("GET", b"https://example.org", [(b"vary", b"Accept"), (b"x-app", b"1")]),
}


@pytest.fixture(autouse=True)
def rust_core_only(implementation: str) -> None:
    if implementation == "python":
        pytest.skip("reference counting is only the native core's own business")


@dataclass
class Subject:
    """Every object one request hands the middleware, kept alive and reused for every call."""

    scope: Scope
    receive: Receive
    send: Send
    app: Any
    start: Message
    body: Message
    app_headers: list[tuple[bytes, bytes]]
    origin: bytes | None
    sent: list[int] = field(default_factory=lambda: [0])

    def objects(self) -> dict[str, object]:
        found: dict[str, object] = {
            "scope": self.scope,
            "scope headers": self.scope["headers"],
            "receive": self.receive,
            "send": self.send,
            "app": self.app,
            "start message": self.start,
            "body message": self.body,
            "app headers": self.app_headers,
        }
        for index, item in enumerate(self.scope["headers"]):
            found[f"request header {index}"] = item
        for index, item in enumerate(self.app_headers):
            found[f"app header {index}"] = item
        if self.origin is not None:
            found["origin"] = self.origin
        return found


def subject(kind: str) -> Subject:
    method, origin, app_headers = CLASSES[kind]
    headers = [(b"host", b"api.example.org"), (b"accept", b"*/*")]
    if origin is not None:
        # A fresh bytes object, so that its count is the test's own business.
        headers.append((b"origin", bytes(bytearray(origin))))
    if method == "OPTIONS":
        headers += [
            (b"access-control-request-method", b"POST"),
            (b"access-control-request-headers", b"x-token"),
        ]
    scope: Scope = {"type": "http", "method": method, "path": "/", "headers": headers}
    start: Message = {"type": "http.response.start", "status": 200, "headers": app_headers}
    body: Message = {"type": "http.response.body", "body": b"app"}
    counter = [0]

    async def receive() -> Message:  # pragma: no cover - no app here reads the body
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        counter[0] += 1

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send(body)

    found_origin = next((value for name, value in headers if name == b"origin"), None)
    return Subject(scope, receive, send, app, start, body, app_headers, found_origin, counter)


def serve(middleware: CORSMiddleware, request: Subject, calls: int) -> None:
    for _ in range(calls):
        run_to_completion(middleware(request.scope, request.receive, request.send))
        # The middleware replaces the start message's headers with the edited list, as
        # Starlette does; put the app's own list back, as a fresh response would bring it.
        request.start["headers"] = request.app_headers


def counts(request: Subject) -> dict[str, int]:
    gc.collect()
    return {name: sys.getrefcount(value) for name, value in request.objects().items()}


@pytest.mark.parametrize("kind", list(CLASSES))
def test_references_to_everything_passed_in_are_released(kind: str) -> None:
    request = subject(kind)
    middleware = CORSMiddleware(request.app, **OPTIONS)
    serve(middleware, request, 100)  # warm-up: interned names, caches, the first edited list
    before = counts(request)
    serve(middleware, request, CALLS)
    assert counts(request) == before


@pytest.mark.parametrize("kind", list(CLASSES))
def test_every_class_really_reaches_the_server(kind: str) -> None:
    """Each class sends its two messages downstream: the counts above are of real requests."""
    request = subject(kind)
    serve(CORSMiddleware(request.app, **OPTIONS), request, 10)
    assert request.sent[0] == 20


def test_what_an_odd_call_makes_is_released_within_the_call() -> None:
    """Calls that make and drop Python objects inside the core (a keyword call, a name with lone
    surrogates compared, a call missing its arguments, a header item whose iteration raises)
    release them before returning, with no request in between that reaches the app's response
    start (a server may see only lifespan or websocket traffic for a while)."""
    middleware = CORSMiddleware(_lifespan_app, **OPTIONS)
    odd_type = "htt\udc80"
    raising_item = _RaisingItem()
    preflight = {
        "type": "http",
        "method": "OPTIONS",
        "headers": [(b"origin", b"https://example.org"), raising_item],
    }

    def odd_calls() -> None:
        run_to_completion(middleware(scope={"type": "lifespan"}, receive=_receive, send=_send))
        run_to_completion(middleware({"type": odd_type}, _receive, _send))
        with pytest.raises(TypeError, match="takes 3 arguments"):
            middleware({"type": "lifespan"})  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="pairs"):
            middleware(preflight, _receive, _send)

    odd_calls()
    gc.collect()
    before = (sys.getrefcount(odd_type), sys.getrefcount(raising_item), sys.getrefcount(TypeError))
    for _ in range(1_000):
        odd_calls()
    gc.collect()
    assert (sys.getrefcount(odd_type), sys.getrefcount(raising_item), sys.getrefcount(TypeError)) == before
    assert not [error for error in gc.get_objects() if isinstance(error, IndexError | UnicodeEncodeError)]


class _RaisingItem:
    """A request header item whose iteration raises."""

    def __iter__(self) -> Any:
        raise RuntimeError("no pair here")


async def _lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
    return None


async def _receive() -> Message:
    return {"type": "lifespan.startup"}


async def _send(message: Message) -> None:
    return None

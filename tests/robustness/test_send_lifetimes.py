"""Each request's ``send`` serves that request for as long as the app holds it, and is freed with it.

The ways an app (or a server) could see one request's ``send`` confused with another's: a ``send``
kept and called after later requests, many requests in flight at once, a ``send`` caught in a
reference cycle, requests from several threads. Every one holds on both cores. (Code the collector
runs in the middle of an edit: ``test_collector_during_requests``.)
"""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from fastcors import CORSMiddleware
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import http_scope, run_to_completion

ALLOWED = b"https://app.example.org"
REFUSED = b"https://evil.example.net"
START: Message = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
BODY: Message = {"type": "http.response.body", "body": b"ok"}


def middleware(app: Any) -> CORSMiddleware:
    return CORSMiddleware(app, allow_origins=[ALLOWED.decode()], expose_headers=["X-Total"])


def request_scope(origin: bytes) -> Scope:
    return http_scope("GET", [(b"host", b"api.example.org"), (b"origin", origin)])


def expected_headers(origin: bytes) -> list[tuple[bytes, bytes]]:
    """What the app's start message becomes, for the configuration of ``middleware``."""
    if origin == ALLOWED:
        return [
            (b"content-type", b"text/plain"),
            (b"access-control-expose-headers", b"X-Total"),
            (b"access-control-allow-origin", ALLOWED),
            (b"vary", b"Origin"),
        ]
    return [
        (b"content-type", b"text/plain"),
        (b"access-control-expose-headers", b"X-Total"),
        (b"vary", b"Origin"),
    ]


class Server:
    """A server's side of requests: a ``send`` per request that records what reaches it."""

    def __init__(self) -> None:
        self.received: dict[int, list[Message]] = {}

    def send_for(self, request: int) -> Send:
        received = self.received.setdefault(request, [])

        async def send(message: Message) -> None:
            received.append(message)

        return send


async def receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class Suspend:
    """An awaitable that suspends its coroutine once: a request in flight."""

    def __await__(self) -> Generator[None, None, None]:
        yield


def origins(count: int) -> Iterator[bytes]:
    return (ALLOWED if index % 3 else REFUSED for index in range(count))


def test_a_send_kept_past_its_request_serves_that_request_after_later_ones() -> None:
    kept: list[Send] = []

    async def keeping_app(scope: Scope, receive: Receive, send: Send) -> None:
        kept.append(send)

    cors = middleware(keeping_app)
    server = Server()
    first = list(origins(12))
    for request, origin in enumerate(first):
        run_to_completion(cors(request_scope(origin), receive, server.send_for(request)))

    # Many later requests, whose sends are freed as they end.
    def app(scope: Scope, receive: Receive, send: Send) -> Any:
        async def respond() -> None:
            await send(dict(START, headers=list(START["headers"])))
            await send(dict(BODY))

        return respond()

    later = middleware(app)
    for request in range(100, 400):
        run_to_completion(later(request_scope(REFUSED), receive, server.send_for(request)))

    for send in kept:
        run_to_completion(send(dict(START, headers=list(START["headers"]))))
    for request, origin in enumerate(first):
        (start,) = server.received[request]
        assert start["headers"] == expected_headers(origin), (request, origin)
    for request in range(100, 400):
        assert server.received[request][0]["headers"] == expected_headers(REFUSED)


def in_flight(count: int) -> tuple[Server, list[Any], list[bytes]]:
    """``count`` requests started, each suspended before its response, in order of start."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await Suspend()
        await send(dict(START, headers=list(START["headers"])))
        await send(dict(BODY))

    cors = middleware(app)
    server = Server()
    started = []
    sent_origins = list(origins(count))
    for request, origin in enumerate(sent_origins):
        coroutine = cors(request_scope(origin), receive, server.send_for(request)).__await__()
        coroutine.send(None)
        started.append(coroutine)
    return server, started, sent_origins


def finish(coroutine: Any) -> None:
    with pytest.raises(StopIteration):
        coroutine.send(None)


@pytest.mark.parametrize("order", ["started first", "started last"])
def test_many_requests_in_flight_are_each_served_their_own_answer(order: str) -> None:
    server, started, sent_origins = in_flight(500)
    for request in range(500) if order == "started first" else reversed(range(500)):
        finish(started[request])
    for request, origin in enumerate(sent_origins):
        start, body = server.received[request]
        assert start["headers"] == expected_headers(origin), request
        assert body == BODY


def test_each_send_is_freed_with_its_request(implementation: str) -> None:
    if implementation == "python":
        pytest.skip("the pure core's send is a plain coroutine function, freed by the interpreter")
    probe: list[type] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        probe.append(type(send))

    run_to_completion(middleware(app)(request_scope(ALLOWED), receive, Server().send_for(0)))
    send_type = probe[0]
    gc.collect()
    before = sys.getrefcount(send_type)
    server, started, _ = in_flight(2_000)
    # Each live send holds its type.
    assert sys.getrefcount(send_type) >= before + 2_000
    for coroutine in started:
        finish(coroutine)
    del started, server
    gc.collect()
    assert sys.getrefcount(send_type) == before


def test_a_send_caught_in_a_reference_cycle_is_collected_with_what_it_holds() -> None:
    class ServerSend:
        """The server's ``send``, which (through its connection) refers to the app's ``send``."""

        def __init__(self) -> None:
            self.connection: list[Any] = []

        async def __call__(self, message: Message) -> None:
            return None

    serving: list[ServerSend] = [ServerSend()]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        serving[0].connection.append(send)
        await send(dict(START, headers=list(START["headers"])))

    alive = weakref.ref(serving[0])
    run_to_completion(middleware(app)(request_scope(ALLOWED), receive, serving[0]))
    serving.clear()
    gc.collect()
    assert alive() is None
    # And the next request is served as usual.
    server = Server()

    async def plain_app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(dict(START, headers=list(START["headers"])))

    run_to_completion(middleware(plain_app)(request_scope(REFUSED), receive, server.send_for(0)))
    assert server.received[0][0]["headers"] == expected_headers(REFUSED)


def test_requests_from_several_threads_are_each_served_their_own_answer() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(dict(START, headers=list(START["headers"])))
        await send(dict(BODY))

    cors = middleware(app)
    failures: list[str] = []
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as the interpreter allows

    def serve(thread: int) -> None:
        server = Server()
        for request, origin in enumerate(origins(3_000)):
            run_to_completion(cors(request_scope(origin), receive, server.send_for(request)))
            if server.received[request][0]["headers"] != expected_headers(origin):
                failures.append(f"thread {thread}, request {request}")

    try:
        threads = [threading.Thread(target=serve, args=(thread,)) for thread in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    assert failures == []

"""One middleware instance serves concurrent requests as it serves them one at a time.

A single ``CORSMiddleware`` is shared by many threads, each running its own event loop, and by
many concurrent tasks on each loop; its app really suspends (before the response starts, between
start and body), so requests interleave at every await. Every request carries values of its own
(its ``Origin``, ``Access-Control-Request-Headers`` and the app's ``Vary`` all contain a request
id), and each must get exactly the answer the same instance gives it when requests are served one
by one (which is itself checked against Starlette), with no value of another request anywhere in
its messages.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from fastcors._types import Message, Receive, Scope, Send

OPTIONS: dict[str, Any] = {
    "allow_origin_regex": r"https://client-r\d+x\d+\.example\.org",
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["*"],
    "allow_credentials": True,
    "expose_headers": ["X-Request-Id"],
}
REQUEST_ID = re.compile(rb"r\d+x\d+")
CLASSES = ["no origin", "allowed simple", "disallowed simple", "allowed preflight", "rejected preflight"]
THREADS = 8
REQUESTS_PER_THREAD = 100


@dataclass(frozen=True)
class Request:
    id: bytes
    kind: str

    def scope(self) -> Scope:
        allowed = b"https://client-" + self.id + b".example.org"
        disallowed = b"https://evil-" + self.id + b".example.net"
        headers: list[tuple[bytes, bytes]] = [(b"host", b"api.example.org"), (b"x-request-id", self.id)]
        method = "GET"
        if self.kind == "allowed simple":
            headers.append((b"origin", allowed))
        elif self.kind == "disallowed simple":
            headers.append((b"origin", disallowed))
        elif self.kind.endswith("preflight"):
            method = "OPTIONS"
            allowed_method = self.kind == "allowed preflight"
            headers += [
                (b"origin", allowed if allowed_method else disallowed),
                (b"access-control-request-method", b"POST" if allowed_method else b"PURGE"),
                (b"access-control-request-headers", b"x-request-id, x-for-" + self.id),
            ]
        return {"type": "http", "method": method, "path": "/", "headers": headers}


def requests_for(thread: int) -> list[Request]:
    return [Request(b"r%dx%d" % (thread, i), CLASSES[i % len(CLASSES)]) for i in range(REQUESTS_PER_THREAD)]


async def suspending_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the request's id in its ``Vary``, and lets other requests run at every step."""
    request_id = dict(scope["headers"])[b"x-request-id"]
    await asyncio.sleep(0)
    start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"vary", b"Accept-" + request_id), (b"x-request-id", request_id)],
    }
    await send(start)
    await asyncio.sleep(0)
    await send({"type": "http.response.body", "body": b"for " + request_id})


async def serve(middleware: Any, request: Request) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        await asyncio.sleep(0)
        sent.append(message)

    await middleware(request.scope(), receive, send)
    return sent


async def serve_concurrently(middleware: Any, requests: list[Request]) -> list[list[Message]]:
    return list(await asyncio.gather(*(serve(middleware, request) for request in requests)))


def serve_one_by_one(middleware: Any, requests: list[Request]) -> list[list[Message]]:
    async def each() -> list[list[Message]]:
        return [await serve(middleware, request) for request in requests]

    return asyncio.run(each())


def foreign_ids(request: Request, messages: list[Message]) -> set[bytes]:
    """Request ids other than this request's own found anywhere in its messages."""
    found = set(REQUEST_ID.findall(repr(messages).encode()))
    return found - {request.id}


@pytest.fixture(autouse=True)
def frequent_thread_switches() -> Iterator[None]:
    """Makes the interpreter switch threads as often as it can, so threads really interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_serving_one_by_one_gives_starlettes_answers() -> None:
    """The reference the concurrent runs are held to is itself Starlette's answer."""
    requests = requests_for(0)
    ours = serve_one_by_one(CORSMiddleware(suspending_app, **OPTIONS), requests)
    theirs = serve_one_by_one(StarletteCORSMiddleware(suspending_app, **OPTIONS), requests)
    assert ours == theirs


def test_concurrent_tasks_on_one_loop_get_the_answers_of_serial_serving() -> None:
    middleware = CORSMiddleware(suspending_app, **OPTIONS)
    requests = [request for thread in range(4) for request in requests_for(thread)]
    serial = serve_one_by_one(middleware, requests)
    assert asyncio.run(serve_concurrently(middleware, requests)) == serial


def test_concurrent_tasks_never_see_another_requests_values() -> None:
    middleware = CORSMiddleware(suspending_app, **OPTIONS)
    requests = [request for thread in range(4) for request in requests_for(thread)]
    answers = asyncio.run(serve_concurrently(middleware, requests))
    assert [foreign_ids(request, answer) for request, answer in zip(requests, answers, strict=True)] == [
        set()
    ] * len(requests)


def test_threads_with_their_own_loops_get_the_answers_of_serial_serving() -> None:
    middleware = CORSMiddleware(suspending_app, **OPTIONS)
    expected = {thread: serve_one_by_one(middleware, requests_for(thread)) for thread in range(THREADS)}
    answers: dict[int, list[list[Message]]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                answers[thread] = asyncio.run(serve_concurrently(middleware, requests_for(thread)))
                assert answers[thread] == expected[thread]
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(thread,)) for thread in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers == expected


def test_threads_never_see_another_threads_values() -> None:
    middleware = CORSMiddleware(suspending_app, **OPTIONS)
    leaks: list[tuple[bytes, set[bytes]]] = []
    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> None:
        barrier.wait()
        requests = requests_for(thread)
        for request, answer in zip(
            requests, asyncio.run(serve_concurrently(middleware, requests)), strict=True
        ):
            foreign = foreign_ids(request, answer)
            if foreign or not answer:
                leaks.append((request.id, foreign))

    threads = [threading.Thread(target=work, args=(thread,)) for thread in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert leaks == []


def test_every_request_class_is_exercised() -> None:
    """The requests above reach every path: echoed and refused origins, answered preflights."""
    middleware = CORSMiddleware(suspending_app, **OPTIONS)
    requests = requests_for(0)[: len(CLASSES)]
    answers = serve_one_by_one(middleware, requests)
    statuses = [answer[0]["status"] for answer in answers]
    assert statuses == [200, 200, 200, 200, 400]
    echoed = [
        any(name == b"access-control-allow-origin" for name, _ in answer[0]["headers"]) for answer in answers
    ]
    assert echoed == [False, True, False, True, False]

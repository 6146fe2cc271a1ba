"""A stress run of the request path, for ``scripts/asan``: requests from several threads taking
turns as often as the interpreter allows, ``send`` objects kept and called after later requests,
collections at almost every allocation whose callbacks change the lists the core reads, finalisers
that serve a request from inside another one, and a core called from finalisers while the
interpreter exits. Every answer is checked against Starlette's; any difference, exception or crash
fails the run (under AddressSanitizer, so does any invalid memory access).

    python -m tools.stress [--requests 2000] [--threads 8]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

import fastcors
from fastcors import CORSMiddleware

Headers = list[tuple[bytes, bytes]]

ALLOWED = b"https://app.example.org"
REFUSED = b"https://evil.example.net"
STARLETTE_OPTIONS: dict[str, Any] = {
    "allow_origins": [ALLOWED.decode()],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
    "expose_headers": ["X-Total"],
}
#: fastcors configurations whose answers equal Starlette's for STARLETTE_OPTIONS: origins decided by
#: the list, by Python's `re`, by a collection of the application's, and by a function.
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "listed origins": STARLETTE_OPTIONS,
    "python regex": {
        **STARLETTE_OPTIONS,
        "allow_origins": [],
        "allow_origin_regex": r"https://(?<!x)app\.example\.org",
    },
    "own collection": {
        **STARLETTE_OPTIONS,
        "allow_origins": type("Origins", (list,), {})([ALLOWED.decode()]),
    },
    "origin function": {
        **STARLETTE_OPTIONS,
        "allow_origins": [],
        "allow_origin_func": lambda origin: origin == ALLOWED.decode(),
    },
}
REQUESTS: dict[str, tuple[str, Headers]] = {
    "no origin": ("GET", [(b"host", b"api.example.org")]),
    "allowed simple": ("GET", [(b"host", b"api.example.org"), (b"origin", ALLOWED)]),
    "refused simple": ("GET", [(b"host", b"api.example.org"), (b"origin", REFUSED)]),
    "allowed preflight": (
        "OPTIONS",
        [
            (b"origin", ALLOWED),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", b"x-token"),
        ],
    ),
    "refused preflight": (
        "OPTIONS",
        [(b"origin", REFUSED), (b"access-control-request-method", b"PATCH")],
    ),
}
APP_HEADERS: Headers = [(b"content-type", b"text/plain"), (b"vary", b"Accept"), (b"x-total", b"3")]


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def app_sending(headers: Callable[[], Any]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers()})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def serve(middleware: Any, request: str, sent: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One request run to completion, without an event loop; the messages the server received."""
    method, headers = REQUESTS[request]
    received: list[dict[str, Any]] = [] if sent is None else sent

    async def send(message: dict[str, Any]) -> None:
        received.append(message)

    scope = {"type": "http", "method": method, "path": "/", "headers": list(headers)}
    run(middleware(scope, receive, send))
    return received


def run(coroutine: Any) -> None:
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise AssertionError("a request suspended, yet nothing here ever waits")


def expected() -> dict[str, list[dict[str, Any]]]:
    starlette = StarletteCORSMiddleware(app_sending(lambda: list(APP_HEADERS)), **STARLETTE_OPTIONS)
    return {request: serve(starlette, request) for request in REQUESTS}


def check(answer: list[dict[str, Any]], wanted: list[dict[str, Any]], where: str) -> None:
    if answer != wanted:
        raise AssertionError(f"{where}: {answer!r}\n!= Starlette's {wanted!r}")


def threads(requests: int, count: int, answers: dict[str, list[dict[str, Any]]]) -> None:
    failures: list[str] = []
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    middlewares = {
        name: CORSMiddleware(app_sending(lambda: list(APP_HEADERS)), **options)
        for name, options in CONFIGURATIONS.items()
    }

    def work(thread: int) -> None:
        names = list(REQUESTS)
        try:
            for index in range(requests):
                request = names[(index + thread) % len(names)]
                for name, middleware in middlewares.items():
                    check(serve(middleware, request), answers[request], f"thread {thread}, {name}, {request}")
        except BaseException as error:  # reported below, with every other thread's
            failures.append(repr(error))

    try:
        workers = [threading.Thread(target=work, args=(thread,)) for thread in range(count)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(previous)
    if failures:
        raise AssertionError(f"{len(failures)} thread(s) failed; the first: {failures[0]}")


def kept_sends(requests: int, answers: dict[str, list[dict[str, Any]]]) -> None:
    """Apps keep their ``send`` and call it only after every later request has started: each
    answers for its own request, to its own server."""
    for name, options in CONFIGURATIONS.items():
        kept: list[Any] = []

        async def keeping(scope: Any, receive: Any, send: Any, kept: list[Any] = kept) -> None:
            kept.append(send)

        middleware = CORSMiddleware(keeping, **options)
        servers: list[tuple[list[dict[str, Any]], str]] = []
        for index in range(requests):
            request = ("allowed simple", "refused simple", "no origin")[index % 3]
            servers.append((serve(middleware, request), request))
        for send, (received, request) in zip(kept, servers, strict=True):
            run(send({"type": "http.response.start", "status": 200, "headers": list(APP_HEADERS)}))
            run(send({"type": "http.response.body", "body": b"ok"}))
            check(received, answers[request], f"{name}, a kept send of a {request} request")


@contextmanager
def collecting_at_every_allocation(callback: Callable[[str, dict[str, int]], None]) -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.callbacks.append(callback)
    gc.set_threshold(1, 1, 1)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(callback)


def collections_that_change_lists(requests: int, answers: dict[str, list[dict[str, Any]]]) -> None:
    """The app's header list and the scope's are shrunk, emptied and rewritten in place by
    collector callbacks; every answer must be Starlette's for some state of the lists, and nothing
    may crash. (Only that the run survives and stays well formed is checked: which state a
    collection saw is not knowable from outside.)"""
    app_lists: list[Headers] = []
    step = [0]

    def change(phase: str, info: dict[str, int]) -> None:
        if phase != "start" or not app_lists:
            return
        headers = app_lists[-1]
        step[0] += 1
        kind = step[0] % 4
        if kind == 0:
            headers.clear()
        elif kind == 1:
            del headers[1:]
        elif kind == 2 and headers:
            headers[0] = (b"access-control-allow-origin", b"https://app-set.example.org")
        else:
            headers.append((b"vary", b"Cookie"))
        for found in gc.get_objects():  # every list the collector tracks, read whole
            if type(found) is list:
                for item in found:
                    type(item)

    def headers() -> Headers:
        fresh = list(APP_HEADERS)
        app_lists.append(fresh)
        return fresh

    for options in CONFIGURATIONS.values():
        middleware = CORSMiddleware(app_sending(headers), **options)
        with collecting_at_every_allocation(change):
            for _ in range(requests // 10):
                for request in REQUESTS:
                    start = serve(middleware, request)[0]
                    for name, value in start["headers"]:
                        assert type(name) is bytes, name
                        assert type(value) is bytes, value
                    del app_lists[:]


class Finalised(list):  # type: ignore[type-arg]
    """An app's header list whose finaliser serves another request through ``middleware``."""

    middleware: Any = None
    nested: list[list[dict[str, Any]]] = []  # noqa: RUF012 - shared on purpose, reset per run

    def __del__(self) -> None:
        middleware, Finalised.middleware = Finalised.middleware, None  # one level deep
        if middleware is not None:
            Finalised.nested.append(serve(middleware, "allowed simple"))
            Finalised.middleware = middleware


def finalisers_that_serve_requests(requests: int, answers: dict[str, list[dict[str, Any]]]) -> None:
    """The app's header list has a finaliser that serves a request through the same middleware:
    it runs when the core replaces the app's list with the edited one."""
    for options in CONFIGURATIONS.values():
        middleware = CORSMiddleware(app_sending(lambda: Finalised(APP_HEADERS)), **options)
        Finalised.middleware, Finalised.nested = middleware, []
        for _ in range(requests // 10):
            check(serve(middleware, "refused simple"), answers["refused simple"], "outer request")
        Finalised.middleware = None
        assert len(Finalised.nested) >= requests // 10, "the finalisers did not run"
        for answer in Finalised.nested:
            check(answer, answers["allowed simple"], "a request served from a finaliser")


def calls_at_exit() -> None:
    """Kept sends and a middleware, each called wrongly from a finaliser while the interpreter
    finalizes: each must raise a TypeError its caller catches."""
    kept: list[Any] = []

    async def keeping(scope: Any, receive: Any, send: Any) -> None:
        kept.append(send)

    middleware = CORSMiddleware(keeping, **STARLETTE_OPTIONS)
    serve(middleware, "allowed simple")

    class AtExit:
        def __init__(self) -> None:
            self.send, self.middleware, self.write = kept[0], middleware, os.write

        def __del__(self) -> None:
            calls: tuple[Callable[..., Any], ...] = (self.send, self.middleware)
            for call in calls:
                try:
                    call()
                except TypeError:
                    pass
                else:
                    self.write(2, b"a wrong call raised nothing\n")
                    os._exit(3)

    holder = sys.modules["fastcors_stress_exit"] = types.ModuleType("fastcors_stress_exit")
    holder.at_exit = AtExit()  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    answers = expected()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("threads", lambda: threads(args.requests // args.threads, args.threads, answers)),
        ("kept sends", lambda: kept_sends(args.requests, answers)),
        ("collections that change lists", lambda: collections_that_change_lists(args.requests, answers)),
        ("finalisers that serve requests", lambda: finalisers_that_serve_requests(args.requests, answers)),
        ("calls at exit", calls_at_exit),
    ]
    print(
        f"tools.stress: fastcors core {fastcors.IMPLEMENTATION}, Python {sys.version.split()[0]}", flush=True
    )
    for name, step in steps:
        step()
        print(f"  {name}: ok", flush=True)


if __name__ == "__main__":
    main()

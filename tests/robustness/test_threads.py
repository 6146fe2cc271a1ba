"""Eight threads share one middleware and switch as often as the interpreter allows.

What a policy writes while serving (the memos of origin and requested-header verdicts, the cache of
``allow_origin_func``) is written by all of them at once, with more distinct values than a memo
keeps, so that memos fill up, overflow and the function cache evicts while other threads read. Every
answer must still be exact: the one the rules give for that request, computed here without the
middleware. This is what a free-threaded CPython, which runs the pure-Python core, relies on.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from fastcors import CORSMiddleware, _pure
from fastcors._pure.headers import MEMO_SIZE
from fastcors._types import Message, Scope
from tests.asgi import http_scope, ok_app, run_to_completion
from tests.conftest import serving_on

THREADS = 8
#: More distinct origins and header lists than a memo keeps (``MEMO_SIZE``).
VALUES = 700
FUNC_CACHE_SIZE = 8
ALLOWED_HEADERS = {"x-a", "x-b", "accept", "accept-language", "content-language", "content-type"}


def allowed_by_func(origin: str) -> bool:
    return origin.startswith("https://f") and int(origin[len("https://f") :].split(".")[0]) % 3 == 0


def options() -> dict[str, Any]:
    return {
        "allow_origin_patterns": ["https://*.patterns.example"],
        "allow_methods": ["GET", "PUT"],
        "allow_headers": ["X-A", "X-B"],
        "allow_origin_func": allowed_by_func,
        "allow_origin_func_cache_size": FUNC_CACHE_SIZE,
    }


def origin_of(n: int) -> str:
    """Allowed by the patterns, or asked of ``allow_origin_func``, by turns."""
    return f"https://o{n}.patterns.example" if n % 2 else f"https://f{n}.example"


def origin_allowed(origin: str) -> bool:
    return origin.endswith(".patterns.example") or allowed_by_func(origin)


def requested_headers_of(n: int) -> str:
    return f"x-a, x-{'b' if n % 4 else n}"


def request(n: int) -> tuple[Scope, str, str | None]:
    origin = origin_of(n)
    if n % 5 == 0:
        return http_scope(headers=[(b"origin", origin.encode())]), origin, None
    requested = requested_headers_of(n)
    headers = [
        (b"origin", origin.encode()),
        (b"access-control-request-method", b"PUT"),
        (b"access-control-request-headers", requested.encode()),
    ]
    return http_scope("OPTIONS", headers), origin, requested


def expected(origin: str, requested: str | None) -> tuple[int, bytes | None]:
    """The status and ``Access-Control-Allow-Origin`` the rules give, worked out here."""
    allowed = origin_allowed(origin)
    echoed = origin.encode() if allowed else None
    if requested is None:
        return 200, echoed
    headers_allowed = all(item.strip() in ALLOWED_HEADERS for item in requested.split(","))
    return (200 if allowed and headers_allowed else 400), echoed


def serve(middleware: Any, scope: Scope) -> tuple[int, bytes | None]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    run_to_completion(middleware(scope, receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]).get(b"access-control-allow-origin")


@pytest.fixture(autouse=True)
def frequent_thread_switches() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def serve_from_eight_threads(middleware: Any) -> list[tuple[int, int, tuple[int, bytes | None]]]:
    """Each thread serves every value, from its own starting point; returns the wrong answers."""
    wrong: list[tuple[int, int, tuple[int, bytes | None]]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> None:
        try:
            barrier.wait()
            for step in range(VALUES):
                n = (thread * VALUES // THREADS + step) % VALUES
                scope, origin, requested = request(n)
                answer = serve(middleware, scope)
                if answer != expected(origin, requested):
                    wrong.append((thread, n, answer))
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(thread,)) for thread in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return wrong


def test_eight_threads_get_exact_answers_while_the_memos_and_the_function_cache_fill_and_evict() -> None:
    middleware = CORSMiddleware(ok_app(), **options())
    assert serve_from_eight_threads(middleware) == []
    assert middleware._config.origin_func is not None
    assert middleware._config.origin_func.cache_len() <= FUNC_CACHE_SIZE


def test_the_requests_reach_every_verdict() -> None:
    """The values above are allowed and refused by each rule, so every memo holds both verdicts."""
    answers = {expected(origin, requested) for origin, requested in (request(n)[1:] for n in range(VALUES))}
    assert {status for status, _ in answers} == {200, 400}
    assert {echoed is None for _, echoed in answers} == {True, False}
    assert any(allowed_by_func(origin_of(n)) for n in range(VALUES))


@pytest.mark.parametrize("implementation", ["python"])
def test_the_pure_cores_memos_stay_within_their_bound_under_eight_threads(implementation: str) -> None:
    with serving_on(_pure):
        middleware = CORSMiddleware(ok_app(), **options())
        assert serve_from_eight_threads(middleware) == []
    policy = middleware._policy
    assert isinstance(policy, _pure.Policy)
    assert policy._origin_verdicts is not None
    assert 0 < len(policy._origin_verdicts) <= MEMO_SIZE
    assert 0 < len(policy._requested_headers_verdicts) <= MEMO_SIZE
    # The memo keeps the static rules' verdicts; allow_origin_func answers for itself, through its cache.
    static = policy._origin_verdicts.items()
    assert all(verdict == origin.endswith(b".patterns.example") for origin, verdict in static)

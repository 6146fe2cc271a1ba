"""``allow_origin_func``: the application's verdict on origins the static rules refuse, on both cores.

Sync or async ``(origin: str) -> bool``; asked only when ``allow_origins``, the patterns and the
regex say no, at most once per request; its exceptions propagate as the app's would; an answer
that is not a bool never approves. The optional cache is LRU with a TTL, keeps nothing for an
exception, and is off by default.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from fastcors import CORSMiddleware, _origin_func
from fastcors._types import Message, Scope
from tests.asgi import http_scope, ok_app, response_headers, run

ALLOWED = "https://tenant.example.net"
LISTED = "https://listed.example.org"


class Recorder:
    """A sync ``allow_origin_func`` that allows ``ALLOWED`` and records what it is asked."""

    def __init__(self, answer: Callable[[str], Any] | None = None) -> None:
        self.asked: list[str] = []
        self._answer = answer or (lambda origin: origin == ALLOWED)

    def __call__(self, origin: str) -> Any:
        self.asked.append(origin)
        return self._answer(origin)


class AsyncRecorder(Recorder):
    """The same, async, and really suspending before it answers."""

    async def __call__(self, origin: str) -> Any:
        self.asked.append(origin)
        await asyncio.sleep(0)
        return self._answer(origin)


def cors(func: Any, **options: Any) -> CORSMiddleware:
    return CORSMiddleware(ok_app(), allow_origins=[LISTED], allow_origin_func=func, **options)


def simple(origin: str) -> Scope:
    return http_scope(headers=[(b"origin", origin.encode())])


def preflight(origin: str) -> Scope:
    return http_scope("OPTIONS", [(b"origin", origin.encode()), (b"access-control-request-method", b"GET")])


def allow_origin(messages: list[Message]) -> bytes | None:
    return dict(response_headers(messages)).get(b"access-control-allow-origin")


@pytest.fixture(params=["sync", "async"])
def recorder(request: pytest.FixtureRequest) -> Recorder:
    return Recorder() if request.param == "sync" else AsyncRecorder()


def test_an_origin_the_func_allows_is_echoed_on_a_simple_response(recorder: Recorder) -> None:
    assert allow_origin(run(cors(recorder), simple(ALLOWED))) == ALLOWED.encode()
    assert recorder.asked == [ALLOWED]


def test_an_origin_the_func_refuses_is_not_echoed(recorder: Recorder) -> None:
    assert allow_origin(run(cors(recorder), simple("https://evil.com"))) is None
    assert recorder.asked == ["https://evil.com"]


def test_an_origin_the_func_allows_passes_a_preflight(recorder: Recorder) -> None:
    messages = run(cors(recorder), preflight(ALLOWED))
    assert messages[0]["status"] == 200
    assert allow_origin(messages) == ALLOWED.encode()
    assert messages[1] == {"type": "http.response.body", "body": b"OK"}
    assert recorder.asked == [ALLOWED]


def test_an_origin_the_func_refuses_fails_a_preflight(recorder: Recorder) -> None:
    messages = run(cors(recorder), preflight("https://evil.com"))
    assert messages[0]["status"] == 400
    assert messages[1]["body"] == b"Disallowed CORS origin"


def test_the_func_is_not_asked_about_origins_the_static_rules_allow(recorder: Recorder) -> None:
    middleware = CORSMiddleware(
        ok_app(),
        allow_origins=[LISTED],
        allow_origin_patterns=["https://*.example.com"],
        allow_origin_regex=r"https://r\.example\.io",
        allow_origin_func=recorder,
    )
    for origin in (LISTED, "https://a.example.com", "https://r.example.io"):
        assert allow_origin(run(middleware, simple(origin))) == origin.encode()
        assert run(middleware, preflight(origin))[0]["status"] == 200
    assert recorder.asked == []


def test_the_func_is_not_asked_when_every_origin_is_allowed(recorder: Recorder) -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=["*"], allow_origin_func=recorder)
    run(middleware, simple("https://any.com"))
    run(middleware, preflight("https://any.com"))
    assert recorder.asked == []


def test_the_func_is_not_asked_without_an_origin(recorder: Recorder) -> None:
    run(cors(recorder), http_scope())
    assert recorder.asked == []


def test_the_func_is_asked_once_per_request(recorder: Recorder) -> None:
    middleware = cors(recorder)
    run(middleware, simple("https://evil.com"))
    run(middleware, preflight("https://evil.com"))
    assert recorder.asked == ["https://evil.com", "https://evil.com"]


def test_the_func_may_return_an_awaitable_from_a_sync_callable() -> None:
    async def verdict() -> bool:
        return True

    assert allow_origin(run(cors(lambda origin: verdict()), simple(ALLOWED))) == ALLOWED.encode()


class Boom(Exception):
    pass


def raising(origin: str) -> bool:
    raise Boom(origin)


async def raising_async(origin: str) -> bool:
    await asyncio.sleep(0)
    raise Boom(origin)


@pytest.mark.parametrize("func", [raising, raising_async])
def test_an_exception_of_the_func_propagates_from_a_preflight(func: Any) -> None:
    with pytest.raises(Boom):
        run(cors(func), preflight("https://evil.com"))


@pytest.mark.parametrize("func", [raising, raising_async])
def test_an_exception_of_the_func_reaches_the_app_through_send_and_propagates(func: Any) -> None:
    seen: list[BaseException] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        except Boom as error:
            seen.append(error)
            raise

    middleware = CORSMiddleware(app, allow_origin_func=func)
    with pytest.raises(Boom):
        run(middleware, simple("https://evil.com"))
    assert len(seen) == 1


@pytest.mark.parametrize("answer", [None, 1, "true", [True]])
def test_an_answer_that_is_not_a_bool_is_an_error_never_an_approval(answer: object) -> None:
    with pytest.raises(TypeError, match="allow_origin_func must return True or False"):
        run(cors(lambda origin: answer), simple("https://evil.com"))
    with pytest.raises(TypeError, match="allow_origin_func must return True or False"):
        run(cors(lambda origin: answer), preflight("https://evil.com"))


def test_is_allowed_origin_asks_a_sync_func() -> None:
    middleware = cors(Recorder())
    assert middleware.is_allowed_origin(ALLOWED)
    assert not middleware.is_allowed_origin("https://evil.com")


def test_is_allowed_origin_refuses_to_guess_for_an_async_func() -> None:
    with pytest.raises(TypeError, match="is_allowed_origin cannot wait"):
        cors(AsyncRecorder()).is_allowed_origin(ALLOWED)


def test_the_func_is_readable_on_the_instance() -> None:
    func = Recorder()
    middleware = cors(func, allow_origin_func_cache_size=10, allow_origin_func_cache_ttl=5)
    assert middleware.allow_origin_func is func
    assert middleware.allow_origin_func_cache_size == 10
    assert middleware.allow_origin_func_cache_ttl == 5


def test_a_subclass_overriding_is_allowed_origin_cannot_take_a_func() -> None:
    class Custom(CORSMiddleware):
        def is_allowed_origin(self, origin: str) -> bool:
            return True

    with pytest.raises(
        TypeError, match=r"is_allowed_origin is not Starlette's.*allow_origin_func would never"
    ):
        Custom(ok_app(), allow_origin_func=Recorder())


def test_patching_is_allowed_origin_beside_a_func_is_refused() -> None:
    middleware = cors(Recorder())
    with pytest.raises(
        TypeError, match=r"is_allowed_origin is not Starlette's.*allow_origin_func would never"
    ):
        middleware.is_allowed_origin = lambda origin: True  # type: ignore[method-assign]
    assert "is_allowed_origin" not in vars(middleware)
    assert not middleware.is_allowed_origin("https://evil.com")


def test_patching_is_allowed_origin_on_the_class_of_a_middleware_with_a_func_fails_its_next_request() -> None:
    class Custom(CORSMiddleware):
        pass

    middleware = Custom(ok_app(), allow_origin_func=Recorder())
    Custom.is_allowed_origin = lambda self, origin: True  # type: ignore[method-assign]
    refusal = r"is_allowed_origin is not Starlette's.*allow_origin_func would never"
    with pytest.raises(TypeError, match=refusal):
        run(middleware, simple("https://evil.com"))
    with pytest.raises(TypeError, match=refusal):
        Custom(ok_app(), allow_origin_func=Recorder())
    del Custom.is_allowed_origin
    assert not middleware.is_allowed_origin("https://evil.com")


# The decision cache.


def test_without_a_cache_the_func_is_asked_on_every_request(recorder: Recorder) -> None:
    middleware = cors(recorder)
    for _ in range(3):
        run(middleware, simple(ALLOWED))
    assert recorder.asked == [ALLOWED] * 3


def test_the_cache_answers_repeated_origins(recorder: Recorder) -> None:
    middleware = cors(recorder, allow_origin_func_cache_size=8)
    for origin in (ALLOWED, "https://evil.com", ALLOWED, "https://evil.com"):
        run(middleware, simple(origin))
    assert allow_origin(run(middleware, simple(ALLOWED))) == ALLOWED.encode()
    assert run(middleware, preflight("https://evil.com"))[0]["status"] == 400
    assert recorder.asked == [ALLOWED, "https://evil.com"]


def test_the_cache_evicts_the_least_recently_used_origin(recorder: Recorder) -> None:
    middleware = cors(recorder, allow_origin_func_cache_size=2)
    for origin in ("https://a.com", "https://b.com", "https://a.com", "https://c.com", "https://a.com"):
        run(middleware, simple(origin))
    assert recorder.asked == ["https://a.com", "https://b.com", "https://c.com"]
    run(middleware, simple("https://b.com"))
    assert recorder.asked[-1] == "https://b.com"


def test_a_cached_verdict_expires_after_the_ttl(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(_origin_func, "monotonic", lambda: now[0])
    middleware = cors(recorder, allow_origin_func_cache_size=8, allow_origin_func_cache_ttl=30)
    run(middleware, simple(ALLOWED))
    now[0] += 29.9
    run(middleware, simple(ALLOWED))
    assert recorder.asked == [ALLOWED]
    now[0] += 0.1
    run(middleware, simple(ALLOWED))
    assert recorder.asked == [ALLOWED, ALLOWED]


@pytest.mark.parametrize("func", [raising, raising_async])
def test_the_cache_keeps_nothing_for_an_exception(func: Any) -> None:
    calls: list[str] = []

    def counted(origin: str) -> Any:
        calls.append(origin)
        return func(origin)

    middleware = cors(counted, allow_origin_func_cache_size=8)
    for _ in range(2):
        with pytest.raises(Boom):
            run(middleware, preflight("https://evil.com"))
    assert len(calls) == 2


def test_the_cache_is_safe_under_threads() -> None:
    lock = threading.Lock()
    asked: list[str] = []

    def func(origin: str) -> bool:
        with lock:
            asked.append(origin)
        return origin.endswith("7.com")

    middleware = cors(func, allow_origin_func_cache_size=16)
    origins = [f"https://{n}.com" for n in range(40)]
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for round_ in range(50):
                origin = origins[(offset + round_) % len(origins)]
                expected = origin.encode() if origin.endswith("7.com") else None
                assert allow_origin(run(middleware, simple(origin))) == expected
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(asked) <= set(origins)
    assert middleware._config.origin_func is not None
    assert middleware._config.origin_func.cache_len() <= 16


def test_concurrent_tasks_each_get_their_own_verdict() -> None:
    async def func(origin: str) -> bool:
        await asyncio.sleep(0.001 if "slow" in origin else 0)
        return "good" in origin

    middleware = cors(func)

    async def one(origin: str) -> bytes | None:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        await middleware(simple(origin), receive, send)
        return allow_origin(sent)

    async def main() -> list[bytes | None]:
        origins = ["https://good-slow.com", "https://bad.com", "https://good.com", "https://bad-slow.com"] * 5
        return await asyncio.gather(*(one(origin) for origin in origins))

    answers = asyncio.run(main())
    assert answers == [b"https://good-slow.com", None, b"https://good.com", None] * 5


# Construction.


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"allow_origin_func": 3}, "allow_origin_func must be a callable"),
        ({"allow_origin_func_cache_size": 10}, "allow_origin_func_cache_size=10 has nothing to cache"),
        ({"allow_origin_func_cache_ttl": 10}, "allow_origin_func_cache_ttl=10 has nothing to cache"),
        (
            {"allow_origin_func": Recorder(), "allow_origin_func_cache_size": -1},
            "allow_origin_func_cache_size must be a number of origins",
        ),
        (
            {"allow_origin_func": Recorder(), "allow_origin_func_cache_size": True},
            "allow_origin_func_cache_size must be a number of origins",
        ),
        (
            {
                "allow_origin_func": Recorder(),
                "allow_origin_func_cache_size": 8,
                "allow_origin_func_cache_ttl": 0,
            },
            "allow_origin_func_cache_ttl must be a positive number of seconds",
        ),
        (
            {
                "allow_origin_func": Recorder(),
                "allow_origin_func_cache_size": 8,
                "allow_origin_func_cache_ttl": float("nan"),
            },
            "allow_origin_func_cache_ttl must be a positive number of seconds",
        ),
        (
            {"allow_origin_func": Recorder(), "allow_origin_func_cache_ttl": 60},
            "allow_origin_func_cache_ttl=60 needs allow_origin_func_cache_size",
        ),
    ],
)
def test_invalid_func_options_are_refused_at_construction(options: dict[str, Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        CORSMiddleware(ok_app(), **options)


def test_the_func_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        CORSMiddleware(ok_app(), (), ("GET",), (), False, None, False, (), 600, Recorder())  # type: ignore[call-arg,arg-type]


def test_the_websocket_origin_check_beside_a_func_is_refused() -> None:
    with pytest.raises(TypeError, match=r"check_websocket_origin .* allow_origin_func"):
        CORSMiddleware(ok_app(), allow_origin_func=Recorder(), check_websocket_origin=True)


def test_explain_refuses_to_guess_for_an_async_func() -> None:
    with pytest.raises(TypeError, match=r"explain\(\) cannot wait"):
        cors(AsyncRecorder()).explain("https://evil.com", "PUT")


# A cached answer is only ever replaced by the answer of a lookup that started later.


async def served(middleware: CORSMiddleware, scope: Scope) -> list[Message]:
    """One request through ``middleware`` on the running loop."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent


class Revocable:
    """Allows the origins in ``allowed``, read when a lookup starts; the first lookup then waits
    for ``release`` before it answers, as a slow database query would."""

    def __init__(self, started: Any, release: Any) -> None:
        self.allowed = {ALLOWED}
        self.started = started
        self.release = release
        self.calls = 0


def test_a_stale_async_answer_never_replaces_the_answer_of_a_lookup_that_started_later() -> None:
    async def main() -> tuple[bytes | None, bytes | None]:
        state = Revocable(asyncio.Event(), asyncio.Event())

        async def func(origin: str) -> bool:
            state.calls += 1
            verdict = origin in state.allowed
            if state.calls == 1:
                state.started.set()
                await state.release.wait()
            return verdict

        middleware = cors(func, allow_origin_func_cache_size=8)
        slow = asyncio.create_task(served(middleware, simple(ALLOWED)))
        await state.started.wait()
        state.allowed.clear()  # revoked while the first lookup is still running
        assert allow_origin(await served(middleware, simple(ALLOWED))) is None
        state.release.set()
        stale = allow_origin(await slow)
        return stale, allow_origin(await served(middleware, simple(ALLOWED)))

    stale, after = asyncio.run(main())
    assert stale == ALLOWED.encode()  # the slow request gets the answer it was given
    assert after is None  # and the revocation, cached later, stands


def test_a_stale_threaded_answer_never_replaces_the_answer_of_a_lookup_that_started_later() -> None:
    state = Revocable(threading.Event(), threading.Event())
    lock = threading.Lock()

    def func(origin: str) -> bool:
        with lock:
            state.calls += 1
            first = state.calls == 1
        verdict = origin in state.allowed
        if first:
            state.started.set()
            assert state.release.wait(10)
        return verdict

    middleware = cors(func, allow_origin_func_cache_size=8)
    answers: list[bytes | None] = []
    slow = threading.Thread(target=lambda: answers.append(allow_origin(run(middleware, simple(ALLOWED)))))
    slow.start()
    assert state.started.wait(10)
    state.allowed.clear()
    assert allow_origin(run(middleware, simple(ALLOWED))) is None
    state.release.set()
    slow.join(10)
    assert answers == [ALLOWED.encode()]
    assert allow_origin(run(middleware, simple(ALLOWED))) is None


def test_a_stale_answer_is_not_cached_once_the_newer_answer_was_evicted() -> None:
    state = Revocable(threading.Event(), threading.Event())

    def func(origin: str) -> bool:
        state.calls += 1
        verdict = origin in state.allowed
        if state.calls == 1:
            state.started.set()
            assert state.release.wait(10)
        return verdict

    middleware = cors(func, allow_origin_func_cache_size=1)
    slow = threading.Thread(target=run, args=(middleware, simple(ALLOWED)))
    slow.start()
    assert state.started.wait(10)
    state.allowed.clear()
    assert allow_origin(run(middleware, simple(ALLOWED))) is None
    run(middleware, simple("https://other.example.net"))  # evicts the refusal
    state.release.set()
    slow.join(10)
    assert allow_origin(run(middleware, simple(ALLOWED))) is None


def test_a_cached_answer_expires_ttl_seconds_after_its_lookup_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(_origin_func, "monotonic", lambda: now[0])
    allowed = {ALLOWED}

    async def func(origin: str) -> bool:
        verdict = origin in allowed
        now[0] += 25  # a slow lookup: the verdict is 25 seconds old when it arrives
        await asyncio.sleep(0)
        return verdict

    middleware = cors(func, allow_origin_func_cache_size=8, allow_origin_func_cache_ttl=30)
    assert allow_origin(run(middleware, simple(ALLOWED))) == ALLOWED.encode()
    allowed.clear()
    now[0] += 6  # 31 seconds after the lookup started
    assert allow_origin(run(middleware, simple(ALLOWED))) is None


def test_an_origin_longer_than_512_bytes_is_never_cached() -> None:
    recorder = Recorder(lambda origin: True)
    middleware = cors(recorder, allow_origin_func_cache_size=8)
    longest = "https://" + "a" * (512 - len("https://.com")) + ".com"
    too_long = "https://" + "a" * (513 - len("https://.com")) + ".com"
    assert (len(longest), len(too_long)) == (512, 513)
    for origin in (longest, longest, too_long, too_long, "https://" + "b" * 1_000_000 + ".com"):
        run(middleware, simple(origin))
    assert [len(origin) for origin in recorder.asked] == [512, 513, 513, 1_000_012]
    assert middleware._config.origin_func is not None
    assert middleware._config.origin_func.cache_len() == 1


# explain() and is_allowed_origin() agree with the middleware, or refuse loudly.


@pytest.mark.parametrize("preflight_form", [False, True], ids=["simple", "preflight"])
def test_explain_refuses_an_awaitable_from_a_sync_func_as_loudly_in_both_forms(preflight_form: bool) -> None:
    async def verdict() -> bool:
        await asyncio.sleep(0)
        return True

    middleware = cors(lambda origin: verdict())
    assert allow_origin(run(middleware, simple(ALLOWED))) == ALLOWED.encode()  # the middleware awaits it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match=r"^explain\(\) cannot wait for the awaitable allow_origin_func"):
            middleware.explain(ALLOWED, "PUT" if preflight_form else "GET")
        gc.collect()
    assert [str(warning.message) for warning in caught] == []  # no coroutine left never awaited


class Origin(str):
    """A str subclass, as a framework's own string type may be."""


def test_is_allowed_origin_of_a_str_subclass_asks_the_patterns_and_the_func_as_for_a_str() -> None:
    middleware = CORSMiddleware(
        ok_app(), allow_origin_patterns=["https://*.example.com"], allow_origin_func=Recorder()
    )
    for origin in ("https://a.example.com", ALLOWED):
        assert middleware.is_allowed_origin(origin)
        assert middleware.is_allowed_origin(Origin(origin))
    assert not middleware.is_allowed_origin(Origin("https://evil.com"))

"""``middleware.reconfigure(**options)``: a complete new policy, swapped in at once, on both cores.

Requests in flight finish on the policy they started with, new ones get the new one, none sees
half of each; invalid options raise and leave the old policy serving; safe under threads and
concurrent tasks; the option attributes read the new values afterwards.
"""

from __future__ import annotations

import asyncio
import copy
import pickle
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSConfigError, CORSConfigWarning, CORSMiddleware
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import http_scope, ok_app, response_headers, run

A = "https://a.example"
B = "https://b.example"


def simple(origin: str) -> Scope:
    return http_scope(headers=[(b"origin", origin.encode())])


def preflight(origin: str) -> Scope:
    return http_scope("OPTIONS", [(b"origin", origin.encode()), (b"access-control-request-method", b"GET")])


def allow_origin(messages: list[Message]) -> bytes | None:
    return dict(response_headers(messages)).get(b"access-control-allow-origin")


def test_new_requests_get_the_new_options() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[A])
    middleware.reconfigure(allow_origins=[B])
    assert allow_origin(run(middleware, simple(B))) == B.encode()
    assert allow_origin(run(middleware, simple(A))) is None
    assert run(middleware, preflight(B))[0]["status"] == 200
    assert run(middleware, preflight(A))[0]["status"] == 400


def test_options_not_given_keep_their_values() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[A], allow_methods=["GET", "PUT"], max_age=60)
    middleware.reconfigure(max_age=5)
    assert middleware.allow_origins == [A]
    assert middleware.allow_methods == ["GET", "PUT"]
    assert dict(response_headers(run(middleware, preflight(A))))[b"access-control-max-age"] == b"5"


def test_the_option_attributes_read_the_new_values() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[A])
    with pytest.warns(CORSConfigWarning, match="allow_credentials=True"):
        middleware.reconfigure(
            allow_origins=["*"], allow_credentials=True, allow_origin_patterns=["https://*.b.example"]
        )
    assert middleware.allow_origins == ["*"]
    assert middleware.allow_all_origins is True
    assert middleware.allow_credentials is True
    assert middleware.simple_headers == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Credentials": "true",
    }
    assert middleware.allow_origin_patterns == ("https://*.b.example",)


def test_fastcors_own_options_can_be_reconfigured() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[A])
    middleware.reconfigure(allow_origin_patterns=["https://*.b.example"], allow_origin_func=lambda o: o == B)
    assert middleware.is_allowed_origin("https://x.b.example")
    assert middleware.is_allowed_origin(B)
    middleware.reconfigure(allow_origin_patterns=[], allow_origin_func=None)
    assert not middleware.is_allowed_origin("https://x.b.example")
    assert not middleware.is_allowed_origin(B)
    assert middleware.is_allowed_origin(A)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"allow_origin_regex": "("}, re.error, "allow_origin_regex"),
        ({"allow_origin_patterns": ["https://*"]}, ValueError, "allow_origin_patterns"),
        ({"allow_methods": ["GET", "X-€"]}, ValueError, "allow_methods"),
        ({"allow_origin_func_cache_size": 8}, ValueError, "allow_origin_func_cache_size"),
    ],
)
def test_invalid_options_raise_and_leave_the_old_policy_serving(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[A], max_age=60)
    with pytest.raises(error, match=message):
        middleware.reconfigure(allow_origins=[B], max_age=5, **options)
    assert middleware.allow_origins == [A]
    assert allow_origin(run(middleware, simple(A))) == A.encode()
    assert allow_origin(run(middleware, simple(B))) is None
    assert dict(response_headers(run(middleware, preflight(A))))[b"access-control-max-age"] == b"60"


def test_app_and_unknown_options_are_refused() -> None:
    middleware = CORSMiddleware(ok_app())
    with pytest.raises(TypeError, match="not the app"):
        middleware.reconfigure(app=ok_app())
    with pytest.raises(TypeError, match=r"unknown option.*'allow_origin';"):
        middleware.reconfigure(allow_origin=[A])


def test_a_request_in_flight_finishes_on_the_policy_it_started_with() -> None:
    started = asyncio.Event
    sent: list[Message] = []

    async def main() -> None:
        ready, proceed = started(), started()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            ready.set()
            await proceed.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})

        async def send(message: Message) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.request"}

        middleware = CORSMiddleware(app, allow_origins=[A], expose_headers=["X-Old"])
        request = asyncio.ensure_future(middleware(simple(A), receive, send))
        await ready.wait()
        middleware.reconfigure(allow_origins=[B], expose_headers=["X-New"])
        proceed.set()
        await request
        assert middleware.allow_origins == [B]

    asyncio.run(main())
    headers = dict(sent[0]["headers"])
    assert headers[b"access-control-allow-origin"] == A.encode()
    assert headers[b"access-control-expose-headers"] == b"X-Old"


def test_a_preflight_awaiting_the_func_finishes_on_the_policy_it_started_with() -> None:
    sent: list[Message] = []

    async def main() -> None:
        asked, answer = asyncio.Event(), asyncio.Event()

        async def func(origin: str) -> bool:
            asked.set()
            await answer.wait()
            return True

        async def send(message: Message) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.request"}

        middleware = CORSMiddleware(ok_app(), allow_origin_func=func, max_age=60)
        request = asyncio.ensure_future(middleware(preflight(B), receive, send))
        await asked.wait()
        middleware.reconfigure(allow_origin_func=None, max_age=5)
        answer.set()
        await request

    asyncio.run(main())
    assert sent[0]["status"] == 200
    headers = dict(sent[0]["headers"])
    assert headers[b"access-control-allow-origin"] == B.encode()
    assert headers[b"access-control-max-age"] == b"60"


CONFIG_A: dict[str, Any] = {"allow_origins": [A], "expose_headers": ["X-A"], "max_age": 1}
CONFIG_B: dict[str, Any] = {"allow_origins": [B], "expose_headers": ["X-B"], "max_age": 2}


def consistent(messages: list[Message]) -> bool:
    """The response is wholly config A's or wholly config B's, for a request from origin A."""
    headers = dict(response_headers(messages))
    a = (
        headers.get(b"access-control-allow-origin") == A.encode()
        and headers[b"access-control-expose-headers"] == b"X-A"
    )
    b = b"access-control-allow-origin" not in headers and headers[b"access-control-expose-headers"] == b"X-B"
    return a or b


def served_while(middleware: CORSMiddleware, change: Callable[[], None]) -> int:
    """Serves requests from origin A on four threads, each response wholly one configuration's
    (``consistent``), while ``change`` runs on a fifth; the responses served while it ran. What
    any thread raised fails the test."""
    stop = threading.Event()
    errors: list[BaseException] = []
    served: list[None] = []  # one entry a response
    while_changing: list[int] = []  # responses served before the change, and after

    def serve() -> None:
        try:
            while not stop.is_set():
                messages = run(middleware, simple(A))
                assert consistent(messages), messages
                served.append(None)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            stop.set()

    def changing() -> None:
        try:
            while_changing.append(len(served))
            change()
            while_changing.append(len(served))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        stop.set()

    threads = [threading.Thread(target=serve) for _ in range(4)] + [threading.Thread(target=changing)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    before, after = while_changing
    return after - before


def test_requests_under_threads_see_one_whole_policy_or_the_other() -> None:
    middleware = CORSMiddleware(ok_app(), **CONFIG_A)

    def reconfigure() -> None:
        for round_ in range(200):
            middleware.reconfigure(**(CONFIG_B if round_ % 2 == 0 else CONFIG_A))

    served_while(middleware, reconfigure)
    assert middleware.allow_origins == [A]


def test_requests_under_threads_see_one_whole_policy_or_the_other_as_shadows_are_promoted() -> None:
    middleware = CORSMiddleware(ok_app(), **CONFIG_A, shadow=CONFIG_B)

    def promote() -> None:
        for round_ in range(200):
            middleware.promote_shadow()
            middleware.reconfigure(shadow=CONFIG_A if round_ % 2 == 0 else CONFIG_B)

    assert served_while(middleware, promote) > 0  # requests were served while shadows were promoted
    assert middleware.allow_origins == [A]
    assert consistent(run(middleware, simple(A)))
    assert allow_origin(run(middleware, simple(A))) == A.encode()


def test_concurrent_reconfigures_compose() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[A])
    barrier = threading.Barrier(2)

    def change(**options: Any) -> None:
        barrier.wait()
        middleware.reconfigure(**options)

    threads = [
        threading.Thread(target=change, kwargs={"max_age": 5}),
        threading.Thread(target=change, kwargs={"expose_headers": ["X-E"]}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert middleware.simple_headers == {"Access-Control-Expose-Headers": "X-E"}
    assert middleware.preflight_headers["Access-Control-Max-Age"] == "5"


def test_requests_under_concurrent_tasks_see_one_whole_policy_or_the_other() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0)
        await send({"type": "http.response.start", "status": 200, "headers": []})

    middleware = CORSMiddleware(app, **CONFIG_A)

    async def one() -> list[Message]:
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.request"}

        await middleware(simple(A), receive, send)
        return sent

    async def main() -> list[list[Message]]:
        tasks = []
        for round_ in range(100):
            tasks.append(asyncio.ensure_future(one()))
            await asyncio.sleep(0)
            middleware.reconfigure(**(CONFIG_B if round_ % 2 == 0 else CONFIG_A))
        return await asyncio.gather(*tasks)

    answers = asyncio.run(main())
    assert all(consistent(messages) for messages in answers)
    assert {allow_origin(messages) is not None for messages in answers} == {True, False}


async def picklable_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An app pickle can find by name."""


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_copies_and_pickles_keep_the_reconfigured_options(duplicate: Any) -> None:
    middleware = CORSMiddleware(picklable_app, allow_origins=[A])
    middleware.reconfigure(allow_origins=[B], allow_origin_patterns=["https://*.c.example"])
    duplicated = duplicate(middleware)
    assert duplicated.allow_origins == [B]
    assert duplicated.is_allowed_origin("https://x.c.example")
    assert not duplicated.is_allowed_origin(A)


def test_reconfigure_checks_the_new_configuration_as_the_constructor_does() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[A])
    with pytest.raises(CORSConfigError):
        middleware.reconfigure(allow_origins=[A + "/"], strict=True)
    assert middleware.allow_origins == [A]


def test_reconfigure_keeps_the_features_given_to_the_constructor() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[A], cors_on_errors=True)
    middleware.reconfigure(max_age=5)
    assert middleware._config.cors_on_errors is True


async def responding_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An app pickle can find by name, which answers every request."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


DUPLICATES = {
    "the middleware itself": lambda middleware: middleware,
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda middleware: pickle.loads(pickle.dumps(middleware)),
}


@pytest.mark.parametrize("duplicate", DUPLICATES.values(), ids=DUPLICATES.keys())
def test_strict_is_kept_by_reconfigure_copies_and_pickles(duplicate: Any) -> None:
    middleware = duplicate(CORSMiddleware(picklable_app, allow_origins=[A], strict=True))
    with pytest.raises(CORSConfigError, match="allow_origins contains '\\*' and allow_credentials=True"):
        middleware.reconfigure(allow_origins=["*"], allow_credentials=True)
    assert not middleware.is_allowed_origin(B)
    with pytest.warns(CORSConfigWarning):
        middleware.reconfigure(allow_origins=["*"], allow_credentials=True, strict=False)
    assert middleware.is_allowed_origin(B)
    with pytest.warns(CORSConfigWarning):
        middleware.reconfigure(max_age=5)  # strict=False, given last, is kept in turn


ONE_SHOT_OPTIONS = {
    "allow_origins": (["*"], simple(B)),
    "allow_methods": (["*"], preflight(A)),
    "allow_headers": (["*", "X-Token"], preflight(A)),
    "expose_headers": (["X-Request-ID"], simple(A)),
}


@pytest.mark.parametrize("duplicate", DUPLICATES.values(), ids=DUPLICATES.keys())
@pytest.mark.parametrize("option", ONE_SHOT_OPTIONS)
def test_a_one_shot_iterable_option_is_kept_by_copies_pickles_and_reconfigure_as_starlettes_copies_keep_it(
    option: str, duplicate: Any
) -> None:
    items, scope = ONE_SHOT_OPTIONS[option]
    options: dict[str, Any] = {"allow_origins": [A], option: (item for item in items)}
    middleware = duplicate(CORSMiddleware(responding_app, **options))
    middleware.reconfigure(max_age=5)
    starlettes = copy.copy(StarletteCORSMiddleware(responding_app, **{**options, option: iter(items)}))
    starlettes.preflight_headers["Access-Control-Max-Age"] = "5"
    assert run(middleware, copy.deepcopy(scope)) == run(starlettes, copy.deepcopy(scope))


@pytest.mark.parametrize("duplicate", DUPLICATES.values(), ids=DUPLICATES.keys())
def test_one_shot_origin_patterns_are_kept_by_copies_pickles_and_reconfigure(duplicate: Any) -> None:
    middleware = duplicate(CORSMiddleware(picklable_app, allow_origin_patterns=iter(["https://*.c.example"])))
    middleware.reconfigure(max_age=5)
    assert middleware.allow_origin_patterns == ("https://*.c.example",)
    assert middleware.is_allowed_origin("https://x.c.example")

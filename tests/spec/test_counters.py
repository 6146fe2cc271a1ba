"""``middleware.stats()``: what the middleware served, counted, on both cores.

Every HTTP request counts in ``requests``; a request that is no preflight counts, when its response
starts, as ``no_origin``, ``simple_allowed`` or ``simple_refused``; a preflight as
``preflight_allowed``, or as ``preflight_refused`` and once more under its first failing check; a
refused websocket handshake as ``websocket_refused``; ``allow_origin_func``'s calls, cache hits
and errors are counted too. Counters survive ``reconfigure``, are exact under threads, and both
cores count every request alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcors import CORSMiddleware, _pure
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import app_sending, http_scope, ok_app, run, run_to_completion
from tests.conftest import serving_on
from tests.parity.test_differential import SECONDARY, config_strategy, request_strategy

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.net"
KEYS = {
    "requests",
    "no_origin",
    "simple_allowed",
    "simple_refused",
    "preflight_allowed",
    "preflight_refused",
    "preflight_refused_origin",
    "preflight_refused_method",
    "preflight_refused_headers",
    "preflight_refused_private_network",
    "websocket_refused",
    "origin_func_calls",
    "origin_func_cache_hits",
    "origin_func_errors",
    "shadow_differences",
}


def simple(origin: str | None = None, method: str = "GET") -> Scope:
    return http_scope(method, [] if origin is None else [(b"origin", origin.encode())])


def preflight(origin: str = ALLOWED, method: str = "GET", **extra: str) -> Scope:
    headers = [(b"origin", origin.encode()), (b"access-control-request-method", method.encode())]
    headers += [(name.replace("_", "-").encode(), value.encode()) for name, value in extra.items()]
    return http_scope("OPTIONS", headers)


def cors(**options: Any) -> CORSMiddleware:
    return CORSMiddleware(ok_app(), **{"allow_origins": [ALLOWED], **options})


def counted(stats: dict[str, int]) -> dict[str, int]:
    """The counters that are not zero."""
    return {key: value for key, value in stats.items() if value}


# --- The keys -------------------------------------------------------------------------------------


def test_a_new_middleware_has_every_counter_at_zero() -> None:
    stats = cors().stats()
    assert set(stats) == KEYS
    assert counted(stats) == {}


# --- Requests -------------------------------------------------------------------------------------


def test_every_http_request_counts_in_requests_with_or_without_an_origin() -> None:
    middleware = cors()
    for scope in (simple(), simple(ALLOWED), simple(OTHER), preflight(), preflight(OTHER)):
        run(middleware, scope)
    assert middleware.stats()["requests"] == 5


def test_a_request_without_an_origin_counts_as_no_origin() -> None:
    middleware = cors()
    run(middleware, simple())
    assert counted(middleware.stats()) == {"requests": 1, "no_origin": 1}


def test_an_options_request_that_is_no_preflight_counts_by_its_origin() -> None:
    middleware = cors()
    run(middleware, simple(ALLOWED, "OPTIONS"))
    assert counted(middleware.stats()) == {"requests": 1, "simple_allowed": 1}


def test_a_request_from_an_allowed_origin_counts_as_simple_allowed() -> None:
    middleware = cors()
    run(middleware, simple(ALLOWED))
    assert counted(middleware.stats()) == {"requests": 1, "simple_allowed": 1}


def test_a_request_from_another_origin_counts_as_simple_refused() -> None:
    middleware = cors()
    run(middleware, simple(OTHER))
    assert counted(middleware.stats()) == {"requests": 1, "simple_refused": 1}


@pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning")  # `*` with credentials, on purpose
def test_any_origin_counts_as_simple_allowed_when_every_origin_is_allowed() -> None:
    for credentials in (False, True):
        middleware = cors(allow_origins=["*"], allow_credentials=credentials)
        run(middleware, simple(OTHER))
        assert counted(middleware.stats()) == {"requests": 1, "simple_allowed": 1}


def test_a_request_whose_app_fails_before_its_response_counts_only_in_requests() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("the app failed")

    middleware = CORSMiddleware(failing, allow_origins=[ALLOWED])
    with pytest.raises(RuntimeError, match="the app failed"):
        run(middleware, simple(ALLOWED))
    assert counted(middleware.stats()) == {"requests": 1}


def test_the_500_of_cors_on_errors_counts_as_the_requests_outcome() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("the app failed")

    middleware = CORSMiddleware(failing, allow_origins=[ALLOWED], cors_on_errors=True)
    with pytest.raises(RuntimeError, match="the app failed"):
        run(middleware, simple(ALLOWED))
    assert counted(middleware.stats()) == {"requests": 1, "simple_allowed": 1}


def test_the_500_of_cors_on_errors_for_an_origin_the_function_allows_counts_once() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("the app failed")

    middleware = CORSMiddleware(
        failing, allow_origin_func=lambda origin: origin == OTHER, cors_on_errors=True
    )
    with pytest.raises(RuntimeError, match="the app failed"):
        run(middleware, simple(OTHER))
    assert counted(middleware.stats()) == {"requests": 1, "simple_allowed": 1, "origin_func_calls": 1}


# --- Preflights -----------------------------------------------------------------------------------


def test_an_allowed_preflight_counts_as_preflight_allowed() -> None:
    middleware = cors()
    run(middleware, preflight())
    assert counted(middleware.stats()) == {"requests": 1, "preflight_allowed": 1}


def test_a_refused_preflight_counts_once_in_preflight_refused_and_once_under_its_first_failing_reason() -> (
    None
):
    middleware = cors()
    messages = run(middleware, preflight(OTHER, "PUT", access_control_request_headers="x-token"))
    assert messages[1]["body"] == b"Disallowed CORS origin, method, headers"
    assert counted(middleware.stats()) == {
        "requests": 1,
        "preflight_refused": 1,
        "preflight_refused_origin": 1,
    }


@pytest.mark.parametrize(
    ("scope", "reason"),
    [
        (preflight(OTHER), "preflight_refused_origin"),
        (preflight(ALLOWED, "PUT"), "preflight_refused_method"),
        (preflight(ALLOWED, access_control_request_headers="x-token"), "preflight_refused_headers"),
        (
            preflight(ALLOWED, access_control_request_private_network="true"),
            "preflight_refused_private_network",
        ),
        (preflight(ALLOWED, "PUT", access_control_request_headers="x-token"), "preflight_refused_method"),
    ],
)
def test_a_refused_preflight_counts_under_its_first_failing_check_in_starlettes_order(
    scope: Scope, reason: str
) -> None:
    middleware = cors()
    run(middleware, scope)
    assert counted(middleware.stats()) == {"requests": 1, "preflight_refused": 1, reason: 1}


# --- Scopes that are no HTTP requests -------------------------------------------------------------


def websocket(origin: str) -> Scope:
    return {"type": "websocket", "path": "/ws", "headers": [(b"origin", origin.encode())]}


async def accept(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})


def handshake(middleware: Any, scope: Scope) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


def test_a_refused_websocket_handshake_counts_as_websocket_refused_and_not_as_a_request() -> None:
    middleware = CORSMiddleware(accept, allow_origins=[ALLOWED], check_websocket_origin=True)
    assert handshake(middleware, websocket(OTHER)) == [{"type": "websocket.close", "code": 1008}]
    assert counted(middleware.stats()) == {"websocket_refused": 1}


def test_an_accepted_websocket_handshake_counts_nothing() -> None:
    middleware = CORSMiddleware(accept, allow_origins=[ALLOWED], check_websocket_origin=True)
    assert handshake(middleware, websocket(ALLOWED)) == [{"type": "websocket.accept"}]
    assert counted(middleware.stats()) == {}


def test_lifespan_scopes_count_nothing() -> None:
    async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})

    middleware: Any = CORSMiddleware(lifespan, allow_origins=[ALLOWED])
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(middleware({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    assert sent == [{"type": "lifespan.startup.complete"}]
    assert counted(middleware.stats()) == {}


# --- What serves no request -----------------------------------------------------------------------


def test_explain_and_is_allowed_origin_count_nothing() -> None:
    middleware = cors()
    middleware.explain(OTHER, "PUT")
    middleware.explain(ALLOWED)
    middleware.explain(OTHER)
    middleware.is_allowed_origin(OTHER)
    assert counted(middleware.stats()) == {}


# --- allow_origin_func ----------------------------------------------------------------------------


def test_each_call_of_allow_origin_func_counts_in_origin_func_calls() -> None:
    middleware = cors(allow_origin_func=lambda origin: origin == OTHER)
    run(middleware, simple(OTHER))
    run(middleware, preflight("https://third.example"))
    run(middleware, simple(ALLOWED))  # allowed by the list: the function is not asked
    assert middleware.stats()["origin_func_calls"] == 2


def test_a_verdict_from_the_cache_counts_as_a_cache_hit_and_not_as_a_call() -> None:
    middleware = cors(allow_origin_func=lambda origin: origin == OTHER, allow_origin_func_cache_size=8)
    for _ in range(3):
        run(middleware, simple(OTHER))
    stats = middleware.stats()
    assert (stats["origin_func_calls"], stats["origin_func_cache_hits"]) == (1, 2)


def test_a_function_that_raises_counts_as_an_error() -> None:
    def failing(origin: str) -> bool:
        raise LookupError("the tenant database is down")

    middleware = cors(allow_origin_func=failing)
    with pytest.raises(LookupError):
        run(middleware, simple(OTHER))
    stats = middleware.stats()
    assert (stats["origin_func_calls"], stats["origin_func_errors"]) == (1, 1)


def test_an_answer_that_is_no_bool_counts_as_an_error() -> None:
    middleware = cors(allow_origin_func=lambda origin: "yes")
    with pytest.raises(TypeError, match="must return True or False"):
        run(middleware, preflight(OTHER))
    assert middleware.stats()["origin_func_errors"] == 1


def test_an_async_function_counts_its_calls_and_errors_once_awaited() -> None:
    async def judge(origin: str) -> bool:
        await asyncio.sleep(0)
        if origin == "https://down.example":
            raise LookupError("down")
        return origin == OTHER

    middleware = cors(allow_origin_func=judge)
    assert run(middleware, preflight(OTHER))[0]["status"] == 200
    with pytest.raises(LookupError):
        run(middleware, simple("https://down.example"))
    assert counted(middleware.stats()) == {
        "requests": 2,
        "preflight_allowed": 1,
        "origin_func_calls": 2,
        "origin_func_errors": 1,
    }


# --- The middleware's counters --------------------------------------------------------------------


def test_counters_survive_reconfigure() -> None:
    middleware = cors()
    run(middleware, simple(ALLOWED))
    middleware.reconfigure(allow_origins=[OTHER])
    run(middleware, simple(ALLOWED))
    assert counted(middleware.stats()) == {"requests": 2, "simple_allowed": 1, "simple_refused": 1}


def test_counters_survive_a_patch_of_is_allowed_origin() -> None:
    middleware = cors()
    run(middleware, simple(ALLOWED))
    middleware.is_allowed_origin = lambda origin: False  # type: ignore[method-assign]
    run(middleware, simple(ALLOWED))
    assert counted(middleware.stats()) == {"requests": 2, "simple_allowed": 1, "simple_refused": 1}


def test_allow_origin_func_counts_on_after_reconfigure() -> None:
    middleware = cors(allow_origin_func=lambda origin: True)
    run(middleware, simple(OTHER))
    middleware.reconfigure(allow_origin_func=lambda origin: False)
    run(middleware, simple(OTHER))
    assert middleware.stats()["origin_func_calls"] == 2


def test_a_copy_counts_on_its_own_from_zero() -> None:
    middleware = cors()
    run(middleware, simple(ALLOWED))
    duplicate = copy.copy(middleware)
    run(duplicate, simple(OTHER))
    assert counted(duplicate.stats()) == {"requests": 1, "simple_refused": 1}
    assert counted(middleware.stats()) == {"requests": 1, "simple_allowed": 1}


def test_stats_is_a_snapshot_that_later_requests_leave_as_it_was() -> None:
    middleware = cors()
    before = middleware.stats()
    run(middleware, simple(ALLOWED))
    before["requests"] = 99
    assert before["simple_allowed"] == 0
    assert middleware.stats()["requests"] == 1


def test_shadow_differences_stays_zero_without_shadow_policies() -> None:
    middleware = cors()
    for scope in (simple(), simple(OTHER), preflight(OTHER)):
        run(middleware, scope)
    assert middleware.stats()["shadow_differences"] == 0


def test_the_stats_of_a_route_that_is_not_configured_are_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match=r"stats\(route='/admin'\): no such route is configured"):
        cors().stats(route="/admin")


def test_stats_of_route_none_are_the_middlewares_own() -> None:
    middleware = cors()
    run(middleware, simple(ALLOWED))
    assert middleware.stats(route=None) == middleware.stats()


# --- Under threads --------------------------------------------------------------------------------

THREADS = 8
ROUNDS = 150
#: One round of each thread: each request and the counters it adds to (an origin the list refuses
#: is asked of ``allow_origin_func``, which has no cache here).
ROUND = [
    (simple(), ("no_origin",)),
    (simple(ALLOWED), ("simple_allowed",)),
    (simple(OTHER), ("simple_refused", "origin_func_calls")),
    (preflight(), ("preflight_allowed",)),
    (preflight(OTHER), ("preflight_refused", "preflight_refused_origin", "origin_func_calls")),
    (preflight(ALLOWED, "PUT"), ("preflight_refused", "preflight_refused_method")),
    (preflight(access_control_request_headers="x-b"), ("preflight_refused", "preflight_refused_headers")),
    (simple("https://func.example"), ("simple_allowed", "origin_func_calls")),
]


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


async def receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def discard(message: Message) -> None:
    pass


def served_on_threads(middleware: CORSMiddleware, scopes: Sequence[Scope]) -> None:
    """Serves ``scopes``, ``ROUNDS`` times over, on each of ``THREADS`` threads started together;
    what any of them raised fails the test, in its own thread."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                for scope in scopes:
                    run_to_completion(middleware(copy.deepcopy(scope), receive, discard))
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.usefixtures("frequent_thread_switches")
def test_eight_threads_are_counted_exactly() -> None:
    middleware = cors(
        allow_headers=["X-A"], allow_origin_func=lambda origin: origin == "https://func.example"
    )
    served_on_threads(middleware, [scope for scope, _ in ROUND])
    expected = {"requests": THREADS * ROUNDS * len(ROUND)}
    for _, keys in ROUND:
        for key in keys:
            expected[key] = expected.get(key, 0) + THREADS * ROUNDS
    assert counted(middleware.stats()) == expected


ADMIN = "https://admin.example.com"
#: A round of the routed, shadowed middleware below: each request, the route that counts it
#: (``None``: the top level) and its counters there; the shadow's differences count at the top.
ROUTED_ROUND: list[tuple[Scope, str | None, tuple[str, ...]]] = [
    (
        {"type": "websocket", "path": "/", "headers": [(b"origin", OTHER.encode())]},
        None,
        ("websocket_refused",),
    ),
    (preflight(access_control_request_private_network="true"), None, ("preflight_refused",)),
    ({**simple(OTHER), "path": "/"}, None, ("simple_refused",)),
    ({**simple(ALLOWED), "path": "/admin/users"}, "/admin", ("simple_refused",)),
    ({**simple(ADMIN), "path": "/admin"}, "/admin", ("simple_allowed",)),
    ({**simple(OTHER), "path": "/hooks/github"}, "/hooks", ()),
]


@pytest.mark.usefixtures("frequent_thread_switches")
def test_eight_threads_are_counted_exactly_under_routes_and_a_shadow() -> None:
    middleware = cors(
        check_websocket_origin=True,
        routes={"/admin": {"allow_origins": [ADMIN]}, "/hooks": None},
        shadow={"allow_origins": [ALLOWED, OTHER]},
    )
    served_on_threads(middleware, [scope for scope, _, _ in ROUTED_ROUND])
    n = THREADS * ROUNDS
    expected: dict[str | None, dict[str, int]] = {None: {}, "/admin": {}, "/hooks": {}}
    for scope, route, keys in ROUTED_ROUND:
        counts = expected[route]
        if scope["type"] == "http":
            counts["requests"] = counts.get("requests", 0) + n
        for key in keys:
            counts[key] = counts.get(key, 0) + n
    # The refused preflight fails on private network alone, under both configurations; the
    # shadow allows the other origin the live policy refuses at the top level.
    expected[None]["preflight_refused_private_network"] = n
    expected[None]["shadow_differences"] = n
    assert {route: counted(middleware.stats(route=route)) for route in expected} == expected


# --- Both cores alike -----------------------------------------------------------------------------


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    await app_sending(
        {"type": "http.response.start", "status": 200, "headers": [(b"vary", b"Accept")]},
        {"type": "http.response.body", "body": b"app"},
    )(scope, receive, send)


def stats_on(core: Any, options: dict[str, Any], scopes: Sequence[Scope]) -> dict[str, int]:
    """The counters after ``scopes``, served on ``core`` (failures, as Starlette's, included)."""
    with serving_on(core), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a configuration check's advice changes no count
        middleware = CORSMiddleware(app, **options)
        for scope in scopes:
            # Each core raises for the same malformed requests, as Starlette does.
            with contextlib.suppress(Exception):
                run_to_completion(middleware(copy.deepcopy(scope), receive, discard))
    return middleware.stats()


# Both cores serve each example, whichever the fixture names: once is enough.
@pytest.mark.parametrize("implementation", ["rust"])
@SECONDARY
@given(data=st.data(), options=config_strategy)
def test_both_cores_count_the_same_traffic_alike(
    implementation: str, data: st.DataObject, options: dict[str, Any]
) -> None:
    rust = pytest.importorskip("fastcors._fastcors")
    requests = data.draw(st.lists(request_strategy(options), min_size=1, max_size=12))
    scopes = [request.scope() for request in requests]
    assert stats_on(rust, options, scopes) == stats_on(_pure, options, scopes)


@pytest.mark.parametrize("implementation", ["rust"])
def test_both_cores_count_a_known_mix_alike(implementation: str) -> None:
    """The mix of the thread test, three times, with the function's cache, served by each core."""
    rust = pytest.importorskip("fastcors._fastcors")
    options = {
        "allow_origins": [ALLOWED],
        "allow_headers": ["X-A"],
        "allow_origin_func": lambda origin: origin == "https://func.example",
        "allow_origin_func_cache_size": 4,
    }
    scopes = [scope for scope, _ in ROUND] * 3
    rust_stats = stats_on(rust, options, scopes)
    assert rust_stats == stats_on(_pure, options, scopes)
    # Two origins asked of the function (OTHER, func.example), three times each per round.
    assert (rust_stats["origin_func_calls"], rust_stats["origin_func_cache_hits"]) == (2, 3 * 3 - 2)


def test_python_counts_only_what_the_core_cannot_see() -> None:
    counters = cors()._policy.counters
    counters.count("origin_func_calls")
    with pytest.raises(KeyError, match="no counter named 'requests' is counted from Python"):
        counters.count("requests")
    assert counted(counters.stats()) == {"origin_func_calls": 1}

"""``shadow`` compared where the live policy decides (an inline shadow: no async
``allow_origin_func``), held to its rules on odd requests and odd apps: the response is the one
without a shadow, a difference is reported exactly when the candidate serving alone would answer
otherwise, once per request, and nothing of the shadow reaches the request. On both cores.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from fastcors import CORSMiddleware, ShadowDifference
from fastcors._types import ASGIApp, Message, Receive, Scope, Send
from tests.asgi import ok_app, run, run_recording

LIVE = "https://live.example"
CANDIDATE = "https://candidate.example"
OTHER = "https://other.example"


def request_headers(origin: str, *, preflight: bool = False) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", origin.encode())]
    if preflight:
        headers.append((b"access-control-request-method", b"PUT"))
    return headers


def get(origin: str, path: str = "/") -> Scope:
    return {"type": "http", "method": "GET", "path": path, "headers": request_headers(origin)}


def served(middleware: Any, scope: Scope) -> list[Message] | tuple[type[BaseException], list[Message]]:
    """The messages sent, or the type of what the request raised and the messages sent before."""
    sent, error = run_recording(middleware, scope)
    return sent if error is None else (type(error), sent)


class Method(str):
    """A method of its own ``str`` subclass, answering comparisons as ``str`` does."""

    def __eq__(self, other: object) -> bool:
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return str.__ne__(self, other)

    __hash__ = str.__hash__


class HeaderList(list[tuple[bytes, bytes]]):
    pass


class ScopeMapping(Mapping[str, Any]):
    """A scope that is a mapping, not a ``dict``."""

    def __init__(self, items: Mapping[str, Any]) -> None:
        self.items_ = dict(items)

    def __getitem__(self, key: str) -> Any:
        return self.items_[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.items_[key] = value

    def __iter__(self) -> Iterator[str]:
        return iter(self.items_)

    def __len__(self) -> int:
        return len(self.items_)


ODD_REQUESTS: dict[str, Callable[[], Any]] = {
    "preflight": lambda: {
        "type": "http",
        "method": "OPTIONS",
        "path": "/",
        "headers": request_headers(CANDIDATE, preflight=True),
    },
    "OPTIONS without a requested method": lambda: {
        "type": "http",
        "method": "OPTIONS",
        "path": "/",
        "headers": request_headers(LIVE),
    },
    "method of a str subclass": lambda: {
        "type": "http",
        "method": Method("OPTIONS"),
        "path": "/",
        "headers": request_headers(LIVE, preflight=True),
    },
    "type of a str subclass": lambda: {
        "type": Method("http"),
        "method": "GET",
        "path": "/",
        "headers": request_headers(LIVE),
    },
    "headers in a tuple": lambda: {**get(LIVE), "headers": tuple(request_headers(LIVE))},
    "headers in a list subclass": lambda: {**get(LIVE), "headers": HeaderList(request_headers(LIVE))},
    "headers in an iterator": lambda: {**get(LIVE), "headers": iter(request_headers(LIVE))},
    "header items that are lists": lambda: {**get(LIVE), "headers": [[b"origin", LIVE.encode()]]},
    "an Origin that is a str": lambda: {**get(LIVE), "headers": [(b"origin", LIVE)]},
    "a malformed header item": lambda: {**get(LIVE), "headers": [(b"origin",)]},
    "a scope that is no dict": lambda: ScopeMapping(get(CANDIDATE)),
    "a scope without a path": lambda: {"type": "http", "method": "GET", "headers": request_headers(LIVE)},
    "a route where CORS is off": lambda: get(LIVE, "/off/items"),
    "a websocket handshake": lambda: {"type": "websocket", "path": "/", "headers": request_headers(OTHER)},
}


async def app_with_cors_headers_of_its_own(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [(b"access-control-allow-origin", b"*"), (b"vary", b"Accept")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"app"})


async def app_sending_by_keyword(scope: Scope, receive: Receive, send: Send) -> None:
    await send(message={"type": "http.response.start", "status": 200})  # type: ignore[call-arg]
    await send(message={"type": "http.response.body", "body": b"app"})  # type: ignore[call-arg]


async def app_failing_first(scope: Scope, receive: Receive, send: Send) -> None:
    raise ValueError("the app failed")


async def app_failing_after_its_start(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200})
    raise ValueError("the app failed")


ODD_APPS: dict[str, ASGIApp] = {
    "plain": ok_app([(b"x-app", b"1")]),
    "CORS headers of its own": app_with_cors_headers_of_its_own,
    "send(message=...)": app_sending_by_keyword,
    "failing before it responds": app_failing_first,
    "failing after its start": app_failing_after_its_start,
}


@pytest.mark.parametrize("cors_on_errors", [False, True])
@pytest.mark.parametrize("app_name", list(ODD_APPS))
def test_odd_requests_and_apps_get_the_response_they_get_without_a_shadow(
    app_name: str, cors_on_errors: bool
) -> None:
    app = ODD_APPS[app_name]
    options: dict[str, Any] = {
        "allow_origins": [LIVE],
        "allow_methods": ["GET", "PUT"],
        "allow_origin_func": lambda origin: origin == OTHER,
        "routes": {"/off": None},
        "cors_on_errors": cors_on_errors,
    }
    shadow = {"allow_origins": [CANDIDATE], "allow_origin_func": None, "routes": {"/api": None}}
    for name, scope in ODD_REQUESTS.items():
        alone = served(CORSMiddleware(app, **options), scope())
        with_shadow = served(CORSMiddleware(app, **options, shadow=shadow), scope())
        assert repr(with_shadow) == repr(alone), name


def test_a_difference_is_reported_for_the_500_of_cors_on_errors_whatever_allowed_its_origin() -> None:
    """Starlette-readable 500s are compared alike, whether the live allow_origins or the live
    allow_origin_func allowed the origin."""

    async def failing_app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("the app failed")

    shadow = {"allow_origins": [CANDIDATE], "allow_origin_func": None}
    reported = []
    for live_options in (
        {"allow_origins": [OTHER]},
        {"allow_origins": [LIVE], "allow_origin_func": lambda origin: origin == OTHER},
    ):
        events: list[ShadowDifference] = []
        middleware = CORSMiddleware(
            failing_app,
            cors_on_errors=True,
            shadow=shadow,
            on_shadow_difference=events.append,
            **live_options,
        )
        outcome = served(middleware, get(OTHER))
        assert isinstance(outcome, tuple)
        failed, sent = outcome
        assert failed is RuntimeError
        assert (b"access-control-allow-origin", OTHER.encode()) in sent[0]["headers"]
        reported.append(
            (
                [(event.live.allowed, event.shadow.allowed) for event in events],
                middleware.stats()["shadow_differences"],
            )
        )
    assert reported == [([(True, False)], 1), ([(True, False)], 1)]


def test_the_candidates_route_is_the_one_of_the_path_the_request_arrived_with() -> None:
    async def rewriting_app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["path"] = "/rewritten"  # as a path-rewriting app inside the middleware may
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    events: list[ShadowDifference] = []
    middleware = CORSMiddleware(
        rewriting_app,
        allow_origins=[LIVE],
        shadow={"allow_origins": [CANDIDATE], "routes": {"/api": {"allow_origins": [LIVE]}}},
        on_shadow_difference=events.append,
    )
    run(middleware, get(LIVE, "/api/items"))
    # Serving alone, the candidate's /api route allows LIVE, as the live configuration does.
    assert events == []
    assert middleware.stats()["shadow_differences"] == 0


def test_a_request_is_reported_once_however_many_response_starts_its_app_sends() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.start", "status": 200, "headers": []})

    events: list[ShadowDifference] = []
    middleware = CORSMiddleware(
        app, allow_origins=[LIVE], shadow={"allow_origins": [CANDIDATE]}, on_shadow_difference=events.append
    )
    run(middleware, get(LIVE))
    assert len(events) == 1
    assert middleware.stats()["shadow_differences"] == 1


class FailingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        raise RuntimeError("the log filter failed")


@pytest.fixture
def failing_shadow_log() -> Iterator[None]:
    """The ``fastcors.shadow`` logger at ``DEBUG``, with a filter that raises."""
    logger = logging.getLogger("fastcors.shadow")
    failing = FailingFilter()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addFilter(failing)
    try:
        yield
    finally:
        logger.removeFilter(failing)
        logger.setLevel(level)


async def awaitable_verdict(allowed: bool) -> bool:
    return allowed


async def async_candidate_func(origin: str) -> bool:
    return origin == OTHER


def failing_listener(event: ShadowDifference) -> None:
    raise ValueError("the listener failed")


SHADOW_LOG_CASES: dict[str, tuple[dict[str, Any], Scope]] = {
    "a live verdict not compared": (
        {"allow_origin_func": lambda origin: awaitable_verdict(True)},
        get(OTHER),
    ),
    "a live preflight verdict not compared": (
        {"allow_origin_func": lambda origin: awaitable_verdict(True)},
        {"type": "http", "method": "OPTIONS", "path": "/", "headers": request_headers(OTHER, preflight=True)},
    ),
    "a candidate verdict not compared": (
        {"shadow": {"allow_origin_func": lambda origin: awaitable_verdict(True)}},
        get(OTHER),
    ),
    "a failing listener": ({"on_shadow_difference": failing_listener}, get(LIVE)),
    # A shadow that is not inline: compared before the request is served, or after its response.
    "a failing listener after an awaited verdict": (
        {"shadow": {"allow_origin_func": async_candidate_func}, "on_shadow_difference": failing_listener},
        get(OTHER),
    ),
    "headers of a list subclass": (
        {"shadow": {"allow_origin_func": async_candidate_func}, "on_shadow_difference": failing_listener},
        {**get(OTHER), "headers": HeaderList(request_headers(OTHER))},
    ),
}


@pytest.mark.usefixtures("failing_shadow_log")
@pytest.mark.parametrize("case", list(SHADOW_LOG_CASES))
def test_a_failing_shadow_log_fails_no_request(case: str) -> None:
    options, scope = SHADOW_LOG_CASES[case]
    options = {
        "allow_origins": [LIVE],
        "allow_methods": ["GET", "PUT"],
        "shadow": {"allow_origins": [CANDIDATE]},
        **options,
    }
    alone_options = {
        name: value for name, value in options.items() if name not in ("shadow", "on_shadow_difference")
    }
    assert served(CORSMiddleware(ok_app(), **options), dict(scope)) == served(
        CORSMiddleware(ok_app(), **alone_options), dict(scope)
    )


@pytest.mark.parametrize("raised", [asyncio.CancelledError, GeneratorExit])
def test_only_an_interrupt_or_an_exit_of_the_candidates_function_reaches_the_request(
    raised: type[BaseException],
) -> None:
    def candidate_func(origin: str) -> bool:
        raise raised

    events: list[ShadowDifference] = []
    middleware = CORSMiddleware(
        ok_app(),
        allow_origins=[LIVE],
        shadow={"allow_origin_func": candidate_func},
        on_shadow_difference=events.append,
    )
    alone = CORSMiddleware(ok_app(), allow_origins=[LIVE])
    assert served(middleware, get(OTHER)) == served(alone, get(OTHER))
    # What it raised is the candidate's answer: served alone, it would fail the request.
    assert [(event.live.allowed, event.shadow.allowed, event.shadow.error) for event in events] == [
        (False, False, f"{raised.__name__}: ")
    ]


@pytest.mark.parametrize("raised", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_or_an_exit_of_the_candidates_function_reaches_the_request(
    raised: type[BaseException],
) -> None:
    def candidate_func(origin: str) -> bool:
        raise raised

    middleware = CORSMiddleware(ok_app(), allow_origins=[LIVE], shadow={"allow_origin_func": candidate_func})
    with pytest.raises(raised):
        run(middleware, get(OTHER))


def test_a_shadow_adds_no_reference_cycle_to_a_request() -> None:
    class Scope_(dict[str, Any]):
        """A scope that takes a weak reference."""

    scopes: list[weakref.ref[Scope_]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(weakref.ref(scope))  # type: ignore[arg-type]
        scope["extensions"] = {"send": send}  # an app keeping its send where its scope is
        await send({"type": "http.response.start", "status": 200, "headers": []})

    gc.collect()
    for shadow in (None, {"allow_origins": [CANDIDATE]}):
        middleware = CORSMiddleware(app, allow_origins=[LIVE], shadow=shadow)
        gc.disable()
        try:
            run(middleware, Scope_(get(LIVE)))
            assert scopes.pop()() is None, f"shadow={shadow}"
        finally:
            gc.enable()

"""``shadow``: a candidate configuration evaluated on every request with an ``Origin`` without
changing any response; where it would answer otherwise, ``on_shadow_difference``, the
``fastcors.shadow`` logger and the ``shadow_differences`` counter hear of it. On both cores.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import gc
import logging
import pickle
import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from fastcors import CORSConfigError, CORSConfigWarning, CORSMiddleware, ShadowDifference
from fastcors._types import Message, Scope
from tests.asgi import ok_app, run

LIVE = "https://live.example"
CANDIDATE = "https://candidate.example"
OTHER = "https://other.example"


def get(origin: str | None, path: str = "/") -> Scope:
    headers = [] if origin is None else [(b"origin", origin.encode())]
    return {"type": "http", "method": "GET", "path": path, "headers": headers}


def preflight(origin: str, method: str = "PUT", path: str = "/") -> Scope:
    headers = [(b"origin", origin.encode()), (b"access-control-request-method", method.encode())]
    return {"type": "http", "method": "OPTIONS", "path": path, "headers": headers}


def shadowed(events: list[ShadowDifference] | None = None, **options: Any) -> CORSMiddleware:
    options.setdefault("allow_origins", [LIVE])
    options.setdefault("allow_methods", ["GET", "PUT"])
    options.setdefault("shadow", {"allow_origins": [CANDIDATE]})
    return CORSMiddleware(ok_app(), on_shadow_difference=None if events is None else events.append, **options)


def test_a_request_the_shadow_would_refuse_is_reported_with_both_answers() -> None:
    events: list[ShadowDifference] = []
    run(shadowed(events), get(LIVE, "/items"))
    [event] = events
    assert (event.origin, event.method, event.path, event.route, event.preflight) == (
        LIVE,
        "GET",
        "/items",
        None,
        False,
    )
    assert event.live.allowed
    assert not event.shadow.allowed
    assert event.live.headers == (("access-control-allow-origin", LIVE), ("vary", "Origin"))
    assert event.shadow.headers == (("vary", "Origin"),)


def test_a_preflight_the_shadow_would_allow_is_reported_with_its_headers() -> None:
    events: list[ShadowDifference] = []
    run(shadowed(events), preflight(CANDIDATE))
    [event] = events
    assert event.preflight
    assert not event.live.allowed
    assert event.shadow.allowed
    assert ("access-control-allow-origin", CANDIDATE) in event.shadow.headers
    assert all(name != "access-control-allow-origin" for name, _ in event.live.headers)
    assert all(name not in ("content-length", "content-type") for name, _ in event.shadow.headers)


def test_the_response_is_the_live_configurations_alone() -> None:
    for scope in (get(LIVE), get(CANDIDATE), get(OTHER), preflight(LIVE), preflight(CANDIDATE), get(None)):
        alone = CORSMiddleware(ok_app(), allow_origins=[LIVE], allow_methods=["GET", "PUT"])
        assert run(shadowed([]), dict(scope)) == run(alone, dict(scope))


def test_requests_both_configurations_answer_alike_are_not_reported() -> None:
    events: list[ShadowDifference] = []
    middleware = shadowed(events, shadow={"max_age": 600})
    for scope in (get(LIVE), get(OTHER), preflight(LIVE), preflight(OTHER)):
        run(middleware, scope)
    assert events == []
    assert middleware.stats()["shadow_differences"] == 0


def test_a_different_header_alone_is_a_difference() -> None:
    events: list[ShadowDifference] = []
    run(shadowed(events, shadow={"expose_headers": ["X-Total"]}), get(LIVE))
    [event] = events
    assert event.live.allowed
    assert event.shadow.allowed
    assert ("access-control-expose-headers", "X-Total") in event.shadow.headers


def test_a_request_without_an_origin_is_not_compared() -> None:
    asked: list[str] = []

    def candidate_func(origin: str) -> bool:
        asked.append(origin)
        return True

    middleware = shadowed(shadow={"allow_origin_func": candidate_func})
    run(middleware, get(None))
    run(middleware, get(OTHER))
    assert asked == [OTHER]


def test_websocket_and_lifespan_scopes_are_not_compared() -> None:
    asked: list[str] = []

    def candidate_func(origin: str) -> bool:
        asked.append(origin)
        return True

    middleware = shadowed(shadow={"allow_origin_func": candidate_func})
    handshake = {"type": "websocket", "path": "/", "headers": [(b"origin", OTHER.encode())]}

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        return None

    asyncio.run(middleware(handshake, receive, send))  # type: ignore[arg-type]
    asyncio.run(middleware({"type": "lifespan"}, receive, send))  # type: ignore[arg-type]
    assert asked == []


def test_differences_are_counted_at_the_top_level() -> None:
    middleware = shadowed()
    for scope in (get(LIVE), get(CANDIDATE), get(OTHER), preflight(CANDIDATE)):
        run(middleware, scope)
    assert middleware.stats()["shadow_differences"] == 3
    assert middleware.stats()["requests"] == 4


def test_a_difference_is_logged_at_debug_on_the_shadow_logger(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="fastcors.shadow"):
        run(shadowed(), get(CANDIDATE, "/orders"))
    [record] = [record for record in caplog.records if record.name == "fastcors.shadow"]
    assert record.levelno == logging.DEBUG
    assert "/orders" in record.getMessage()
    assert CANDIDATE in record.getMessage()
    assert "live refused" in record.getMessage()
    assert "shadow allowed" in record.getMessage()


def test_the_event_is_frozen() -> None:
    events: list[ShadowDifference] = []
    run(shadowed(events), get(LIVE))
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[0].origin = OTHER  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[0].live.allowed = False  # type: ignore[misc]


def test_the_event_names_the_live_route() -> None:
    events: list[ShadowDifference] = []
    routes = {"/api": {"allow_origins": [LIVE]}, "/hooks": None}
    middleware = shadowed(events, routes=routes, shadow={"routes": None, "allow_origins": [CANDIDATE]})
    run(middleware, get(CANDIDATE, "/hooks/github"))
    run(middleware, get(LIVE, "/api/items"))
    assert [(event.route, event.path, event.live.allowed, event.shadow.allowed) for event in events] == [
        ("/hooks", "/hooks/github", False, True),
        ("/api", "/api/items", True, False),
    ]


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "compared first"])
def test_an_app_under_a_route_of_none_gets_its_scope_untouched(inline: bool) -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append(scope["headers"])

    async def candidate_func(origin: str) -> bool:
        return True

    shadow: dict[str, Any] = {"routes": None, "allow_origins": [CANDIDATE]}
    if not inline:
        shadow["allow_origin_func"] = candidate_func
    middleware = shadowed([], routes={"/hooks": None}, shadow=shadow)
    middleware.app = app
    headers = ((b"origin", CANDIDATE.encode()),)
    run(middleware, {**get(None, "/hooks/github"), "headers": headers})
    assert seen == [headers]
    assert seen[0] is headers


def test_a_route_the_shadow_leaves_alone_keeps_its_own_overrides() -> None:
    events: list[ShadowDifference] = []
    middleware = shadowed(events, routes={"/api": {"allow_origins": [LIVE]}})
    run(middleware, get(LIVE, "/api/items"))
    run(middleware, get(LIVE, "/elsewhere"))
    assert [event.path for event in events] == ["/elsewhere"]


def test_the_shadows_async_origin_func_is_asked_and_only_reported() -> None:
    events: list[ShadowDifference] = []

    async def candidate_func(origin: str) -> bool:
        await asyncio.sleep(0)
        return origin == OTHER

    middleware = shadowed(events, shadow={"allow_origin_func": candidate_func})
    messages = run(middleware, get(OTHER))
    assert all(name != b"access-control-allow-origin" for name, _ in messages[0]["headers"])
    [event] = events
    assert not event.live.allowed
    assert event.shadow.allowed


def test_a_failing_shadow_origin_func_changes_no_response_and_is_reported_as_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(origin: str) -> bool:
        raise RuntimeError("the candidate's store is down")

    events: list[ShadowDifference] = []
    middleware = shadowed(events, shadow={"allow_origin_func": broken})
    alone = CORSMiddleware(ok_app(), allow_origins=[LIVE], allow_methods=["GET", "PUT"])
    with caplog.at_level(logging.DEBUG, logger="fastcors.shadow"):
        assert run(middleware, get(OTHER)) == run(alone, get(OTHER))
        assert run(middleware, preflight(OTHER)) == run(alone, preflight(OTHER))
    # Served alone, the candidate would fail these requests: never a silent "no difference".
    assert [(event.preflight, event.shadow.allowed, event.shadow.error) for event in events] == [
        (False, False, "RuntimeError: the candidate's store is down"),
        (True, False, "RuntimeError: the candidate's store is down"),
    ]
    assert middleware.stats()["shadow_differences"] == 2
    assert any("shadow failed (RuntimeError" in record.getMessage() for record in caplog.records)


def test_a_shadow_origin_func_answering_no_bool_is_reported_as_a_failure() -> None:
    async def answers_yes(origin: str) -> Any:
        await asyncio.sleep(0)
        return "yes"

    events: list[ShadowDifference] = []
    middleware = shadowed(events, shadow={"allow_origin_func": answers_yes})
    alone = CORSMiddleware(ok_app(), allow_origins=[LIVE], allow_methods=["GET", "PUT"])
    assert run(middleware, get(OTHER)) == run(alone, get(OTHER))
    [event] = events
    assert event.shadow.error is not None
    assert event.shadow.error.startswith("TypeError")
    assert (event.live.error, event.shadow.allowed) == (None, False)


def test_a_failing_listener_changes_no_response(caplog: pytest.LogCaptureFixture) -> None:
    def listener(event: ShadowDifference) -> None:
        raise RuntimeError("the listener is broken")

    middleware = CORSMiddleware(
        ok_app(), allow_origins=[LIVE], shadow={"allow_origins": [CANDIDATE]}, on_shadow_difference=listener
    )
    alone = CORSMiddleware(ok_app(), allow_origins=[LIVE])
    with caplog.at_level(logging.ERROR, logger="fastcors.shadow"):
        assert run(middleware, get(LIVE)) == run(alone, get(LIVE))
    assert [record.levelno for record in caplog.records if record.name == "fastcors.shadow"] == [
        logging.ERROR
    ]
    assert middleware.stats()["shadow_differences"] == 1


def test_reconfigure_with_shadow_none_ends_the_shadow() -> None:
    events: list[ShadowDifference] = []
    middleware = shadowed(events)
    middleware.reconfigure(shadow=None)
    run(middleware, get(CANDIDATE))
    assert events == []
    middleware.reconfigure(shadow={"allow_origins": [OTHER]})
    run(middleware, get(OTHER))
    assert [event.origin for event in events] == [OTHER]


def test_reconfiguring_the_live_options_keeps_the_shadow_over_them() -> None:
    events: list[ShadowDifference] = []
    middleware = shadowed(events, shadow={"expose_headers": ["X-Total"]})
    middleware.reconfigure(allow_origins=[OTHER])
    run(middleware, get(OTHER))
    [event] = events
    assert event.live.allowed
    assert event.shadow.allowed


def test_promote_shadow_makes_the_candidate_live_and_ends_the_shadow() -> None:
    events: list[ShadowDifference] = []
    middleware = shadowed(events)
    run(middleware, get(LIVE))
    middleware.promote_shadow()
    messages = run(middleware, get(CANDIDATE))
    assert (b"access-control-allow-origin", CANDIDATE.encode()) in messages[0]["headers"]
    assert len(events) == 1
    assert middleware.stats()["shadow_differences"] == 1  # counters are kept
    assert middleware.allow_origins == [CANDIDATE]


def test_promote_shadow_without_a_shadow_is_refused() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[LIVE])
    with pytest.raises(ValueError, match=r"promote_shadow\(\): no shadow configuration is set"):
        middleware.promote_shadow()


async def module_app(scope: Scope, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_copies_and_pickles_keep_the_shadow() -> None:
    middleware = CORSMiddleware(module_app, allow_origins=[LIVE], shadow={"allow_origins": [CANDIDATE]})
    for twin in (copy.copy(middleware), copy.deepcopy(middleware), pickle.loads(pickle.dumps(middleware))):
        run(twin, get(CANDIDATE))
        assert twin.stats()["shadow_differences"] == 1


@pytest.mark.parametrize(
    ("shadow", "error", "message"),
    [
        (["https://a.example"], TypeError, r"shadow must be a dict of options.*'https://a.example'"),
        ({"allow_origin": ["*"]}, TypeError, r"shadow: unknown option 'allow_origin'"),
        ({"app": None}, TypeError, r"shadow: 'app' cannot be set in the shadow"),
        ({"shadow": {}}, TypeError, r"shadow: 'shadow' cannot be set in the shadow: shadows do not nest"),
        ({"on_reject": print}, TypeError, r"shadow: 'on_reject' cannot be set in the shadow"),
        ({"strict": "yes"}, TypeError, r"^shadow: strict must be True or False, not 'yes'"),
        ({"routes": {"admin": None}}, ValueError, r'^shadow: routes\["admin"\]: the path prefix must start'),
    ],
)
def test_a_wrong_shadow_is_refused_at_construction(shadow: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        CORSMiddleware(ok_app(), allow_origins=[LIVE], shadow=shadow)


def test_the_shadows_configuration_problems_name_the_shadow() -> None:
    with pytest.warns(CORSConfigWarning, match=r"^shadow: "):
        CORSMiddleware(ok_app(), allow_origins=[LIVE], shadow={"allow_origins": ["https://a.example/"]})
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(
            ok_app(), allow_origins=[LIVE], strict=True, shadow={"allow_origins": ["https://a.example/"]}
        )
    assert raised.value.problems
    assert all(problem.startswith("shadow: ") for problem in raised.value.problems)


def test_an_async_or_uncallable_listener_is_refused() -> None:
    async def listener(event: ShadowDifference) -> None:
        return None

    with pytest.raises(TypeError, match="on_shadow_difference must be a plain function"):
        CORSMiddleware(ok_app(), shadow={"allow_origins": [CANDIDATE]}, on_shadow_difference=listener)
    with pytest.raises(TypeError, match=r"on_shadow_difference must be a callable.*'log'"):
        CORSMiddleware(ok_app(), shadow={}, on_shadow_difference="log")  # type: ignore[arg-type]


def test_reconfigure_refuses_a_wrong_shadow_and_keeps_serving() -> None:
    events: list[ShadowDifference] = []
    middleware = shadowed(events)
    with pytest.raises(TypeError, match="shadow: unknown option"):
        middleware.reconfigure(shadow={"allow_originz": []})
    run(middleware, get(CANDIDATE))
    assert len(events) == 1


class Judging(CORSMiddleware):
    def is_allowed_origin(self, origin: str) -> bool:
        return super().is_allowed_origin(origin)


def test_a_shadow_of_other_origins_beside_an_overridden_is_allowed_origin_is_refused() -> None:
    # The override, and its super(), see the live origins: the candidate's would go unasked.
    with pytest.raises(TypeError, match=r"Judging.is_allowed_origin is not Starlette's, and the shadow"):
        Judging(ok_app(), allow_origins=[LIVE], shadow={"allow_origins": [CANDIDATE]})
    middleware = CORSMiddleware(ok_app(), allow_origins=[LIVE], shadow={"allow_origins": [CANDIDATE]})
    with pytest.raises(TypeError, match="and the shadow would ask it"):
        middleware.is_allowed_origin = lambda origin: True  # type: ignore[method-assign]


def test_an_overridden_is_allowed_origin_is_asked_for_a_shadow_that_leaves_origins_alone() -> None:
    events: list[ShadowDifference] = []
    middleware = Judging(
        ok_app(),
        allow_origins=[LIVE],
        shadow={"expose_headers": ["X-Total"]},
        on_shadow_difference=events.append,
    )
    run(middleware, get(LIVE))
    run(middleware, get(OTHER))
    # Starlette sends the simple headers (Expose-Headers) whether the origin is allowed or not.
    assert [(event.origin, event.live.allowed, event.shadow.allowed) for event in events] == [
        (LIVE, True, True),
        (OTHER, False, False),
    ]


def never_awaited(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(warning.message) for warning in caught if "never awaited" in str(warning.message)]


def test_a_verdict_the_comparison_waits_for_is_closed_when_the_app_fails() -> None:
    async def candidate_func(origin: str) -> bool:
        return True

    async def failing_app(scope: Scope, receive: Any, send: Any) -> None:
        raise RuntimeError("the app failed")

    middleware = CORSMiddleware(
        failing_app, allow_origins=[LIVE], shadow={"allow_origin_func": candidate_func}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="the app failed"):
            run(middleware, get(OTHER))
        gc.collect()
    assert never_awaited(caught) == []


def test_the_comparison_is_closed_when_the_app_raises_before_returning_an_awaitable() -> None:
    async def candidate_func(origin: str) -> bool:
        return True

    def failing_app(scope: Scope, receive: Any, send: Any) -> Any:
        raise RuntimeError("the app failed")

    middleware = CORSMiddleware(
        failing_app, allow_origins=[LIVE], shadow={"allow_origin_func": candidate_func}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="the app failed"):
            middleware(get(OTHER), None, None)  # type: ignore[arg-type]
        gc.collect()
    assert never_awaited(caught) == []


def test_an_interrupt_raised_by_the_listener_goes_on_on_both_cores() -> None:
    def listener(event: ShadowDifference) -> None:
        raise KeyboardInterrupt

    middleware = CORSMiddleware(
        ok_app(), allow_origins=[LIVE], shadow={"allow_origins": [CANDIDATE]}, on_shadow_difference=listener
    )
    with pytest.raises(KeyboardInterrupt):
        run(middleware, get(LIVE))


class HeadersReadOnce(list[tuple[bytes, bytes]]):
    """Request headers whose ``__iter__`` yields them the first time only."""

    read = False

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        if self.read:
            return iter(())
        self.read = True
        return super().__iter__()


def test_headers_of_a_list_subclass_are_read_once_as_without_a_shadow() -> None:
    events: list[ShadowDifference] = []
    alone = CORSMiddleware(ok_app(), allow_origins=[LIVE], allow_methods=["GET", "PUT"])

    def scope() -> Scope:
        request = get(LIVE)
        request["headers"] = HeadersReadOnce(request["headers"])
        return request

    assert run(shadowed(events), scope()) == run(alone, scope())
    assert [event.origin for event in events] == [LIVE]


def test_what_the_class_refuses_of_the_candidate_names_the_shadow() -> None:
    def candidate_func(origin: str) -> bool:
        return True

    class Judging(CORSMiddleware):
        def is_allowed_origin(self, origin: str) -> bool:
            return origin == LIVE

    with pytest.raises(TypeError, match=r"^shadow: .*is_allowed_origin is not Starlette's"):
        Judging(ok_app(), shadow={"allow_origin_func": candidate_func})
    with pytest.raises(TypeError, match=r"^shadow: check_websocket_origin checks handshakes"):
        CORSMiddleware(ok_app(), allow_origin_func=candidate_func, shadow={"check_websocket_origin": True})


def test_an_invalid_regex_of_the_candidate_names_the_shadow() -> None:
    with pytest.raises(re.error, match=r"^shadow: allow_origin_regex '\(' is not a valid"):
        CORSMiddleware(ok_app(), shadow={"allow_origin_regex": "("})


def test_the_live_origin_func_is_asked_once_per_request_under_a_shadow() -> None:
    asked: list[str] = []

    def live_func(origin: str) -> bool:
        asked.append(origin)
        return origin == OTHER

    events: list[ShadowDifference] = []
    middleware = shadowed(events, allow_origin_func=live_func)
    run(middleware, get(OTHER))
    run(middleware, preflight(OTHER))
    # The live answer is decided once, as it is served; the candidate inherits the function.
    assert asked == [OTHER, OTHER, OTHER, OTHER]
    assert middleware.stats()["origin_func_calls"] == 2
    assert events == []


def test_a_request_whose_app_fails_before_responding_is_not_compared() -> None:
    async def failing_app(scope: Scope, receive: Any, send: Any) -> None:
        raise RuntimeError("the app failed")

    events: list[ShadowDifference] = []
    middleware = CORSMiddleware(
        failing_app,
        allow_origins=[LIVE],
        shadow={"allow_origins": [CANDIDATE]},
        on_shadow_difference=events.append,
    )
    with pytest.raises(RuntimeError, match="the app failed"):
        run(middleware, get(LIVE))
    # Nothing was answered: the comparison is made when the response starts.
    assert events == []
    assert middleware.stats()["shadow_differences"] == 0


def awaitable_verdict(allowed: bool) -> Any:
    """What a plain function returning an awaitable gives: the middleware awaits it."""

    async def verdict() -> bool:
        return allowed

    return verdict()


def test_a_candidates_plain_function_returning_an_awaitable_is_logged_not_compared(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[ShadowDifference] = []
    middleware = shadowed(events, shadow={"allow_origin_func": lambda origin: awaitable_verdict(True)})
    alone = CORSMiddleware(ok_app(), allow_origins=[LIVE], allow_methods=["GET", "PUT"])
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG, "fastcors.shadow"):
        warnings.simplefilter("always")
        assert run(middleware, get(OTHER)) == run(alone, get(OTHER))
        assert run(middleware, preflight(OTHER)) == run(alone, preflight(OTHER))
        gc.collect()
    assert events == []
    assert never_awaited(caught) == []
    not_compared = [
        record for record in caplog.records if "declare the function with async def" in str(record.exc_info)
    ]
    assert len(not_compared) == 2


def test_a_live_plain_function_returning_an_awaitable_is_served_and_logged_not_compared(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def live_func(origin: str) -> Any:
        return awaitable_verdict(origin == OTHER)

    events: list[ShadowDifference] = []
    middleware = shadowed(events, allow_origin_func=live_func, shadow={"allow_origins": [OTHER]})
    alone = CORSMiddleware(
        ok_app(), allow_origins=[LIVE], allow_methods=["GET", "PUT"], allow_origin_func=live_func
    )
    with caplog.at_level(logging.DEBUG, "fastcors.shadow"):
        assert run(middleware, get(OTHER)) == run(alone, get(OTHER))
        assert run(middleware, preflight(OTHER)) == run(alone, preflight(OTHER))
    assert events == []
    not_compared = [
        record for record in caplog.records if "declare the function with async def" in str(record.exc_info)
    ]
    assert len(not_compared) == 2

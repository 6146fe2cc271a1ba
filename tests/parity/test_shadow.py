"""``shadow`` on the differential's generated traffic: every response is byte for byte the one
without a shadow, and a difference is reported exactly when the candidate configuration, serving
alone, would have answered the request otherwise (allowed or refused, or other CORS headers), on
both cores."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcors import CORSMiddleware, ShadowDifference
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import run
from tests.parity.test_differential import SECONDARY, Request, config_strategy, request_strategy

pytestmark = pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning")

APP_HEADERS = [(b"x-app", b"1")]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": list(APP_HEADERS)})
    await send({"type": "http.response.body", "body": b""})


def served(middleware: Any, request: Request) -> list[Message] | type[BaseException]:
    try:
        return run(middleware, request.scope())
    except Exception as error:  # the same failure, with or without a shadow
        return type(error)


def answer(messages: list[Message]) -> tuple[bool, list[Any]]:
    """What a configuration answered, as the shadow compares it: whether the browser may read the
    response, and the CORS headers (a preflight's, without its body's; or those added to the
    app's)."""
    start = messages[0]
    headers = [tuple(pair) for pair in start["headers"]]
    if start["status"] != 204:  # a preflight, answered by the middleware
        return (start["status"] == 200, headers[:-2])
    added = headers[len(APP_HEADERS) :]
    return (any(name == b"access-control-allow-origin" for name, _ in added), added)


def has_origin(request: Request) -> bool:
    return not request.type_name != "http" and any(  # noqa: SIM202  # as Starlette asks it
        name == b"origin" for name, _ in request.headers
    )


def assert_shadow_changes_nothing_and_reports_differences(
    live: dict[str, Any], candidate: dict[str, Any], request: Request
) -> None:
    """``request`` served under ``live`` with ``candidate`` as its shadow gets the response
    ``live`` alone gives, and a difference is reported (event, counter) exactly when the
    candidate's options, serving alone, would have answered otherwise."""
    events: list[ShadowDifference] = []
    shadowed = CORSMiddleware(app, **live, shadow=candidate, on_shadow_difference=events.append)
    alone = served(CORSMiddleware(app, **live), request)
    assert served(shadowed, request) == alone
    if not isinstance(alone, list) or not has_origin(request):
        assert events == []
        return
    candidate_alone = served(CORSMiddleware(app, **{**live, **candidate}), request)
    assert isinstance(candidate_alone, list)
    differs = answer(alone) != answer(candidate_alone)
    assert len(events) == int(differs)
    assert shadowed.stats()["shadow_differences"] == int(differs)
    if differs:
        [event] = events
        assert (event.live.allowed, event.shadow.allowed) == (answer(alone)[0], answer(candidate_alone)[0])


@SECONDARY
@given(data=st.data())
def test_a_shadow_changes_no_response_and_reports_exactly_the_differences(data: st.DataObject) -> None:
    live = data.draw(config_strategy)
    candidate = data.draw(config_strategy)
    request = data.draw(request_strategy(data.draw(st.sampled_from([live, {**live, **candidate}]))))
    assert_shadow_changes_nothing_and_reports_differences(live, candidate, request)


PREFIXES = ["/", "/api", "/api/v1", "/hooks"]
PATHS = ["/api/v1/items", "/api", "/apix", "/hooks/github", "/other", "/"]


@st.composite
def routes_strategy(draw: st.DrawFn) -> dict[str, dict[str, Any] | None]:
    """A few routes: each a configuration's options, the top level's as they are, or CORS off."""
    prefixes = draw(st.lists(st.sampled_from(PREFIXES), unique=True, max_size=3))
    return {prefix: draw(st.one_of(st.none(), st.just({}), config_strategy.map(dict))) for prefix in prefixes}


@SECONDARY
@given(data=st.data())
def test_a_shadow_over_routes_changes_no_response_and_reports_exactly_the_differences(
    data: st.DataObject,
) -> None:
    live = {**data.draw(config_strategy), "routes": data.draw(routes_strategy())}
    candidate = data.draw(config_strategy)
    if data.draw(st.booleans()):
        candidate["routes"] = data.draw(st.one_of(st.none(), routes_strategy()))
    request = data.draw(request_strategy(data.draw(st.sampled_from([live, {**live, **candidate}]))))
    request = dataclasses.replace(request, path=data.draw(st.sampled_from(PATHS)))
    assert_shadow_changes_nothing_and_reports_differences(live, candidate, request)

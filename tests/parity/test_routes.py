"""``routes`` against standalone middlewares: with routes, every request gets exactly the answer of
a middleware built with its route's options alone (the top-level ones with the route's
overrides), or the app's own answer where the route is ``None``, on both cores: a standalone
``fastcors.CORSMiddleware``, and Starlette's own ``CORSMiddleware`` with everything the
differential records (``tests/parity/test_differential.py``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from fastcors._pure.routes import Routes
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import run
from tests.parity.test_differential import (
    SECONDARY,
    AppPlan,
    Request,
    app_plan_strategy,
    config_strategy,
    request_strategy,
)
from tests.parity.test_differential import run as recorded

pytestmark = pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning")

SEGMENTS = ["api", "admin", "a", "ap", "public", "x"]
segment_lists = st.lists(st.sampled_from(SEGMENTS), max_size=3)
prefixes = st.one_of(st.just("/"), segment_lists.filter(bool).map(lambda segments: "/" + "/".join(segments)))
paths = st.one_of(
    segment_lists.map(lambda segments: "/" + "/".join(segments)),
    segment_lists.map(lambda segments: "/" + "/".join(segments) + "/"),
    st.sampled_from(["", "api", "//api", "/api//admin", "/apix/admin"]),
)
routes_strategy = st.dictionaries(prefixes, st.one_of(st.none(), config_strategy), max_size=4)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": [(b"x-app", b"1")]})
    await send({"type": "http.response.body", "body": b""})


def route_of(routes: dict[str, Any], path: str) -> str | None:
    """The longest prefix matching ``path`` on whole segments, spelled out naively."""
    matching = [
        prefix for prefix in routes if prefix == "/" or path == prefix or path.startswith(prefix + "/")
    ]
    return max(matching, key=len, default=None)


def served(middleware: Any, scope: Scope) -> list[Message]:
    return run(middleware, scope)


@SECONDARY
@given(data=st.data())
def test_a_routed_request_gets_the_answer_of_its_routes_options_alone(data: st.DataObject) -> None:
    top = data.draw(config_strategy)
    routes = data.draw(routes_strategy)
    path = data.draw(paths)
    prefix = route_of(routes, path)
    overrides = routes[prefix] if prefix is not None else {}
    options = top if overrides is None else {**top, **overrides}
    request: Request = data.draw(request_strategy(options))
    scope = request.scope()
    scope["path"] = path
    routed = CORSMiddleware(app, **top, routes=routes)
    alone = app if overrides is None else CORSMiddleware(app, **options)
    expected_scope = request.scope()
    expected_scope["path"] = path
    assert served(routed, scope) == served(alone, expected_scope)


#: Segments of any text a prefix may hold ('/' separates them; '?', '#' and '%' are refused in a
#: prefix), lone surrogates included, beside a few fixed ones that paths share often.
any_segment = st.text(st.characters(exclude_characters="/?#%", codec=None), min_size=1, max_size=4)
segment_pools = st.lists(
    st.one_of(st.sampled_from(SEGMENTS), any_segment), min_size=1, max_size=5, unique=True
)


@st.composite
def routed_case(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Top-level options, a routes table and a path, drawn from one pool of segments so that paths
    often fall under a route, or next to one."""
    pool = draw(segment_pools)
    segments = st.lists(st.sampled_from(pool), max_size=3)
    prefix = st.one_of(st.just("/"), segments.filter(bool).map(lambda parts: "/" + "/".join(parts)))
    routes = draw(st.dictionaries(prefix, st.one_of(st.none(), config_strategy), max_size=4))
    path = draw(
        st.one_of(
            segments.map(lambda parts: "/" + "/".join(parts)),
            segments.map(lambda parts: "/" + "/".join(parts) + "/"),
            segments.map(lambda parts: "/" + "/".join(parts) + "/more"),
            segments.map(lambda parts: "//".join(["", *parts])),
            segments.map("/".join),
            st.just(""),
        )
    )
    return draw(config_strategy), routes, path


def bare_app(app: Any, **options: Any) -> Any:
    """The "middleware" of a route whose options are ``None``: the app alone."""
    return app


@SECONDARY
@given(case=routed_case(), data=st.data(), plan=app_plan_strategy())
def test_a_routed_request_gets_starlettes_answer_with_its_routes_options(
    case: tuple[dict[str, Any], dict[str, Any], str], data: st.DataObject, plan: AppPlan
) -> None:
    top, routes, path = case
    prefix = route_of(routes, path)
    overrides = routes[prefix] if prefix is not None else {}
    options = top if overrides is None else {**top, **overrides}
    request = replace(data.draw(request_strategy(options)), path=path)
    if overrides is None:
        expected = recorded(bare_app, {}, request, plan)
    else:
        expected = recorded(StarletteCORSMiddleware, options, request, plan)
    assert recorded(CORSMiddleware, {**top, "routes": routes}, request, plan) == expected


@SECONDARY
@given(case=routed_case())
def test_the_pure_route_table_finds_the_longest_matching_prefix(
    case: tuple[dict[str, Any], dict[str, Any], str],
) -> None:
    _, routes, path = case
    table = Routes((prefix, prefix) for prefix in routes)
    assert table.find(path) == route_of(routes, path)

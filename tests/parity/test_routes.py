"""``routes`` against standalone middlewares: with routes, every request gets exactly the answer of
a ``CORSMiddleware`` built with its route's options alone (the top-level ones with the route's
overrides), or the app's own answer where the route is ``None``, on both cores."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcors import CORSMiddleware
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import run
from tests.parity.test_differential import SECONDARY, Request, config_strategy, request_strategy

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

"""``routes``: options per path prefix, on both cores.

A prefix matches ``scope["path"]`` on whole segments, the longest one wins, a path under no prefix
gets the top-level options; a route's options are its overrides over the top-level ones, or
``None``, which turns CORS off under it. Each route's options are checked as the top level's are,
and what is wrong names the route.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from fastcors import CORSConfigError, CORSConfigWarning, CORSMiddleware, RejectEvent
from fastcors._types import Message, Scope
from tests.asgi import ok_app, run

PUBLIC = "https://anyone.example"
ADMIN = "https://admin.example.com"
SITE = "https://www.example.com"


class ReadOnlyScope(Mapping[str, Any]):
    """A scope that is a mapping but not a ``dict``."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def __getitem__(self, key: str) -> Any:
        return self._scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._scope)

    def __len__(self) -> int:
        return len(self._scope)


def routed(**options: Any) -> CORSMiddleware:
    options.setdefault(
        "routes",
        {
            "/public": {"allow_origins": ["*"]},
            "/admin": {"allow_origins": [ADMIN], "allow_credentials": True},
            "/webhooks": None,
        },
    )
    return CORSMiddleware(ok_app(), allow_origins=[SITE], **options)


def get(path: str, origin: str) -> Scope:
    return {"type": "http", "method": "GET", "path": path, "headers": [(b"origin", origin.encode())]}


def preflight(path: str, origin: str, method: str = "GET") -> Scope:
    headers = [(b"origin", origin.encode()), (b"access-control-request-method", method.encode())]
    return {"type": "http", "method": "OPTIONS", "path": path, "headers": headers}


def allow_origin(messages: list[Message]) -> bytes | None:
    headers = dict(messages[0].get("headers", []))
    return headers.get(b"access-control-allow-origin")


def test_a_path_under_a_route_gets_that_routes_options() -> None:
    assert allow_origin(run(routed(), get("/public/feed", PUBLIC))) == b"*"


def test_a_route_matches_its_prefix_itself() -> None:
    assert allow_origin(run(routed(), get("/public", PUBLIC))) == b"*"


def test_a_route_matches_whole_segments_only() -> None:
    assert allow_origin(run(routed(), get("/publication", PUBLIC))) is None
    assert allow_origin(run(routed(), get("/publication", SITE))) == SITE.encode()


def test_a_path_under_no_route_gets_the_top_level_options() -> None:
    middleware = routed()
    assert allow_origin(run(middleware, get("/other", SITE))) == SITE.encode()
    assert allow_origin(run(middleware, get("/other", ADMIN))) is None


def test_a_route_overrides_only_the_options_it_names() -> None:
    middleware = routed(allow_methods=["GET", "PUT"])
    messages = run(middleware, preflight("/admin/users", ADMIN, "PUT"))
    assert messages[0]["status"] == 200
    assert (b"access-control-allow-credentials", b"true") in messages[0]["headers"]


def test_the_longest_matching_route_wins() -> None:
    routes = {"/api": {"allow_origins": [PUBLIC]}, "/api/admin": {"allow_origins": [ADMIN]}}
    middleware = routed(routes=routes)
    assert allow_origin(run(middleware, get("/api/admin/x", ADMIN))) == ADMIN.encode()
    assert allow_origin(run(middleware, get("/api/admin/x", PUBLIC))) is None
    assert allow_origin(run(middleware, get("/api/adminx", PUBLIC))) == PUBLIC.encode()


def test_the_root_route_serves_every_path_under_no_longer_route() -> None:
    middleware = routed(routes={"/": {"allow_origins": [PUBLIC]}, "/admin": {"allow_origins": [ADMIN]}})
    assert allow_origin(run(middleware, get("/anything", PUBLIC))) == PUBLIC.encode()
    assert allow_origin(run(middleware, get("/admin", PUBLIC))) is None


def test_a_route_of_none_adds_no_cors_headers() -> None:
    messages = run(routed(), get("/webhooks/github", SITE))
    assert messages[0] == {"type": "http.response.start", "status": 200}


def test_a_route_of_none_passes_preflights_to_the_app() -> None:
    messages = run(routed(), preflight("/webhooks", SITE))
    assert messages == [
        {"type": "http.response.start", "status": 200},
        {"type": "http.response.body", "body": b"app"},
    ]


def test_a_scope_without_a_path_gets_the_top_level_options() -> None:
    scope = get("/", SITE)
    del scope["path"]
    assert allow_origin(run(routed(), scope)) == SITE.encode()


def test_a_scope_without_a_path_gets_the_root_routes_options() -> None:
    scope = get("/", PUBLIC)
    del scope["path"]
    middleware = routed(routes={"/": {"allow_origins": [PUBLIC]}})
    assert allow_origin(run(middleware, scope)) == PUBLIC.encode()


def test_a_scope_that_is_a_mapping_but_not_a_dict_is_routed_by_its_path() -> None:
    scope = ReadOnlyScope(get("/public/feed", PUBLIC))
    assert allow_origin(run(routed(), scope)) == b"*"  # type: ignore[arg-type]


def test_a_mapping_scope_without_a_path_gets_the_top_level_options() -> None:
    scope = get("/public", SITE)
    del scope["path"]
    assert allow_origin(run(routed(), ReadOnlyScope(scope))) == SITE.encode()  # type: ignore[arg-type]


def test_a_path_that_is_not_a_str_matches_only_the_root_route() -> None:
    middleware = routed(routes={"/": {"allow_origins": [PUBLIC]}, "/admin": {"allow_origins": [ADMIN]}})
    scope = {**get("/", PUBLIC), "path": b"/admin"}
    assert allow_origin(run(middleware, scope)) == PUBLIC.encode()


def test_a_path_without_a_leading_slash_matches_only_the_root_route() -> None:
    middleware = routed(routes={"/": {"allow_origins": [PUBLIC]}, "/admin": {"allow_origins": [ADMIN]}})
    assert allow_origin(run(middleware, get("admin", PUBLIC))) == PUBLIC.encode()
    assert allow_origin(run(routed(), get("public", PUBLIC))) is None


def test_a_path_longer_than_every_prefix_is_routed_by_its_first_segments() -> None:
    routes = {"/a/b": {"allow_origins": [PUBLIC]}, "/a": {"allow_origins": [ADMIN]}}
    middleware = routed(routes=routes)
    assert allow_origin(run(middleware, get("/a/b/c/d/e", PUBLIC))) == PUBLIC.encode()
    assert allow_origin(run(middleware, get("/a/bc/d", ADMIN))) == ADMIN.encode()


def test_a_path_with_lone_surrogates_is_matched_on_its_segments() -> None:
    assert allow_origin(run(routed(), get("/public/caf\udce9", PUBLIC))) == b"*"


def test_each_route_counts_its_own_requests() -> None:
    middleware = routed()
    run(middleware, get("/admin", ADMIN))
    run(middleware, get("/admin/x", PUBLIC))
    run(middleware, get("/other", SITE))
    admin = middleware.stats(route="/admin")
    assert (admin["requests"], admin["simple_allowed"], admin["simple_refused"]) == (2, 1, 1)
    assert middleware.stats()["requests"] == 1


def test_a_route_of_none_counts_its_http_requests_and_nothing_else() -> None:
    middleware = routed()
    run(middleware, get("/webhooks", PUBLIC))
    run(middleware, preflight("/webhooks/github", SITE))
    run(middleware, {"type": "http", "method": "POST", "path": "/webhooks", "headers": []})
    run(middleware, {"type": "websocket", "path": "/webhooks", "headers": []})
    stats = middleware.stats(route="/webhooks")
    assert {key: value for key, value in stats.items() if value} == {"requests": 3}
    assert set(stats) == set(middleware.stats())
    assert middleware.stats()["requests"] == 0


class _RaisingType(str):
    """A scope ``type`` that cannot be compared."""

    __slots__ = ()

    def __ne__(self, other: object) -> bool:
        raise ValueError("no comparing")

    __hash__ = str.__hash__


def paths_served_of_unreadable_types(middleware: CORSMiddleware) -> list[str]:
    """The paths the app of ``middleware`` was served, for two requests under ``/webhooks``
    whose scope ``type`` cannot be read: one that cannot be compared, and one missing."""
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])

    middleware.app = app
    run(middleware, {"type": _RaisingType("http"), "method": "GET", "path": "/webhooks", "headers": []})
    run(middleware, ReadOnlyScope({"method": "GET", "path": "/webhooks", "headers": []}))  # type: ignore[arg-type]
    return seen


@pytest.mark.parametrize("inline", [True, False], ids=["inline shadow", "shadow compared first"])
def test_under_a_shadow_a_scope_whose_type_cannot_be_read_is_served_under_a_route_of_none(
    inline: bool,
) -> None:
    async def candidate_func(origin: str) -> bool:
        return True

    shadow: dict[str, Any] = {"allow_origins": [PUBLIC]}
    if not inline:
        shadow["allow_origin_func"] = candidate_func
    assert paths_served_of_unreadable_types(routed(shadow=shadow)) == ["/webhooks", "/webhooks"]


def test_a_prefix_counts_on_whether_cors_is_on_or_off_there() -> None:
    middleware = routed()
    run(middleware, get("/webhooks", PUBLIC))
    middleware.reconfigure(routes={"/webhooks": {"allow_origins": [PUBLIC]}})
    run(middleware, get("/webhooks", PUBLIC))
    middleware.reconfigure(routes={"/webhooks": None})
    run(middleware, get("/webhooks", PUBLIC))
    stats = middleware.stats(route="/webhooks")
    assert (stats["requests"], stats["simple_allowed"]) == (3, 1)


def test_a_scope_whose_type_cannot_be_read_is_served_uncounted_under_a_route_of_none() -> None:
    middleware = routed()
    assert paths_served_of_unreadable_types(middleware) == ["/webhooks", "/webhooks"]
    assert middleware.stats(route="/webhooks")["requests"] == 0


def test_the_stats_of_an_unknown_route_name_the_configured_ones() -> None:
    with pytest.raises(ValueError, match=r"no such route is configured; the configured ones are '/public'"):
        routed().stats(route="/pub")


def test_the_routes_stats_read_one_table_at_every_step_of_a_reconfigure() -> None:
    read: list[tuple[str, dict[str, int]]] = []

    class Watched(CORSMiddleware):
        watching = False

        def __setattr__(self, name: str, value: Any) -> None:
            super().__setattr__(name, value)
            if Watched.watching:  # a scrape between any two steps of the swap
                read.append((name, self.stats(route="/b")))
                assert set(self._stats_by_route()) in ({"", "/a", "/b"}, {"", "/b"})

    middleware = Watched(ok_app(), allow_origins=[SITE], routes={"/a": None, "/b": {}})
    run(middleware, get("/b", SITE))
    Watched.watching = True
    middleware.reconfigure(routes={"/b": None})
    Watched.watching = False
    assert read  # the swap was watched
    assert {stats["requests"] for _, stats in read} == {1}


def test_a_routes_counters_survive_reconfigure() -> None:
    middleware = routed()
    run(middleware, get("/admin", ADMIN))
    middleware.reconfigure(max_age=60)
    run(middleware, get("/admin", ADMIN))
    assert middleware.stats(route="/admin")["simple_allowed"] == 2


def test_reconfigure_replaces_the_routes() -> None:
    middleware = routed()
    middleware.reconfigure(routes={"/public": None})
    assert allow_origin(run(middleware, get("/public", PUBLIC))) is None
    assert allow_origin(run(middleware, get("/admin", ADMIN))) is None


def test_reconfigure_of_a_top_level_option_reaches_the_routes_that_do_not_override_it() -> None:
    middleware = routed()
    middleware.reconfigure(max_age=60)
    messages = run(middleware, preflight("/admin", ADMIN))
    assert (b"access-control-max-age", b"60") in messages[0]["headers"]


def test_an_on_reject_event_names_the_route() -> None:
    events: list[RejectEvent] = []
    run(routed(on_reject=events.append), preflight("/admin/x", PUBLIC))
    assert [event.route for event in events] == ["/admin"]


def test_an_on_reject_event_of_the_top_level_names_no_route() -> None:
    events: list[RejectEvent] = []
    run(routed(on_reject=events.append), preflight("/other", PUBLIC))
    assert [event.route for event in events] == [None]


def test_the_debug_log_names_the_route(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="fastcors"):
        run(routed(), preflight("/admin", PUBLIC))
    assert "under route '/admin'" in caplog.text


def test_a_copy_serves_the_same_routes() -> None:
    import copy

    middleware = copy.copy(routed())
    assert allow_origin(run(middleware, get("/public", PUBLIC))) == b"*"


def test_an_empty_routes_dict_is_the_top_level_alone() -> None:
    assert allow_origin(run(routed(routes={}), get("/public", SITE))) == SITE.encode()


# What is wrong with routes is refused at construction, naming the route.


def test_routes_that_are_not_a_dict_are_refused() -> None:
    with pytest.raises(TypeError, match=r"routes must be a dict of path prefix to options"):
        routed(routes=["/public"])


def test_a_prefix_without_a_leading_slash_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r'^routes\["public"\]: the path prefix must start with \'/\': write \'/public\'$'
    ):
        routed(routes={"public": None})


def test_a_prefix_with_a_trailing_slash_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r'routes\["/public/"\]: the path prefix ends with \'/\'.*: write \'/public\'$'
    ):
        routed(routes={"/public/": None})


def test_a_prefix_with_a_query_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r'"/public\?x=1"\]: the path prefix has a query or a fragment.*write \'/public\''
    ):
        routed(routes={"/public?x=1": None})


def test_a_prefix_with_an_empty_segment_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r'"/a//b"\]: the path prefix has an empty segment \(\'//\'\): write \'/a/b\''
    ):
        routed(routes={"/a//b": None})


def test_a_prefix_with_a_percent_escape_is_refused_with_its_decoded_form() -> None:
    with pytest.raises(
        ValueError,
        match=r'^routes\["/a%20b/caf%C3%A9"\]: the path prefix has a percent-escape \(\'%20\'\), but '
        r"scope\['path'\] is percent-decoded \(a request for '/a%20b/caf%C3%A9' arrives as .* so it never "
        r"matches: write '/a b/café' \(percent-decoded, as scope\['path'\] is\)$",
    ):
        routed(routes={"/a%20b/caf%C3%A9": None})


def test_a_prefix_with_an_escaped_slash_is_refused_as_unroutable() -> None:
    with pytest.raises(
        ValueError,
        match=r'"/files/a%2fb"\]: the path prefix has a percent-escape \(\'%2f\'\).*'
        r"a segment with '%2F' in it cannot be routed by prefix: write '/files/a/b', "
        r"which matches the request for '/files/a%2fb' and",
    ):
        routed(routes={"/files/a%2fb": None})


WRONG_PREFIXES = [
    "a/b/",
    "admin",
    "/a//b/",
    "/a/?x=1",
    "a#b",
    "api//v1?q",
    "/a%2F",
    "/a%2Fb/",
    "a%41",
    "/a%2F%2Fb",
    "/a%20b//c",
    "/a?x=%2F",
]


@pytest.mark.parametrize("prefix", WRONG_PREFIXES)
def test_what_a_prefix_error_says_to_write_is_accepted(prefix: str) -> None:
    with pytest.raises(ValueError, match=r"the path prefix .*: write '") as refused:
        routed(routes={prefix: None})
    message = str(refused.value)
    assert message.startswith(f'routes["{prefix}"]: the path prefix ')
    written = message.split(": write '", 1)[1].split("'", 1)[0]
    middleware = routed(routes={written: None})
    assert list(middleware._route_policies or {}) == [written]


@pytest.mark.parametrize("prefix", ["//", "%2F", "?", "/#x"])
def test_a_prefix_of_no_segment_is_not_advised_to_be_the_root(prefix: str) -> None:
    with pytest.raises(ValueError, match=r"it names no segment, and '/' would match every path") as refused:
        routed(routes={prefix: None})
    assert ": write '" not in str(refused.value)


@pytest.mark.parametrize("prefix", ["/a%3Fb", "/a%23b/c", "/%2541"])
def test_a_prefix_no_route_can_hold_says_so_instead_of_what_to_write(prefix: str) -> None:
    with pytest.raises(
        ValueError, match=r"has a percent-escape .*: a prefix cannot hold '\?', '#' or"
    ) as refused:
        routed(routes={prefix: None})
    assert ": write '" not in str(refused.value)


def test_a_percent_sign_without_two_hex_digits_is_a_plain_character() -> None:
    middleware = routed(routes={"/100%": {"allow_origins": [PUBLIC]}, "/a%zz": None})
    assert allow_origin(run(middleware, get("/100%/x", PUBLIC))) == PUBLIC.encode()


def test_a_prefix_that_is_not_a_str_is_refused() -> None:
    with pytest.raises(TypeError, match=r"a path prefix must be a str such as '/admin', not b'/x'"):
        routed(routes={b"/x": None})


def test_a_route_that_is_neither_a_dict_nor_none_is_refused() -> None:
    with pytest.raises(
        TypeError, match=r'routes\["/admin"\]: must be a dict of options to override, or None'
    ):
        routed(routes={"/admin": True})


def test_a_route_overriding_an_unknown_option_is_refused() -> None:
    with pytest.raises(TypeError, match=r"routes\[\"/admin\"\]: unknown option 'allow_origin'"):
        routed(routes={"/admin": {"allow_origin": [ADMIN]}})


def test_a_route_cannot_nest_routes() -> None:
    with pytest.raises(TypeError, match=r"routes\[\"/admin\"\]: 'routes' cannot be set per route"):
        routed(routes={"/admin": {"routes": {}}})


def test_a_route_cannot_change_the_app() -> None:
    with pytest.raises(TypeError, match=r"routes\[\"/admin\"\]: 'app' cannot be set per route"):
        routed(routes={"/admin": {"app": ok_app()}})


@pytest.mark.parametrize("option", ["shadow", "on_shadow_difference"])
def test_a_route_cannot_have_a_shadow_of_its_own(option: str) -> None:
    value: Any = {"allow_origins": [ADMIN]} if option == "shadow" else print
    with pytest.raises(TypeError, match=rf'^routes\["/admin"\]: \'{option}\' cannot be set per route: '):
        routed(routes={"/admin": {option: value}})


def test_the_shadow_refusal_says_how_to_try_options_under_one_prefix() -> None:
    with pytest.raises(TypeError, match=r'give the top-level shadow routes of its own: shadow=\{"routes"'):
        routed(routes={"/admin": {"shadow": {"allow_origins": [ADMIN]}}})


def test_a_routes_invalid_regex_is_refused_naming_the_route() -> None:
    with pytest.raises(re.error, match=r'^routes\["/admin"\]: allow_origin_regex \'\(\' is not a valid'):
        routed(routes={"/admin": {"allow_origin_regex": "("}})
    middleware = routed()
    with pytest.raises(re.error, match=r'^routes\["/public"\]: allow_origin_regex \'\[\' is not a valid'):
        middleware.reconfigure(routes={"/public": {"allow_origin_regex": "["}})
    assert allow_origin(run(middleware, get("/public", PUBLIC))) == b"*"


def test_a_routes_invalid_option_is_refused_naming_the_route() -> None:
    with pytest.raises(TypeError, match=r"routes\[\"/admin\"\]: cors_on_errors must be True or False"):
        routed(routes={"/admin": {"cors_on_errors": "yes"}})


def test_a_routes_configuration_problem_warns_naming_the_route() -> None:
    with pytest.warns(CORSConfigWarning, match=r"^routes\[\"/admin\"\]: allow_origins contains '\*' and"):
        routed(routes={"/admin": {"allow_origins": ["*"], "allow_credentials": True}})


def test_a_routes_configuration_problem_is_raised_under_strict_naming_the_route() -> None:
    with pytest.raises(CORSConfigError, match=r"- routes\[\"/admin\"\]: allow_origins contains '\*'"):
        routed(strict=True, routes={"/admin": {"allow_origins": ["*"], "allow_credentials": True}})


def test_strict_problems_of_the_top_level_and_of_every_route_raise_as_one_error() -> None:
    routes = {
        "/admin": {"allow_methods": ["GET"], "allow_origins": ["*"], "allow_credentials": True},
        "/public": {"allow_methods": ["put"]},
    }
    with pytest.raises(CORSConfigError) as raised:
        routed(strict=True, allow_methods=["get"], routes=routes)
    expected = [
        "allow_methods contains 'get':",
        "routes[\"/admin\"]: allow_origins contains '*' and allow_credentials=True:",
        "routes[\"/public\"]: allow_methods contains 'put':",
    ]
    assert len(raised.value.problems) == len(expected)
    for problem, start in zip(raised.value.problems, expected, strict=True):
        assert problem.startswith(start)


def test_a_route_turning_strict_on_raises_its_problems_with_the_top_levels_warned() -> None:
    routes = {"/admin": {"strict": True, "allow_origins": ["*"], "allow_credentials": True}}
    with (
        pytest.warns(CORSConfigWarning, match=r"^allow_methods contains 'get'"),
        pytest.raises(CORSConfigError) as raised,
    ):
        routed(allow_methods=["get"], routes=routes)
    assert len(raised.value.problems) == 2
    assert all(problem.startswith('routes["/admin"]: ') for problem in raised.value.problems)


def test_strict_problems_found_before_a_routes_invalid_option_are_raised_first() -> None:
    with pytest.raises(CORSConfigError, match=r"^1 problem in the CORS configuration:\n- max_age -1 is"):
        routed(strict=True, max_age=-1, routes={"/admin": {"cors_on_errors": "yes"}})


def test_a_route_conflicting_options_are_refused_naming_the_route() -> None:
    with pytest.raises(TypeError, match=r"routes\[\"/ws\"\]: check_websocket_origin checks handshakes"):
        routed(routes={"/ws": {"check_websocket_origin": True, "allow_origin_func": lambda origin: True}})


def deny_admin(self: Any, origin: str) -> bool:
    return origin != ADMIN and bool(CORSMiddleware.is_allowed_origin(self, origin))


def test_an_overridden_is_allowed_origin_beside_routes_is_refused() -> None:
    denying = type("Denying", (CORSMiddleware,), {"is_allowed_origin": deny_admin})
    with pytest.raises(
        TypeError, match=r'^routes\["/public"\]: Denying.is_allowed_origin is not Starlette\'s.*route\'s'
    ):
        denying(ok_app(), allow_origins=[SITE], routes={"/public": {"allow_origins": ["*"]}})


def test_an_overridden_is_allowed_origin_beside_routes_of_none_only_is_served() -> None:
    denying = type("Denying", (CORSMiddleware,), {"is_allowed_origin": deny_admin})
    middleware = denying(ok_app(), allow_origins=[SITE, ADMIN], routes={"/webhooks": None})
    assert allow_origin(run(middleware, get("/other", ADMIN))) is None
    assert allow_origin(run(middleware, get("/other", SITE))) == SITE.encode()


def test_patching_is_allowed_origin_on_an_instance_with_routes_is_refused() -> None:
    middleware = routed()
    with pytest.raises(TypeError, match=r"is_allowed_origin is not Starlette's.*top-level options"):
        middleware.is_allowed_origin = lambda origin: True  # type: ignore[method-assign]
    assert allow_origin(run(middleware, get("/other", PUBLIC))) is None


def test_patching_is_allowed_origin_on_the_class_after_construction_fails_the_next_request() -> None:
    denying = type("Denying", (CORSMiddleware,), {})
    middleware = denying(ok_app(), allow_origins=[SITE], routes={"/public": {"allow_origins": ["*"]}})
    denying.is_allowed_origin = deny_admin  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"is_allowed_origin is not Starlette's"):
        run(middleware, get("/public", PUBLIC))


def test_a_valid_route_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        routed()


def test_an_invalid_reconfigure_of_routes_keeps_the_old_routes() -> None:
    middleware = routed()
    with pytest.raises(ValueError, match=r"must start with '/'"):
        middleware.reconfigure(routes={"admin": None})
    assert allow_origin(run(middleware, get("/public", PUBLIC))) == b"*"


def test_explain_with_a_path_decides_with_its_routes_options() -> None:
    explanation = routed().explain(PUBLIC, path="/public/feed")
    alone = CORSMiddleware(ok_app(), allow_origins=["*"]).explain(PUBLIC)
    assert (explanation.allowed, explanation.route, explanation.headers) == (True, "/public", alone.headers)


def test_explain_with_a_path_under_no_route_decides_with_the_top_level_options() -> None:
    explanation = routed().explain(PUBLIC, path="/other")
    assert (explanation.allowed, explanation.route) == (False, None)


def test_explain_under_a_route_of_none_says_cors_is_off() -> None:
    explanation = routed().explain(SITE, "PUT", path="/webhooks/x")
    assert (explanation.allowed, explanation.preflight, explanation.headers) == (False, True, ())
    assert explanation.reasons == (
        "CORS is off under '/webhooks' (its route is None): the app answers with no CORS headers",
    )


def test_explain_refuses_a_path_without_a_leading_slash() -> None:
    with pytest.raises(ValueError, match=r"explain\(\): path 'admin' must start with '/'"):
        routed().explain(ADMIN, path="admin")

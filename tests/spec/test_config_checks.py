"""Configuration checks: a warning per likely mistake, or one error listing them all with strict=True."""

from __future__ import annotations

import re
import warnings
from decimal import Decimal
from typing import Any

import pytest

from fastcors import CORSConfigError, CORSConfigWarning, CORSMiddleware
from tests.asgi import http_scope, ok_app, run

ORIGIN = "https://app.example.com"


def problems_of(**options: Any) -> list[str]:
    """The warnings a configuration raises, in order."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CORSMiddleware(ok_app(), **options)
    return [str(warning.message) for warning in caught if warning.category is CORSConfigWarning]


def the_problem_of(**options: Any) -> str:
    problems = problems_of(**options)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {
            "allow_origins": [ORIGIN],
            "allow_methods": ["*"],
            "allow_headers": ["*"],
            "allow_credentials": True,
        },
        {"allow_origins": ["*"], "allow_methods": ["GET", "POST"], "expose_headers": ["*"]},
        {"allow_origins": ["http://localhost:8000", "https://example.org:8443", "null"]},
        {"allow_origin_regex": r"https://[a-z0-9-]+\.example\.com", "allow_credentials": True},
        {"allow_origin_regex": r"https://.*\.example\.com", "max_age": 7200},
        {"allow_origins": [ORIGIN], "expose_headers": ["X-Request-ID"], "max_age": 0},
    ],
)
def test_a_clean_configuration_warns_about_nothing(options: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CORSMiddleware(ok_app(), **options)


def test_the_warning_is_a_user_warning_pointing_at_the_line_that_built_the_middleware() -> None:
    with pytest.warns(CORSConfigWarning) as caught:
        CORSMiddleware(ok_app(), allow_origins=["https://a.org/"])
    assert issubclass(CORSConfigWarning, UserWarning)
    assert caught[0].filename == __file__


def test_the_warning_can_be_silenced_with_the_usual_filters() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", CORSConfigWarning)
        CORSMiddleware(ok_app(), allow_origins=["https://a.org/"])


def test_a_configuration_that_warns_still_behaves_exactly_as_starlettes() -> None:
    with pytest.warns(CORSConfigWarning):
        cors = CORSMiddleware(ok_app(), allow_origins="https://a.org")
    assert cors.is_allowed_origin("a.org")
    messages = run(cors, http_scope(headers=[(b"origin", b"https")]))
    assert (b"access-control-allow-origin", b"https") in messages[0]["headers"]


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        (
            "allow_origins",
            ORIGIN,
            r"allow_origins is the str 'https://app.example.com', not a list: .*"
            r"substring.*; write \['https://app.example.com'\]",
        ),
        ("allow_methods", "GET", r"allow_methods is the str 'GET', not a list.*; write \['GET'\]"),
        ("allow_headers", "X-Token", r"allow_headers is the str 'X-Token'.*one character at a time"),
        ("expose_headers", "X-Total", r"expose_headers is the str 'X-Total'.*'X, -, T, o'"),
    ],
)
def test_a_str_where_a_list_is_expected_warns(option: str, value: str, expected: str) -> None:
    assert re.match(expected, the_problem_of(**{option: value}))


@pytest.mark.parametrize(
    ("origin", "fault", "fixed"),
    [
        ("https://app.example.com/", "a trailing '/'", "https://app.example.com"),
        ("https://app.example.com/api", "a path", "https://app.example.com"),
        ("https://App.Example.com", "an uppercase scheme or host", "https://app.example.com"),
        ("HTTPS://app.example.com", "an uppercase scheme or host", "https://app.example.com"),
        ("app.example.com", "no scheme", "https://app.example.com"),
        ("https://app.example.com:443", "the default port :443", "https://app.example.com"),
        ("http://localhost:80", "the default port :80", "http://localhost"),
        (" https://app.example.com ", "surrounding spaces", "https://app.example.com"),
    ],
)
def test_an_origin_no_browser_sends_warns_with_the_origin_to_write(
    origin: str, fault: str, fixed: str
) -> None:
    problem = the_problem_of(allow_origins=[origin])
    assert problem.startswith(f"allow_origins contains {origin!r}: ")
    assert fault in problem
    assert problem.endswith(f"so it never matches; write {fixed!r}")


def test_every_fault_of_one_origin_is_named_in_one_message() -> None:
    problem = the_problem_of(allow_origins=["HTTPS://Example.org:443/"])
    assert "a trailing '/', an uppercase scheme or host and the default port :443" in problem
    assert problem.endswith("write 'https://example.org'")


def test_a_glob_among_origins_warns_with_the_regex_to_write() -> None:
    problem = the_problem_of(allow_origins=["https://*.example.com"])
    assert "wildcard or regex syntax never matches" in problem
    assert problem.endswith(r"""write allow_origin_regex=r'https://[a-z0-9-]+\\.example\\.com'""")
    written = problem.rpartition("allow_origin_regex=r")[2]
    pattern = written[1:-1].replace("\\\\", "\\")
    assert CORSMiddleware(ok_app(), allow_origin_regex=pattern).is_allowed_origin("https://api.example.com")


def test_regex_syntax_among_origins_warns() -> None:
    problem = the_problem_of(allow_origins=[r"https://.*\.example\.com"])
    assert "regex syntax never matches; write allow_origin_regex=r" in problem


def test_star_with_credentials_warns_that_every_origin_is_echoed() -> None:
    problem = the_problem_of(allow_origins=["*"], allow_credentials=True)
    assert problem.startswith("allow_origins contains '*' and allow_credentials=True: every Origin is echoed")
    assert "'null' included" in problem


def test_a_match_everything_regex_with_credentials_warns() -> None:
    problem = the_problem_of(allow_origin_regex="https?://.*", allow_credentials=True)
    assert problem.startswith("allow_origin_regex 'https?://.*' matches the origins of any site")


@pytest.mark.parametrize(
    "pattern", [r"https://[^/]+", r"https://\S+", r"https://[a-z0-9.-]+(:[0-9]+)?", r"http://.*"]
)
def test_a_regex_matching_every_origin_of_one_scheme_with_credentials_warns(pattern: str) -> None:
    problem = the_problem_of(allow_origin_regex=pattern, allow_credentials=True)
    assert problem.startswith(f"allow_origin_regex {pattern!r} matches the origins of any site")


def test_null_with_credentials_warns() -> None:
    problem = the_problem_of(allow_origins=["null", ORIGIN], allow_credentials=True)
    assert problem.startswith("allow_origins contains 'null' and allow_credentials=True")
    assert problem.endswith("remove 'null'")


def test_a_regex_matching_null_with_credentials_warns() -> None:
    problems = problems_of(allow_origin_regex=r"null|https://app\.example\.com", allow_credentials=True)
    assert any("matches 'null'" in problem for problem in problems)


def test_an_unescaped_dot_in_a_regex_warns_with_the_escaped_pattern() -> None:
    problem = the_problem_of(allow_origin_regex=r"https://api.example\.com")
    assert "has an unescaped '.', which matches any character (so 'apixexample' is allowed too)" in problem
    assert problem.endswith(r"write r'https://api\\.example\\.com'")
    with pytest.warns(CORSConfigWarning):
        cors = CORSMiddleware(ok_app(), allow_origin_regex=r"https://api.example\.com")
    assert cors.is_allowed_origin("https://apixexample.com")


@pytest.mark.parametrize("pattern", [r"https://.*example\.com", r"https://example\.com.*"])
def test_a_dot_star_in_the_host_that_is_not_a_whole_label_warns(pattern: str) -> None:
    problem = the_problem_of(allow_origin_regex=pattern)
    assert problem.startswith(f"allow_origin_regex {pattern!r}: '.*' in the host matches any characters")


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (
            "get",
            "methods are compared exactly and browsers send them uppercase, so it never matches; write 'GET'",
        ),
        ("Patch", "write 'PATCH'"),
        ("TRACE", "browsers never send it (the Fetch standard forbids it)"),
        ("connect", "remove 'connect'"),
        ("TRACK", "remove 'TRACK'"),
    ],
)
def test_a_lowercase_or_forbidden_method_warns(method: str, expected: str) -> None:
    problem = the_problem_of(allow_origins=[ORIGIN], allow_methods=["GET", method])
    assert problem.startswith(f"allow_methods contains {method!r}: ")
    assert expected in problem


def test_exposing_star_with_credentials_warns() -> None:
    problem = the_problem_of(allow_origins=[ORIGIN], allow_credentials=True, expose_headers=["*"])
    assert problem.startswith("expose_headers contains '*' and allow_credentials=True")


@pytest.mark.parametrize(
    ("max_age", "expected"),
    [
        (-1, "max_age -1 is negative"),
        (86401, "max_age 86401 is longer than any browser honours"),
        (1.5, "max_age 1.5 is not a whole number of seconds"),
        ("600s", "max_age '600s' is not a whole number of seconds"),
        (True, "max_age True is not a whole number of seconds"),
    ],
)
def test_a_max_age_browsers_ignore_warns(max_age: object, expected: str) -> None:
    assert the_problem_of(allow_origins=[ORIGIN], max_age=max_age).startswith(expected)


class Int64:
    """An integer that is not an ``int``, as numpy's ``int64`` is."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"Int64({self.value})"


@pytest.mark.parametrize("max_age", ["600", Int64(600), Decimal(600)], ids=repr)
def test_a_max_age_is_judged_by_the_value_starlette_sends(max_age: Any) -> None:
    assert problems_of(allow_origins=[ORIGIN], max_age=max_age) == []
    cors = CORSMiddleware(ok_app(), allow_origins=[ORIGIN], max_age=max_age, strict=True)
    scope = http_scope("OPTIONS", [(b"origin", ORIGIN.encode()), (b"access-control-request-method", b"GET")])
    assert (b"access-control-max-age", b"600") in run(cors, scope)[0]["headers"]


@pytest.mark.parametrize(
    ("max_age", "expected"),
    [
        ("-1", "max_age '-1' is negative"),
        (Int64(86401), "max_age Int64(86401) is longer than any browser honours"),
    ],
)
def test_a_max_age_sent_as_a_value_browsers_ignore_warns(max_age: object, expected: str) -> None:
    assert the_problem_of(allow_origins=[ORIGIN], max_age=max_age).startswith(expected)


def test_a_websocket_check_that_allows_every_origin_warns() -> None:
    problem = the_problem_of(allow_origins=["*"], check_websocket_origin=True)
    assert problem.startswith("check_websocket_origin=True with allow_origins containing '*'")


def test_strict_raises_one_error_listing_every_problem() -> None:
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(
            ok_app(),
            allow_origins=["https://a.org/", "*"],
            allow_credentials=True,
            allow_methods=["get"],
            max_age=-5,
            strict=True,
        )
    error = raised.value
    assert isinstance(error, ValueError)
    assert len(error.problems) == 4
    lines = str(error).splitlines()
    assert lines[0] == "4 problems in the CORS configuration:"
    assert lines[1:] == [f"- {problem}" for problem in error.problems]
    assert [problem.split(" ", 1)[0] for problem in error.problems] == [
        "allow_origins",
        "allow_origins",
        "allow_methods",
        "max_age",
    ]


def test_strict_builds_a_clean_configuration_silently() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cors = CORSMiddleware(ok_app(), allow_origins=[ORIGIN], strict=True)
    assert cors.is_allowed_origin(ORIGIN)


@pytest.mark.parametrize("option", ["strict", "cors_on_errors", "check_websocket_origin"])
def test_a_switch_that_is_not_a_bool_is_refused_naming_the_option(option: str) -> None:
    with pytest.raises(TypeError, match=rf"^{option} must be True or False, not 'yes'; write {option}=True"):
        CORSMiddleware(ok_app(), **{option: "yes"})  # type: ignore[arg-type]


def test_the_new_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        CORSMiddleware(ok_app(), (), ("GET",), (), False, None, False, (), 600, True)  # type: ignore[call-arg]

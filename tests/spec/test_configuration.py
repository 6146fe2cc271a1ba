"""Options: what Starlette accepts means the same here; what it cannot serve fails at start-up."""

from __future__ import annotations

import re

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from tests.asgi import http_scope, ok_app, response_headers, run

#: Starlette accepts these configurations, good or bad, and so must fastcors: the checks' warnings
#: are beside the point here (tests/spec/test_config_checks.py covers them).
pytestmark = pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning")

PREFLIGHT = [(b"origin", b"https://a.org"), (b"access-control-request-method", b"GET")]


def test_an_invalid_regex_is_rejected_at_start_up_as_by_starlette_naming_the_option() -> None:
    with pytest.raises(re.error):
        StarletteCORSMiddleware(ok_app(), allow_origin_regex="https://(a.org")
    with pytest.raises(
        re.error, match=r"allow_origin_regex 'https://\(a.org' is not a valid regular"
    ) as error:
        CORSMiddleware(ok_app(), allow_origin_regex="https://(a.org")
    assert error.value.pos == 8


def test_a_regex_that_is_not_a_string_names_the_option() -> None:
    with pytest.raises(TypeError):
        StarletteCORSMiddleware(ok_app(), allow_origin_regex=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="allow_origin_regex must be a str pattern, not int: 42"):
        CORSMiddleware(ok_app(), allow_origin_regex=42)  # type: ignore[arg-type]


def test_a_compiled_pattern_is_accepted_with_its_flags_as_by_re_compile() -> None:
    cors = CORSMiddleware(ok_app(), allow_origin_regex=re.compile("https://A.ORG", re.I))  # type: ignore[arg-type]
    assert cors.is_allowed_origin("https://a.org")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("allow_methods", ["GET", "P\u20acST"]),
        ("allow_headers", ["X-\u20ac"]),
        ("expose_headers", ["X-\u20ac"]),
    ],
)
def test_a_value_no_http_header_can_carry_fails_at_start_up(option: str, value: list[str]) -> None:
    with pytest.raises(ValueError, match=rf"^{option}: .* cannot be sent in an HTTP header.*'\u20ac' is not"):
        CORSMiddleware(ok_app(), allow_origins=["https://a.org"], **{option: value})  # type: ignore[arg-type]


def test_starlette_accepts_such_a_value_but_fails_on_every_response_that_carries_it() -> None:
    starlette = StarletteCORSMiddleware(
        ok_app(), allow_origins=["https://a.org"], expose_headers=["X-\u20ac"]
    )
    with pytest.raises(UnicodeEncodeError):
        run(starlette, http_scope(headers=[(b"origin", b"https://a.org")]))


def test_a_non_latin1_header_name_is_fine_when_all_headers_are_allowed_anyway() -> None:
    cors = CORSMiddleware(ok_app(), allow_origins=["https://a.org"], allow_headers=["*", "X-\u20ac"])
    assert run(cors, http_scope("OPTIONS", PREFLIGHT))[0]["status"] == 200


@pytest.mark.parametrize(
    "options",
    [{"allow_origins": None}, {"allow_methods": None}, {"allow_headers": [None]}, {"expose_headers": [1]}],
)
def test_options_starlette_cannot_read_raise_starlettes_own_error(options: dict[str, object]) -> None:
    with pytest.raises(TypeError) as theirs:
        StarletteCORSMiddleware(ok_app(), **options)  # type: ignore[arg-type]
    with pytest.raises(TypeError) as ours:
        CORSMiddleware(ok_app(), **options)  # type: ignore[arg-type]
    assert _unordered(str(ours.value)) == _unordered(str(theirs.value))


def _unordered(message: str) -> str:
    """A comparison error with its operands in a fixed order: `sorted` over a set meets them in the
    order of the set's table, which hash randomisation and the set's history decide, so even
    Starlette's own message names `str` and `NoneType` in either order from one process to another."""
    found = re.fullmatch(r"'<' not supported between instances of '(\w+)' and '(\w+)'", message)
    if found is None:
        return message
    first, second = sorted(found.groups())
    return f"'<' not supported between instances of '{first}' and '{second}'"


def test_a_bare_string_of_origins_is_searched_for_substrings_as_in_starlette() -> None:
    cors = CORSMiddleware(ok_app(), allow_origins="https://a.org")
    for origin in ("https://a.org", "a.org", "https", "", "https://b.org"):
        expected = StarletteCORSMiddleware(ok_app(), allow_origins="https://a.org").is_allowed_origin(origin)
        assert cors.is_allowed_origin(origin) is expected, origin


def test_a_bare_string_of_methods_allows_its_substrings_as_in_starlette() -> None:
    cors = CORSMiddleware(ok_app(), allow_origins=["https://a.org"], allow_methods="GET")
    for method, status in ((b"GET", 200), (b"ET", 200), (b"G, E, T", 400), (b"PUT", 400)):
        headers = [PREFLIGHT[0], (b"access-control-request-method", method)]
        assert run(cors, http_scope("OPTIONS", headers))[0]["status"] == status, method


def test_a_star_among_methods_allows_starlettes_list_of_methods_only() -> None:
    cors = CORSMiddleware(ok_app(), allow_origins=["https://a.org"], allow_methods=["*"])
    start = run(cors, http_scope("OPTIONS", PREFLIGHT))[0]
    assert (b"access-control-allow-methods", b"DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY") in start[
        "headers"
    ]
    purge = [PREFLIGHT[0], (b"access-control-request-method", b"PURGE")]
    assert run(cors, http_scope("OPTIONS", purge))[0]["status"] == 400


def test_an_unsendable_origin_is_judged_as_starlette_would() -> None:
    cors = CORSMiddleware(ok_app(), allow_origin_regex="https://.*")
    assert cors.is_allowed_origin("https://\u20ac.org")
    assert not CORSMiddleware(ok_app(), allow_origins=["https://a.org"]).is_allowed_origin("\u20ac")


def test_max_age_is_sent_as_str_of_whatever_was_given() -> None:
    cors = CORSMiddleware(ok_app(), allow_origins=["https://a.org"], max_age=1.5)  # type: ignore[arg-type]
    assert (b"access-control-max-age", b"1.5") in response_headers(
        run(cors, http_scope("OPTIONS", PREFLIGHT))
    )

"""``allow_origin_patterns``: ``https://*.example.com`` and ``http://localhost:*``, on both cores.

``*.`` as the leftmost label stands for one or more whole DNS labels, ``:*`` for any explicit port;
the scheme is exact; origins match only as browsers serialise them. Patterns are checked at
construction, and a Starlette-style configuration keeps meaning what it meant.
"""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastcors import CORSConfigError, CORSConfigWarning, CORSMiddleware
from fastcors._pure.origin_patterns import OriginPatterns
from tests.asgi import http_scope, ok_app, response_headers, run


def cors(*patterns: str, **options: object) -> CORSMiddleware:
    return CORSMiddleware(ok_app(), allow_origin_patterns=list(patterns), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "origin", ["https://a.example.com", "https://a.b.example.com", "https://x-1.example.com"]
)
def test_a_leading_wildcard_matches_one_or_more_subdomain_labels(origin: str) -> None:
    assert cors("https://*.example.com").is_allowed_origin(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "https://example.com",
        "https://evil-example.com",
        "https://a.example.com.evil.io",
        "https://.example.com",
        "https://a.example.comx",
        "https://a..example.com",
        "https://evil.com/a.example.com",
    ],
)
def test_a_leading_wildcard_refuses_the_apex_and_lookalikes(origin: str) -> None:
    assert not cors("https://*.example.com").is_allowed_origin(origin)


def test_the_scheme_is_exact() -> None:
    middleware = cors("https://*.example.com")
    assert not middleware.is_allowed_origin("http://a.example.com")
    assert not middleware.is_allowed_origin("wss://a.example.com")


@pytest.mark.parametrize("origin", ["http://localhost:1", "http://localhost:3000", "http://localhost:65535"])
def test_a_port_wildcard_matches_any_explicit_port(origin: str) -> None:
    assert cors("http://localhost:*").is_allowed_origin(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost",
        "http://localhost:0",
        "http://localhost:65536",
        "http://localhost:03000",
        "http://localhost:",
    ],
)
def test_a_port_wildcard_refuses_no_port_and_ports_out_of_range(origin: str) -> None:
    assert not cors("http://localhost:*").is_allowed_origin(origin)


def test_without_a_port_only_the_default_port_matches() -> None:
    middleware = cors("https://*.example.com")
    assert middleware.is_allowed_origin("https://a.example.com")
    assert not middleware.is_allowed_origin("https://a.example.com:8443")


def test_listing_both_allows_with_and_without_a_port() -> None:
    middleware = cors("http://localhost", "http://localhost:*")
    assert middleware.is_allowed_origin("http://localhost")
    assert middleware.is_allowed_origin("http://localhost:5173")


def test_an_exact_port_matches_only_that_port() -> None:
    middleware = cors("https://*.example.com:8443")
    assert middleware.is_allowed_origin("https://a.example.com:8443")
    assert not middleware.is_allowed_origin("https://a.example.com:8444")


@pytest.mark.parametrize(
    "origin",
    [
        "https://A.example.com",
        "https://a.example.com.",
        "https://a.example.com/",
        "HTTPS://a.example.com",
        "https://a.example.com:443",
        "https://user@a.example.com",
        " https://a.example.com",
        "https://a.example.com\n",
    ],
)
def test_origins_not_serialised_as_browsers_do_match_no_pattern(origin: str) -> None:
    assert not cors("https://*.example.com", "https://*.example.com:*").is_allowed_origin(origin)


def test_ipv6_and_ipv4_hosts_match_exactly() -> None:
    middleware = cors("http://[::1]:*", "http://127.0.0.1:8000")
    assert middleware.is_allowed_origin("http://[::1]:5173")
    assert middleware.is_allowed_origin("http://127.0.0.1:8000")
    assert not middleware.is_allowed_origin("http://[::1]")
    assert not middleware.is_allowed_origin("http://127.0.0.1:8001")


def test_a_matching_origin_is_echoed_on_simple_responses() -> None:
    scope = http_scope(headers=[(b"origin", b"https://app.example.com")])
    headers = response_headers(run(cors("https://*.example.com"), scope))
    assert (b"access-control-allow-origin", b"https://app.example.com") in headers


def test_a_matching_origin_passes_a_preflight() -> None:
    scope = http_scope(
        "OPTIONS", [(b"origin", b"https://app.example.com"), (b"access-control-request-method", b"GET")]
    )
    start = run(cors("https://*.example.com"), scope)[0]
    assert start["status"] == 200
    assert (b"access-control-allow-origin", b"https://app.example.com") in start["headers"]


def test_an_unmatched_origin_fails_a_preflight() -> None:
    scope = http_scope(
        "OPTIONS", [(b"origin", b"https://example.com"), (b"access-control-request-method", b"GET")]
    )
    messages = run(cors("https://*.example.com"), scope)
    assert messages[0]["status"] == 400
    assert messages[1]["body"] == b"Disallowed CORS origin"


def test_patterns_add_to_allow_origins_and_the_regex() -> None:
    middleware = cors(
        "https://*.example.com", allow_origins=["https://listed.org"], allow_origin_regex=r"https://r\.net"
    )
    for origin in ("https://a.example.com", "https://listed.org", "https://r.net"):
        assert middleware.is_allowed_origin(origin)
    assert not middleware.is_allowed_origin("https://other.org")


def test_a_glob_in_allow_origins_stays_a_literal_string_as_in_starlette() -> None:
    with pytest.warns(CORSConfigWarning, match="never matches"):
        middleware = CORSMiddleware(ok_app(), allow_origins=["https://*.example.com"])
    assert not middleware.is_allowed_origin("https://a.example.com")
    assert middleware.is_allowed_origin("https://*.example.com")


def test_the_patterns_are_readable_on_the_instance() -> None:
    assert cors("https://*.example.com", "http://localhost:*").allow_origin_patterns == (
        "https://*.example.com",
        "http://localhost:*",
    )


def test_the_patterns_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        CORSMiddleware(ok_app(), (), ("GET",), (), False, None, False, (), 600, ["https://*.a.com"])  # type: ignore[call-arg,arg-type]


def test_a_thousand_patterns_still_match_and_refuse() -> None:
    patterns = [f"https://*.tenant{n}.example.com" for n in range(1000)]
    middleware = cors(*patterns)
    assert middleware.is_allowed_origin("https://app.tenant999.example.com")
    assert not middleware.is_allowed_origin("https://app.tenant1000.example.com")


def test_a_hostile_origin_of_many_labels_is_answered() -> None:
    middleware = cors(*(f"https://*.tenant{n}.example.com" for n in range(100)))
    assert middleware.is_allowed_origin("https://" + "a." * 30_000 + "tenant99.example.com")
    assert not middleware.is_allowed_origin("https://" + "a." * 30_000 + "tenant99.example.co")


BAD_PATTERNS = [
    ("*", "allow_origins=['*']"),
    ("https://*", "allow_origins=['*']"),
    ("https://*.com", "'https://*.example.com'"),
    ("example.com", "'https://example.com'"),
    ("null", "allow_origins"),
    ("HTTPS://example.com", "'https://example.com'"),
    ("https://Example.com", "'https://example.com'"),
    ("https://*.Example.com", "'https://*.example.com'"),
    ("https://example.com/", "'https://example.com'"),
    ("https://example.com/app", "'https://example.com'"),
    ("https://a.*.example.com", "leftmost"),
    ("https://*a.example.com", "leftmost"),
    ("https://example.*", "leftmost"),
    ("https://example.com:0", "'https://example.com:*'"),
    ("https://example.com:65536", "'https://example.com:*'"),
    ("https://example.com:port", "'https://example.com:8080'"),
    ("https://example.com:08080", "'https://example.com:8080'"),
    ("https://example.com:443", "'https://example.com'"),
    ("https://example.com.", "'https://example.com'"),
    ("https://bücher.example", "'https://xn--bcher-kva.example'"),
    ("https://user@example.com", "'https://example.com'"),
    (" https://example.com", "'https://example.com'"),
    ("https://exa mple.com", "host name"),
    ("https://*.[::1]", "IP address"),
]


@pytest.mark.parametrize(("pattern", "fix"), BAD_PATTERNS)
def test_an_invalid_pattern_is_refused_at_construction_with_the_fix(pattern: str, fix: str) -> None:
    with pytest.raises(ValueError, match="allow_origin_patterns") as raised:
        cors(pattern)
    message = str(raised.value)
    assert repr(pattern) in message
    assert fix in message


NO_BROWSER_SENDS = [
    ("http://*.0.0.1:*", "'*.' stands for DNS labels and cannot prefix an IP address"),
    ("https://*.168.1.1", "'*.' stands for DNS labels and cannot prefix an IP address"),
    ("https://*.example.123", "'*.' stands for DNS labels and cannot prefix an IP address"),
    ("http://127.1", "browsers send IPv4 addresses as four decimal numbers; write 'http://127.0.0.1'"),
    ("http://0x7f.0.0.1:*", "write 'http://127.0.0.1:*'"),
    ("http://010.0.0.1:8000", "write 'http://8.0.0.1:8000'"),
    ("http://256.0.0.1", "is not an IPv4 address"),
    ("http://1.2.3.4.5", "is not an IPv4 address"),
    ("https://example.123", "is not an IPv4 address"),
    ("http://[:]", "is not an IPv6 address"),
    ("http://[::0:1]:*", "browsers send IPv6 addresses in their shortest form; write 'http://[::1]:*'"),
    ("http://[0:0:0:0:0:0:0:1]", "write 'http://[::1]'"),
    ("https://-", "is not a host name"),
    ("https://-a.example.com", "is not a host name"),
    ("https://*.a-.example.com", "is not a host name"),
]


@pytest.mark.parametrize(("pattern", "fix"), NO_BROWSER_SENDS)
def test_a_pattern_over_a_host_no_browser_sends_is_refused_at_construction_with_the_fix(
    pattern: str, fix: str
) -> None:
    with pytest.raises(ValueError, match="allow_origin_patterns") as raised:
        cors(pattern)
    assert str(raised.value).startswith(f"allow_origin_patterns contains {pattern!r}: ")
    assert fix in str(raised.value)


@pytest.mark.parametrize("suffix", ["co.uk", "github.io", "vercel.app", "s3.amazonaws.com"])
def test_a_wildcard_directly_over_a_public_suffix_warns(suffix: str) -> None:
    pattern = f"https://*.{suffix}"
    with pytest.warns(CORSConfigWarning) as caught:
        cors(pattern)
    (warning,) = caught
    assert str(warning.message) == (
        f"allow_origin_patterns contains {pattern!r}: {suffix} is a public suffix, under which anyone "
        f"can have a site, so every one of them is allowed; name your own domain, such as "
        f"'https://*.example.{suffix}'"
    )
    with pytest.raises(CORSConfigError, match=re.escape(pattern)):
        cors(pattern, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cors(f"https://*.example.{suffix}", f"https://{suffix}")


def test_every_invalid_pattern_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match="2 problems in allow_origin_patterns") as raised:
        cors("https://*", "https://ok.example.com", "example.com")
    assert "'https://*'" in str(raised.value)
    assert "'example.com'" in str(raised.value)


@pytest.mark.parametrize("patterns", ["https://*.example.com", b"https://*.example.com", 3])
def test_patterns_must_be_a_collection_of_strings(patterns: object) -> None:
    with pytest.raises(TypeError, match="allow_origin_patterns must be a list"):
        CORSMiddleware(ok_app(), allow_origin_patterns=patterns)  # type: ignore[arg-type]


def test_a_pattern_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ValueError, match=r"allow_origin_patterns contains b'https://a\.com'"):
        cors(b"https://a.com")  # type: ignore[arg-type]


# The two cores agree with each other and with a per-pattern reference on generated origins.

LABELS = st.sampled_from(["a", "b", "example", "com", "x-1", "", "A", "*"])
HOSTS = st.lists(LABELS, min_size=0, max_size=5).map(".".join)
PORTS = st.sampled_from(["", ":1", ":80", ":443", ":8443", ":65535", ":65536", ":0", ":08", ":"])
SCHEMES = st.sampled_from(["https", "http", "HTTPS", "wss"])
ORIGINS = st.builds(lambda scheme, host, port: f"{scheme}://{host}{port}", SCHEMES, HOSTS, PORTS)
PATTERNS = st.lists(
    st.sampled_from(
        [
            "https://*.example.com",
            "https://*.a.example.com:*",
            "http://*.b.com:8443",
            "https://example.com",
            "http://a:*",
            "https://a.b",
            "wss://*.a.b",
            "http://*.example.com",
        ]
    ),
    max_size=4,
)


def reference(patterns: list[str], origin: str) -> bool:
    """Each pattern on its own, by plain string operations."""
    for pattern in patterns:
        scheme, _, rest = pattern.partition("://")
        host, _, port = rest.partition(":")
        origin_scheme, separator, origin_rest = origin.partition("://")
        origin_host, colon, origin_port = origin_rest.partition(":")
        if not separator or origin_scheme != scheme:
            continue
        if not all((label and label.islower()) or label.isdigit() for label in origin_host.split(".")):
            continue
        if any(char not in "abcdefghijklmnopqrstuvwxyz0123456789-_." for char in origin_host):
            continue
        if colon:
            if not origin_port.isdigit() or origin_port.startswith("0") or not 1 <= int(origin_port) <= 65535:
                continue
            if {"http": 80, "https": 443, "wss": 443}.get(scheme) == int(origin_port):
                continue
            if port not in ("*", origin_port):
                continue
        elif port:
            continue
        if host.startswith("*."):
            if origin_host.endswith(host[1:]) and len(origin_host) > len(host) - 1:
                return True
        elif origin_host == host:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(patterns=PATTERNS, origin=ORIGINS)
def test_matching_agrees_with_a_per_pattern_reference(patterns: list[str], origin: str) -> None:
    expected = reference(patterns, origin)
    assert cors(*patterns).is_allowed_origin(origin) == expected
    assert OriginPatterns(p.encode() for p in patterns).matches(origin.encode()) == expected

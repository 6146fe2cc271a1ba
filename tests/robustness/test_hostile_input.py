"""Hostile and odd requests get Starlette's answer, on both cores.

Oversized values (64 KiB ``Origin`` and ``Access-Control-Request-Headers``, 10,000-item header
lists, a megabyte of commas), NUL and control bytes, bytes that are not UTF-8, repeated CORS
headers, header names and methods in odd case, empty values and scopes that carry only the keys
the middleware needs: for each, the middleware under test and Starlette 1.10.0's own
``CORSMiddleware`` get the same scope (each its own deep copy) and the same app, and must send the
same messages (copied as sent), leave the same scope, and raise the same exception, if any.
Nothing here is an expected value of fastcors' own: every answer is Starlette's.

The big inputs are built once per module and used by a few tests only, so the suite stays fast.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware, _pure
from fastcors._pure.headers import MEMO_LONGEST_VALUE, MEMO_SIZE
from tests.asgi import http_scope, ok_app, run, run_to_completion

Message = dict[str, Any]
Scope = dict[str, Any]
Header = tuple[bytes, bytes]
App = Callable[[Scope, Any, Any], Awaitable[None]]

KIB_64 = 64 * 1024

#: Representative configurations: an explicit list with credentials, wildcards everywhere, and a
#: regex (which the Rust core evaluates with its own engine) with private network access.
CONFIGS: dict[str, dict[str, Any]] = {
    "listed": {
        "allow_origins": ["https://example.org", "https://app.example.com"],
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["X-Token", "X-Request-ID"],
        "allow_credentials": True,
        "expose_headers": ["X-Status"],
    },
    "wildcards": {"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"]},
    "regex": {
        "allow_origin_regex": r"https://.*\.example\.org",
        "allow_headers": ["X-Token"],
        "allow_private_network": True,
    },
}
config_ids = pytest.mark.parametrize("config", list(CONFIGS))

ALLOWED = b"https://example.org"
#: Where a request is a preflight, the request headers that make it one.
PREFLIGHT: list[Header] = [(b"access-control-request-method", b"GET")]


def request_scope(method: str, headers: list[Header]) -> Scope:
    """A complete scope, as uvicorn builds it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": "/items",
        "raw_path": b"/items",
        "query_string": b"a=1",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "extensions": {},
        "state": {},
    }


def simple(headers: list[Header]) -> Scope:
    return request_scope("GET", headers)


def preflight(headers: list[Header]) -> Scope:
    return request_scope("OPTIONS", [*headers, *PREFLIGHT])


def app_with(headers: list[Header] | None = None) -> App:
    """An app that answers 200 with these response headers (no ``headers`` key when ``None``)."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        start: Message = {"type": "http.response.start", "status": 200}
        if headers is not None:
            start["headers"] = list(headers)
        await send(start)
        await send({"type": "http.response.body", "body": b"app"})

    return app


@dataclass
class Outcome:
    messages: list[Message] = field(default_factory=list)
    scope_after: Scope | None = None
    error: tuple[type[BaseException], tuple[Any, ...]] | None = None


def outcome(middleware_class: Callable[..., Any], options: dict[str, Any], scope: Scope, app: App) -> Outcome:
    result = Outcome()
    own_scope = copy.deepcopy(scope)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        result.messages.append(copy.deepcopy(message))

    middleware = middleware_class(app, **options)
    try:
        run_to_completion(middleware(own_scope, receive, send))
    except Exception as error:
        result.error = (type(error), error.args)
    result.scope_after = own_scope
    return result


def assert_same_as_starlette(config: str, scope: Scope, app: App | None = None) -> Outcome:
    """The outcome under test, once checked equal to Starlette's; returned for sanity checks."""
    app = app or app_with([(b"content-type", b"text/plain")])
    expected = outcome(StarletteCORSMiddleware, CONFIGS[config], scope, app)
    actual = outcome(CORSMiddleware, CONFIGS[config], scope, app)
    assert actual.error == expected.error
    assert actual.messages == expected.messages
    assert actual.scope_after == expected.scope_after
    return actual


def start_of(result: Outcome) -> Message:
    start = result.messages[0]
    assert start["type"] == "http.response.start"
    return start


# --- Oversized values -----------------------------------------------------------------------------

HUGE_SUBDOMAIN_ORIGIN = b"https://" + b"a" * KIB_64 + b".example.org"
HUGE_UNLISTED_ORIGIN = b"https://" + b"a" * KIB_64 + b"!"


@config_ids
def test_a_64_kib_origin_on_a_simple_request(config: str) -> None:
    assert_same_as_starlette(config, simple([(b"origin", HUGE_SUBDOMAIN_ORIGIN)]))


@config_ids
def test_a_64_kib_origin_on_a_preflight(config: str) -> None:
    assert_same_as_starlette(config, preflight([(b"origin", HUGE_UNLISTED_ORIGIN)]))


def test_a_64_kib_origin_that_the_regex_matches_is_echoed() -> None:
    result = assert_same_as_starlette("regex", simple([(b"origin", HUGE_SUBDOMAIN_ORIGIN)]))
    assert (b"access-control-allow-origin", HUGE_SUBDOMAIN_ORIGIN) in start_of(result)["headers"]


@config_ids
def test_a_64_kib_access_control_request_headers(config: str) -> None:
    value = b"x-token," + b"x" * KIB_64
    assert_same_as_starlette(
        config, preflight([(b"origin", ALLOWED), (b"access-control-request-headers", value)])
    )


@config_ids
def test_10_000_request_headers_with_the_origin_last(config: str) -> None:
    headers = [(b"x-filler-%d" % i, b"v") for i in range(10_000)]
    assert_same_as_starlette(config, simple([*headers, (b"origin", ALLOWED)]))


@config_ids
def test_10_000_origin_headers_of_which_only_the_first_counts(config: str) -> None:
    origins = [(b"origin", b"https://evil-%d.example.net" % i) for i in range(10_000)]
    assert_same_as_starlette(config, preflight([(b"origin", ALLOWED), *origins]))


@config_ids
def test_10_000_app_response_headers_with_vary_among_them(config: str) -> None:
    response = [(b"vary" if i % 100 == 0 else b"x-filler", b"Accept-%d" % i) for i in range(10_000)]
    assert_same_as_starlette(config, simple([(b"origin", ALLOWED)]), app_with(response))


@config_ids
def test_10_000_names_in_access_control_request_headers(config: str) -> None:
    value = b", ".join([b"X-Token"] * 10_000)
    assert_same_as_starlette(
        config, preflight([(b"origin", ALLOWED), (b"access-control-request-headers", value)])
    )


def test_a_megabyte_of_commas_in_access_control_request_headers_is_refused() -> None:
    scope = preflight([(b"origin", ALLOWED), (b"access-control-request-headers", b"," * (1 << 20))])
    result = assert_same_as_starlette("listed", scope)
    assert start_of(result)["status"] == 400


def test_a_megabyte_of_commas_is_echoed_where_every_header_is_allowed() -> None:
    value = b"," * (1 << 20)
    result = assert_same_as_starlette(
        "wildcards", preflight([(b"origin", ALLOWED), (b"access-control-request-headers", value)])
    )
    assert (b"access-control-allow-headers", value) in start_of(result)["headers"]


# --- NUL, control bytes and bytes that are not UTF-8 --------------------------------------------

CONTROL_ORIGINS = [
    b"https://example.org\x00",
    b"\x00https://example.org",
    b"https://exa\x00mple.org",
    b"https://example.org\r\nset-cookie: a=b",
    b"https://example.org\t",
    b"\x01\x02\x03\x1b[31m\x7f",
    b"\x00",
]
NOT_UTF8_ORIGINS = [b"https://\xff\xfe.org", b"https://caf\xc3\x28.fr", b"\x80", b"https://b\xfccher.de"]


@config_ids
@pytest.mark.parametrize("origin", CONTROL_ORIGINS + NOT_UTF8_ORIGINS)
def test_odd_bytes_in_the_origin_of_a_simple_request(config: str, origin: bytes) -> None:
    assert_same_as_starlette(config, simple([(b"origin", origin)]))


@config_ids
@pytest.mark.parametrize("origin", CONTROL_ORIGINS + NOT_UTF8_ORIGINS)
def test_odd_bytes_in_the_origin_of_a_preflight(config: str, origin: bytes) -> None:
    assert_same_as_starlette(config, preflight([(b"origin", origin)]))


@config_ids
@pytest.mark.parametrize(
    "value",
    [
        b"x-token\x00",
        b"\x00",
        b"x-token,\x00",
        b"\x1cx-token\x1f",
        b"x-t\x7fken",
        b"X-\xc9T\xc9",
        b"\xff,\xfe",
    ],
)
def test_odd_bytes_in_access_control_request_headers(config: str, value: bytes) -> None:
    assert_same_as_starlette(
        config, preflight([(b"origin", ALLOWED), (b"access-control-request-headers", value)])
    )


@config_ids
@pytest.mark.parametrize("method", [b"GE\x00T", b"GET\x00", b"\xff", b"G\xc9T"])
def test_odd_bytes_in_access_control_request_method(config: str, method: bytes) -> None:
    scope = request_scope("OPTIONS", [(b"origin", ALLOWED), (b"access-control-request-method", method)])
    assert_same_as_starlette(config, scope)


@config_ids
def test_odd_bytes_in_the_apps_vary_header(config: str) -> None:
    app = app_with([(b"vary", b"\xff\x00\xfe"), (b"vary", b"Accept\r\n")])
    assert_same_as_starlette(config, simple([(b"origin", ALLOWED)]), app)


# --- Repeated headers ------------------------------------------------------------------------------


@config_ids
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
@pytest.mark.parametrize(
    "origins",
    [[ALLOWED, b"https://evil.com"], [b"https://evil.com", ALLOWED]],
    ids=["allowed-first", "evil-first"],
)
def test_repeated_origin_headers(config: str, method: str, origins: list[bytes]) -> None:
    scope = request_scope(method, [*((b"origin", origin) for origin in origins), *PREFLIGHT])
    assert_same_as_starlette(config, scope)


@config_ids
@pytest.mark.parametrize(
    "values", [[b"x-token", b"x-evil"], [b"x-evil", b"x-token"]], ids=["allowed-first", "refused-first"]
)
def test_repeated_access_control_request_headers(config: str, values: list[bytes]) -> None:
    requested = [(b"access-control-request-headers", value) for value in values]
    assert_same_as_starlette(config, preflight([(b"origin", ALLOWED), *requested]))


@config_ids
@pytest.mark.parametrize(
    "methods", [[b"GET", b"PURGE"], [b"PURGE", b"GET"]], ids=["allowed-first", "refused-first"]
)
def test_repeated_access_control_request_method(config: str, methods: list[bytes]) -> None:
    requested = [(b"access-control-request-method", method) for method in methods]
    assert_same_as_starlette(config, request_scope("OPTIONS", [(b"origin", ALLOWED), *requested]))


@config_ids
def test_repeated_private_network_requests(config: str) -> None:
    private = [(b"access-control-request-private-network", value) for value in (b"true", b"false")]
    assert_same_as_starlette(config, preflight([(b"origin", ALLOWED), *private]))


# --- Case ------------------------------------------------------------------------------------------


@config_ids
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
@pytest.mark.parametrize(
    "name", [b"Origin", b"ORIGIN", b"oRiGiN", b"origin ", b" origin"], ids=lambda name: repr(name)
)
def test_an_origin_header_name_in_odd_case_or_padded(config: str, method: str, name: bytes) -> None:
    assert_same_as_starlette(config, request_scope(method, [(name, ALLOWED), *PREFLIGHT]))


@config_ids
@pytest.mark.parametrize(
    "name",
    [
        b"Access-Control-Request-Method",
        b"ACCESS-CONTROL-REQUEST-HEADERS",
        b"Access-Control-Request-Private-Network",
    ],
)
def test_a_preflight_header_name_in_odd_case(config: str, name: bytes) -> None:
    headers = [(b"origin", ALLOWED), (b"access-control-request-method", b"GET"), (name, b"x-evil")]
    assert_same_as_starlette(config, request_scope("OPTIONS", headers))


@config_ids
@pytest.mark.parametrize("method", ["options", "Options", "OPTIONS ", " OPTIONS", "OPTIONS\x00", ""])
def test_a_request_method_in_odd_case_is_not_a_preflight(config: str, method: str) -> None:
    assert_same_as_starlette(config, request_scope(method, [(b"origin", ALLOWED), *PREFLIGHT]))


@config_ids
@pytest.mark.parametrize("requested", [b"get", b"Get", b"post", b"GET ", b" GET"])
def test_a_requested_method_in_odd_case(config: str, requested: bytes) -> None:
    headers = [(b"origin", ALLOWED), (b"access-control-request-method", requested)]
    assert_same_as_starlette(config, request_scope("OPTIONS", headers))


@config_ids
def test_response_header_names_in_odd_case_are_left_alone(config: str) -> None:
    app = app_with([(b"Vary", b"Accept"), (b"Access-Control-Allow-Origin", b"https://app.set")])
    assert_same_as_starlette(config, simple([(b"origin", ALLOWED)]), app)


# --- Empty values ----------------------------------------------------------------------------------


@config_ids
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_an_empty_origin(config: str, method: str) -> None:
    assert_same_as_starlette(config, request_scope(method, [(b"origin", b""), *PREFLIGHT]))


@config_ids
def test_an_empty_access_control_request_method(config: str) -> None:
    headers = [(b"origin", ALLOWED), (b"access-control-request-method", b"")]
    assert_same_as_starlette(config, request_scope("OPTIONS", headers))


@config_ids
@pytest.mark.parametrize("value", [b"", b" ", b",", b" , "])
def test_an_empty_access_control_request_headers(config: str, value: bytes) -> None:
    assert_same_as_starlette(
        config, preflight([(b"origin", ALLOWED), (b"access-control-request-headers", value)])
    )


@config_ids
def test_an_empty_private_network_request(config: str) -> None:
    private = (b"access-control-request-private-network", b"")
    assert_same_as_starlette(config, preflight([(b"origin", ALLOWED), private]))


@config_ids
def test_an_empty_header_name(config: str) -> None:
    assert_same_as_starlette(config, simple([(b"", b""), (b"", ALLOWED), (b"origin", ALLOWED)]))


@config_ids
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_no_request_headers_at_all(config: str, method: str) -> None:
    assert_same_as_starlette(config, request_scope(method, []))


@config_ids
@pytest.mark.parametrize("headers", [[], None], ids=["empty", "missing"])
def test_an_app_that_sends_no_response_headers(config: str, headers: list[Header] | None) -> None:
    assert_same_as_starlette(config, simple([(b"origin", ALLOWED)]), app_with(headers))


# --- Scopes that carry only what the middleware needs ----------------------------------------------

OPTIONAL_SCOPE_KEYS = [
    "asgi",
    "http_version",
    "scheme",
    "path",
    "raw_path",
    "query_string",
    "root_path",
    "client",
    "server",
    "extensions",
    "state",
]


@config_ids
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
@pytest.mark.parametrize("missing", OPTIONAL_SCOPE_KEYS)
def test_a_scope_missing_an_optional_key(config: str, method: str, missing: str) -> None:
    scope = request_scope(method, [(b"origin", ALLOWED), *PREFLIGHT])
    del scope[missing]
    assert_same_as_starlette(config, scope)


@config_ids
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_a_scope_with_only_type_method_and_headers(config: str, method: str) -> None:
    scope = {"type": "http", "method": method, "headers": [(b"origin", ALLOWED), *PREFLIGHT]}
    assert_same_as_starlette(config, scope)


@config_ids
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_a_scope_whose_headers_are_a_tuple_of_tuples(config: str, method: str) -> None:
    scope = request_scope(method, [])
    scope["headers"] = ((b"origin", ALLOWED), *PREFLIGHT)
    assert_same_as_starlette(config, scope)


MEMO_OPTIONS: dict[str, Any] = {
    "allow_origin_regex": r"https://[a-z0-9-]+\.example\.com",
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["X-Token", "Content-Type"],
}


def _memo_requests() -> list[Any]:
    """Endless new origins and requested-header lists (more than any memo keeps, some huge), then
    the ones a browser repeats."""
    scopes = []
    for index in range(1_300):
        origin = f"https://tenant{index}.example.{'com' if index % 2 else 'net'}".encode()
        if index % 97 == 0:
            origin += b"x" * 4_000
        requested = b"x-token," * (index % 7) + (f"x-{index}".encode() if index % 3 else b"content-type")
        if index % 89 == 0:
            requested += b",x-token" * 1_000
        scopes += [http_scope("GET", [(b"origin", origin)]), _preflight_scope(origin, requested)]
    for origin in (b"https://app.example.com", b"https://app.example.net", b"https://tenant3.example.com"):
        for requested in (b"x-token", b"x-token, x-other", b"content-type,x-token"):
            scopes += [http_scope("GET", [(b"origin", origin)]), _preflight_scope(origin, requested)]
    return scopes


def _preflight_scope(origin: bytes, requested: bytes) -> Any:
    return http_scope(
        "OPTIONS",
        [
            (b"origin", origin),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", requested),
        ],
    )


def test_verdicts_stay_starlettes_however_many_new_values_arrive() -> None:
    # The pure core remembers verdicts on origins and requested headers; a client sending new
    # values without end must neither change an answer nor grow the memory without bound.
    ours = CORSMiddleware(ok_app(), **MEMO_OPTIONS)
    theirs = StarletteCORSMiddleware(ok_app(), **MEMO_OPTIONS)
    for scope in _memo_requests():
        assert run(ours, copy.deepcopy(scope)) == run(theirs, copy.deepcopy(scope))


def test_the_pure_cores_memos_stay_bounded(implementation: str) -> None:
    if implementation != "python":
        pytest.skip(
            "the Rust core's memo (a regex's verdicts) is bounded in its own tests (rust/anchored_regex.rs)"
        )
    middleware = CORSMiddleware(ok_app(), **MEMO_OPTIONS)
    for scope in _memo_requests():
        run(middleware, scope)
    policy = middleware._policy
    assert isinstance(policy, _pure.Policy)
    for memo in (policy._origin_verdicts, policy._requested_headers_verdicts):
        assert memo is not None
        assert len(memo) == MEMO_SIZE
        assert max(map(len, memo)) <= MEMO_LONGEST_VALUE

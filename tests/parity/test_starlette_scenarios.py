"""Starlette's own CORS scenarios, restated as a specification of ``fastcors.CORSMiddleware``.

Every scenario of Starlette's ``tests/middleware/test_cors.py`` (across its revisions: wildcards with
and without credentials, explicit origins, refused preflights, every method, origin regexes and
full matching, cookies and ``Authorization``, ``Vary`` merging, private network access, ``null``
origins, method case, empty lists, ``max_age``, requests without ``Origin``, header name case) is
written here once per behaviour, with the expected values of Starlette 1.10.0, the version fastcors
replaces. Where another revision of that module expects something else (later ones reject ``null``
and leave ``Vary`` alone for ``*``; earlier ones echo the origin for cookies), the test says what
1.10.0 does, since that is what fastcors promises.

Each test serves a small Starlette app through ``httpx.ASGITransport`` and runs once per core (the
``implementation`` fixture of ``conftest.py``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from fastcors import CORSMiddleware

#: Starlette accepts these configurations, good or bad, and so must fastcors: the checks' warnings
#: are beside the point here (tests/spec/test_config_checks.py covers them).
pytestmark = pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning")

PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)
EVERY_STANDARD_METHOD = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"
SAFELISTED_AND_X_EXAMPLE = "Accept, Accept-Language, Content-Language, Content-Type, X-Example"
PLAIN_TEXT = "text/plain; charset=utf-8"

CORS_RESPONSE_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-allow-private-network",
)


class Client:
    """A synchronous client for an ASGI app, over ``httpx.ASGITransport``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, path: str = "/", headers: dict[str, str] | None = None) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await client.request(method, path, headers=headers)

        return asyncio.run(send())

    def get(self, path: str = "/", headers: dict[str, str] | None = None) -> httpx.Response:
        return self.request("GET", path, headers)

    def options(self, path: str = "/", headers: dict[str, str] | None = None) -> httpx.Response:
        return self.request("OPTIONS", path, headers)


class Served:
    """A Starlette app with one route, ``/``, behind ``fastcors.CORSMiddleware``."""

    def __init__(self, app_vary: str | None = None, **cors_options: Any) -> None:
        self.calls: list[str] = []
        self.app_vary = app_vary
        route_methods = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"]
        app = Starlette(
            routes=[Route("/", endpoint=self.homepage, methods=route_methods)],
            middleware=[Middleware(CORSMiddleware, **cors_options)],
        )
        self.client = Client(app)

    def homepage(self, request: Request) -> PlainTextResponse:
        self.calls.append(request.method)
        headers = None if self.app_vary is None else {"Vary": self.app_vary}
        return PlainTextResponse("Homepage", status_code=200, headers=headers)

    def get(self, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.get("/", headers)

    def options(self, headers: dict[str, str] | None = None, path: str = "/") -> httpx.Response:
        return self.client.options(path, headers)


def serve(app_vary: str | None = None, **cors_options: Any) -> Served:
    return Served(app_vary, **cors_options)


def cors_headers_of(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers[name] for name in CORS_RESPONSE_HEADERS if name in response.headers}


# --- Wildcards with credentials ------------------------------------------------------------------


def wildcards_with_credentials() -> Served:
    return serve(
        allow_origins=["*"],
        allow_headers=["*"],
        allow_methods=["*"],
        expose_headers=["X-Status"],
        allow_credentials=True,
    )


def test_wildcard_preflight_with_credentials_echoes_origin_and_requested_headers() -> None:
    served = wildcards_with_credentials()

    response = served.options(
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Example",
        }
    )

    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers.raw == [
        (b"vary", PREFLIGHT_VARY.encode()),
        (b"access-control-allow-methods", EVERY_STANDARD_METHOD.encode()),
        (b"access-control-max-age", b"600"),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-allow-origin", b"https://example.org"),
        (b"access-control-allow-headers", b"X-Example"),
        (b"content-length", b"2"),
        (b"content-type", PLAIN_TEXT.encode()),
    ]
    assert served.calls == []


def test_wildcard_simple_request_with_credentials_echoes_origin() -> None:
    served = wildcards_with_credentials()

    response = served.get({"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers.raw == [
        (b"content-length", b"8"),
        (b"content-type", PLAIN_TEXT.encode()),
        (b"access-control-allow-origin", b"https://example.org"),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", b"X-Status"),
        (b"vary", b"Origin"),
    ]


def test_wildcard_with_credentials_sends_no_cors_headers_to_request_without_origin() -> None:
    served = wildcards_with_credentials()

    response = served.get()

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {}
    assert response.headers["vary"] == "Origin"


def test_wildcard_with_credentials_echoes_origin_for_authorization_request() -> None:
    served = serve(allow_origins=["*"], allow_headers=["*"], allow_methods=["*"], allow_credentials=True)

    response = served.get({"Origin": "https://example.org", "Authorization": "Bearer token"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"


def test_wildcard_preflight_with_credentials_echoes_origin_instead_of_star() -> None:
    served = serve(allow_origins=["*"], allow_methods=["POST"], allow_credentials=True)

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-allow-methods"] == "POST"
    assert response.headers["vary"] == PREFLIGHT_VARY


# --- Wildcards without credentials ---------------------------------------------------------------


def wildcards_without_credentials() -> Served:
    return serve(allow_origins=["*"], allow_headers=["*"], allow_methods=["*"], expose_headers=["X-Status"])


def test_wildcard_preflight_without_credentials_answers_star() -> None:
    served = wildcards_without_credentials()

    response = served.options(
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Example",
        }
    )

    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers.raw == [
        (b"vary", PREFLIGHT_VARY.encode()),
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", EVERY_STANDARD_METHOD.encode()),
        (b"access-control-max-age", b"600"),
        (b"access-control-allow-headers", b"X-Example"),
        (b"content-length", b"2"),
        (b"content-type", PLAIN_TEXT.encode()),
    ]


def test_wildcard_simple_request_without_credentials_answers_star() -> None:
    served = wildcards_without_credentials()

    response = served.get({"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "X-Status",
    }
    assert response.headers["vary"] == "Origin"


def test_wildcard_without_credentials_sends_no_cors_headers_to_request_without_origin() -> None:
    served = wildcards_without_credentials()

    response = served.get()

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {}


def test_cookie_does_not_turn_wildcard_into_echo_without_credentials() -> None:
    served = serve(allow_origins=["*"])

    response = served.get({"Origin": "https://example.org", "Cookie": "star_cookie=sugar"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_authorization_does_not_turn_wildcard_into_echo_without_credentials() -> None:
    served = serve(allow_origins=["*"])

    response = served.get({"Origin": "https://example.org", "Authorization": "Bearer token"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


# --- An explicit origin ---------------------------------------------------------------------------


def specific_origin() -> Served:
    return serve(allow_origins=["https://example.org"], allow_headers=["X-Example", "Content-Type"])


def test_specific_origin_preflight_advertises_safelisted_and_configured_headers() -> None:
    served = specific_origin()

    response = served.options(
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Example, Content-Type",
        }
    )

    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers.raw == [
        (b"vary", PREFLIGHT_VARY.encode()),
        (b"access-control-allow-methods", b"GET"),
        (b"access-control-max-age", b"600"),
        (b"access-control-allow-headers", SAFELISTED_AND_X_EXAMPLE.encode()),
        (b"access-control-allow-origin", b"https://example.org"),
        (b"content-length", b"2"),
        (b"content-type", PLAIN_TEXT.encode()),
    ]


def test_specific_origin_simple_request_echoes_origin() -> None:
    served = specific_origin()

    response = served.get({"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {"access-control-allow-origin": "https://example.org"}
    assert response.headers["vary"] == "Origin"


def test_unlisted_origin_still_reaches_the_app_but_gets_no_allow_origin() -> None:
    served = specific_origin()

    response = served.get({"Origin": "https://another.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {}
    assert response.headers["vary"] == "Origin"
    assert served.calls == ["GET"]


def test_specific_origin_sends_no_cors_headers_to_request_without_origin() -> None:
    served = specific_origin()

    response = served.get()

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {}


# --- Refused preflights ---------------------------------------------------------------------------


def test_preflight_reports_every_failed_check_with_400() -> None:
    served = serve(allow_origins=["https://example.org"], allow_headers=["X-Example"])

    response = served.options(
        {
            "Origin": "https://another.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Nope",
        }
    )

    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin, method, headers"
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == PREFLIGHT_VARY
    assert served.calls == []


def test_refused_preflight_keeps_the_static_headers() -> None:
    served = serve(allow_origins=["https://example.org"], allow_headers=["X-Example"])

    response = served.options(
        {
            "Origin": "https://another.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Nope",
        }
    )

    assert response.headers.raw == [
        (b"vary", PREFLIGHT_VARY.encode()),
        (b"access-control-allow-methods", b"GET"),
        (b"access-control-max-age", b"600"),
        (b"access-control-allow-headers", SAFELISTED_AND_X_EXAMPLE.encode()),
        (b"content-length", b"39"),
        (b"content-type", PLAIN_TEXT.encode()),
    ]


def test_preflight_reports_headers_once_for_several_disallowed_headers() -> None:
    served = serve(allow_origins=["https://example.org"], allow_headers=["X-Example"])

    response = served.options(
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Nope-1, X-Nope-2",
        }
    )

    assert response.status_code == 400
    assert response.text == "Disallowed CORS headers"
    assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_requested_method_is_case_sensitive() -> None:
    served = serve(allow_origins=["https://example.org"], allow_methods=["POST"])

    upper = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    lower = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "post"})

    assert upper.status_code == 200
    assert upper.text == "OK"
    assert lower.status_code == 400
    assert lower.text == "Disallowed CORS method"


def test_requested_header_names_are_matched_case_insensitively() -> None:
    served = serve(allow_origins=["*"], allow_headers=["X-Custom-Header"])

    response = served.options(
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-custom-header",
        }
    )

    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Content-Language, Content-Type, X-Custom-Header"
    )


# --- Methods --------------------------------------------------------------------------------------


def test_wildcard_methods_are_advertised_as_the_eight_standard_methods() -> None:
    served = serve(allow_origins=["*"], allow_methods=["*"])

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-methods"] == EVERY_STANDARD_METHOD


def test_custom_method_is_not_covered_by_wildcard_methods() -> None:
    served = serve(allow_origins=["*"], allow_methods=["*"])

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "PURGE"})

    assert response.status_code == 400
    assert response.text == "Disallowed CORS method"


@pytest.mark.parametrize("method", ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"])
def test_wildcard_methods_let_every_method_reach_the_app(method: str) -> None:
    served = serve(allow_origins=["*"], allow_methods=["*"])

    response = served.client.request(method, "/", headers={"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert served.calls == [method]


def test_options_request_without_requested_method_is_not_a_preflight() -> None:
    served = serve(allow_origins=["https://example.org"])

    response = served.options({"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert served.calls == ["OPTIONS"]


def test_preflight_is_answered_for_any_path_without_running_the_app() -> None:
    served = serve(allow_origins=["https://example.org"])

    response = served.options(
        {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}, path="/no/such/route"
    )

    assert response.status_code == 200
    assert response.text == "OK"
    assert served.calls == []


# --- Origin regexes -------------------------------------------------------------------------------


def https_regex_with_credentials() -> Served:
    return serve(
        allow_headers=["X-Example", "Content-Type"],
        allow_origin_regex="https://.*",
        allow_credentials=True,
    )


def test_origin_regex_allows_matching_origin_on_simple_request() -> None:
    served = https_regex_with_credentials()

    response = served.get({"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {
        "access-control-allow-credentials": "true",
        "access-control-allow-origin": "https://example.org",
    }
    assert response.headers["vary"] == "Origin"


def test_cookie_does_not_change_the_answer_to_a_credentialed_origin() -> None:
    served = https_regex_with_credentials()

    response = served.get({"Origin": "https://example.org", "Cookie": "star_cookie=sugar"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"


def test_origin_regex_does_not_allow_non_matching_origin_on_simple_request() -> None:
    served = https_regex_with_credentials()

    response = served.get({"Origin": "http://example.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert "access-control-allow-origin" not in response.headers
    # Credentials are announced to every origin, allowed or not, as Starlette does.
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"


def test_origin_regex_allows_matching_origin_on_preflight() -> None:
    served = https_regex_with_credentials()

    response = served.options(
        {
            "Origin": "https://another.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Example, content-type",
        }
    )

    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == "https://another.com"
    assert response.headers["access-control-allow-headers"] == SAFELISTED_AND_X_EXAMPLE
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == PREFLIGHT_VARY


def test_origin_regex_refuses_non_matching_origin_on_preflight() -> None:
    served = https_regex_with_credentials()

    response = served.options(
        {
            "Origin": "http://another.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Example",
        }
    )

    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in response.headers


def subdomain_regex() -> Served:
    return serve(allow_headers=["X-Example", "Content-Type"], allow_origin_regex=r"https://.*\.example.org")


def test_origin_regex_allows_a_subdomain() -> None:
    served = subdomain_regex()

    response = served.get({"Origin": "https://subdomain.example.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {"access-control-allow-origin": "https://subdomain.example.org"}
    assert response.headers["vary"] == "Origin"


def test_origin_regex_must_match_the_whole_origin() -> None:
    served = subdomain_regex()

    response = served.get({"Origin": "https://subdomain.example.org.hacker.com"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [("https://example.org", True), ("https://api.trusted.com", True), ("https://evil.com", False)],
)
def test_origin_list_and_regex_are_both_consulted(origin: str, allowed: bool) -> None:
    served = serve(allow_origins=["https://example.org"], allow_origin_regex=r"https://.*\.trusted\.com")

    response = served.get({"Origin": origin})

    assert response.status_code == 200
    assert response.headers.get("access-control-allow-origin") == (origin if allowed else None)


# --- Vary -----------------------------------------------------------------------------------------


def test_vary_is_origin_when_the_app_sets_none() -> None:
    served = serve(allow_origins=["https://example.org"])

    response = served.get({"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.headers["vary"] == "Origin"


def test_vary_of_the_app_is_merged_with_origin_for_a_listed_origin() -> None:
    served = serve(app_vary="Accept-Encoding", allow_origins=["https://example.org"])

    response = served.get({"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_vary_of_the_app_is_merged_with_origin_for_wildcard_without_credentials() -> None:
    served = serve(app_vary="Accept-Encoding", allow_origins=["*"])

    response = served.get({"Origin": "https://someplace.org"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_vary_of_the_app_is_merged_with_origin_for_wildcard_with_credentials() -> None:
    served = serve(app_vary="Accept-Encoding", allow_origins=["*"], allow_credentials=True)

    response = served.get({"Cookie": "foo=bar", "Origin": "https://someplace.org"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://someplace.org"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_vary_of_the_app_is_merged_with_origin_for_authorization_request() -> None:
    served = serve(app_vary="Accept-Encoding", allow_origins=["*"])

    response = served.get({"Authorization": "Bearer token", "Origin": "https://someplace.org"})

    assert response.status_code == 200
    assert response.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_vary_of_the_app_is_merged_with_origin_for_request_without_origin() -> None:
    served = serve(app_vary="Accept-Encoding", allow_origins=["*"])

    response = served.get()

    assert response.status_code == 200
    assert cors_headers_of(response) == {}
    assert response.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_preflight_vary_lists_every_request_header_for_wildcard_origins_and_listed_methods() -> None:
    served = serve(allow_origins=["*"], allow_methods=["GET", "POST"])

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})

    assert response.status_code == 200
    assert response.headers["vary"] == PREFLIGHT_VARY
    assert response.headers["access-control-allow-methods"] == "GET, POST"


def test_preflight_vary_lists_every_request_header_for_listed_origins_and_wildcard_methods() -> None:
    served = serve(allow_origins=["https://example.org"], allow_methods=["*"])

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})

    assert response.status_code == 200
    assert response.headers["vary"] == PREFLIGHT_VARY


# --- Nothing leaks from one request to the next ---------------------------------------------------


def test_echoed_origin_does_not_leak_between_credentialed_requests() -> None:
    served = serve(allow_origins=["*"], allow_headers=["*"], allow_methods=["*"], allow_credentials=True)

    first = served.get({"Origin": "https://first.example"})
    second = served.get({"Cookie": "foo=bar", "Origin": "https://second.example"})
    third = served.get({"Origin": "https://first.example"})

    assert first.headers["access-control-allow-origin"] == "https://first.example"
    assert second.headers["access-control-allow-origin"] == "https://second.example"
    assert third.headers["access-control-allow-origin"] == "https://first.example"
    assert [r.headers["access-control-allow-credentials"] for r in (first, second, third)] == ["true"] * 3


@pytest.mark.parametrize("credential", [{"Cookie": "foo=bar"}, {"Authorization": "Bearer token"}])
def test_wildcard_answer_does_not_depend_on_earlier_requests(credential: dict[str, str]) -> None:
    served = serve(allow_origins=["*"], allow_headers=["*"], allow_methods=["*"])

    first = served.get({"Origin": "https://someplace.org"})
    second = served.get({**credential, "Origin": "https://someplace.org"})
    third = served.get({"Origin": "https://someplace.org"})

    for response in (first, second, third):
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


# --- Private network access -----------------------------------------------------------------------


def private_network(allowed: bool) -> Served:
    return serve(allow_origins=["*"], allow_methods=["*"], allow_private_network=allowed)


def test_private_network_preflight_is_granted_when_allowed() -> None:
    served = private_network(allowed=True)

    response = served.options(
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Private-Network": "true",
        }
    )

    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-private-network"] == "true"
    assert response.headers["vary"] == PREFLIGHT_VARY


def test_preflight_without_private_network_request_gets_no_grant() -> None:
    served = private_network(allowed=True)

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})

    assert response.status_code == 200
    assert response.text == "OK"
    assert "access-control-allow-private-network" not in response.headers


def test_simple_request_never_gets_a_private_network_grant() -> None:
    served = private_network(allowed=True)

    response = served.get(
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Private-Network": "true",
        }
    )

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert "access-control-allow-private-network" not in response.headers
    assert response.headers["access-control-allow-origin"] == "*"


def test_private_network_preflight_is_refused_when_not_allowed() -> None:
    served = private_network(allowed=False)

    response = served.options(
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Private-Network": "true",
        }
    )

    assert response.status_code == 400
    assert response.text == "Disallowed CORS private-network"
    assert "access-control-allow-private-network" not in response.headers
    assert response.headers["vary"] == PREFLIGHT_VARY


def test_preflight_without_private_network_request_succeeds_when_not_allowed() -> None:
    served = private_network(allowed=False)

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})

    assert response.status_code == 200
    assert response.text == "OK"
    assert "access-control-allow-private-network" not in response.headers


# --- The null origin ------------------------------------------------------------------------------


def test_null_origin_is_allowed_by_wildcard_origins() -> None:
    served = serve(allow_origins=["*"])

    preflight = served.options({"Origin": "null", "Access-Control-Request-Method": "GET"})
    simple = served.get({"Origin": "null"})

    assert preflight.status_code == 200
    assert preflight.text == "OK"
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == "*"


def test_null_origin_is_allowed_by_a_match_everything_regex() -> None:
    served = serve(allow_origin_regex=r".*")

    response = served.options({"Origin": "null", "Access-Control-Request-Method": "GET"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "null"


@pytest.mark.parametrize("origin", ["null", "https://example.org"])
def test_null_origin_is_allowed_by_a_regex_naming_it(origin: str) -> None:
    served = serve(allow_origin_regex=r"null|https://.*")

    preflight = served.options({"Origin": origin, "Access-Control-Request-Method": "GET"})
    simple = served.get({"Origin": origin})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert simple.headers["access-control-allow-origin"] == origin


def test_null_origin_can_be_listed_explicitly() -> None:
    served = serve(allow_origins=["null", "https://example.org"])

    preflight = served.options({"Origin": "null", "Access-Control-Request-Method": "GET"})
    simple = served.get({"Origin": "null"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "null"
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == "null"


# --- Empty lists, max age, no origin --------------------------------------------------------------


def test_empty_origin_list_refuses_preflight() -> None:
    served = serve(allow_origins=[])

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})

    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == PREFLIGHT_VARY


def test_empty_origin_list_sends_no_allow_origin_on_simple_request() -> None:
    served = serve(allow_origins=[])

    response = served.get({"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {}
    assert response.headers["vary"] == "Origin"


def test_max_age_defaults_to_600_seconds() -> None:
    served = serve(allow_origins=["*"])

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})

    assert response.status_code == 200
    assert response.headers["access-control-max-age"] == "600"


def test_max_age_is_configurable() -> None:
    served = serve(allow_origins=["*"], max_age=7200)

    response = served.options({"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})

    assert response.status_code == 200
    assert response.headers["access-control-max-age"] == "7200"


def test_request_without_origin_gets_vary_origin_but_no_cors_headers() -> None:
    served = serve(allow_origins=["*"])

    response = served.get()

    assert response.status_code == 200
    assert response.text == "Homepage"
    assert cors_headers_of(response) == {}
    assert response.headers.raw == [
        (b"content-length", b"8"),
        (b"content-type", PLAIN_TEXT.encode()),
        (b"vary", b"Origin"),
    ]


# --- Ways of installing the middleware ------------------------------------------------------------


def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Homepage")


def test_add_middleware_on_starlette() -> None:
    app = Starlette(routes=[Route("/", endpoint=homepage)])
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.org"], allow_methods=["GET", "POST"])
    client = Client(app)

    preflight = client.options(
        "/", {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    simple = client.get("/", {"Origin": "https://example.org"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://example.org"
    assert preflight.headers["access-control-allow-methods"] == "GET, POST"
    assert simple.text == "Homepage"
    assert simple.headers["access-control-allow-origin"] == "https://example.org"
    assert simple.headers["vary"] == "Origin"


def test_add_middleware_on_fastapi() -> None:
    app = FastAPI()

    @app.get("/items")
    def items() -> dict[str, int]:
        return {"count": 3}

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://example.org"],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    client = Client(app)

    preflight = client.options(
        "/items",
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "x-token",
        },
    )
    simple = client.get("/items", {"Origin": "https://example.org"})
    refused = client.get("/items", {"Origin": "https://evil.example"})

    assert preflight.status_code == 200
    assert preflight.text == "OK"
    assert preflight.headers["access-control-allow-origin"] == "https://example.org"
    assert preflight.headers["access-control-allow-headers"] == "x-token"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert simple.json() == {"count": 3}
    assert simple.headers["access-control-allow-origin"] == "https://example.org"
    assert simple.headers["access-control-allow-credentials"] == "true"
    assert refused.json() == {"count": 3}
    assert "access-control-allow-origin" not in refused.headers


def test_wraps_a_bare_asgi_function() -> None:
    async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": [(b"vary", b"Cookie")]})
        await send({"type": "http.response.body", "body": b""})

    client = Client(CORSMiddleware(bare_app, allow_origins=["https://example.org"], expose_headers=["X-A"]))

    response = client.get("/", {"Origin": "https://example.org"})

    assert response.status_code == 204
    assert response.headers.raw == [
        (b"vary", b"Cookie, Origin"),
        (b"access-control-expose-headers", b"X-A"),
        (b"access-control-allow-origin", b"https://example.org"),
    ]


def test_bare_asgi_function_behind_the_middleware_never_sees_a_preflight() -> None:
    calls: list[Scope] = []

    async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope)
        await Response("app")(scope, receive, send)

    client = Client(CORSMiddleware(bare_app, allow_origins=["https://example.org"]))

    response = client.options("/", {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})

    assert response.status_code == 200
    assert response.text == "OK"
    assert calls == []


def test_positional_arguments_follow_starlettes_order() -> None:
    async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("a preflight never reaches the app")  # pragma: no cover

    middleware = CORSMiddleware(
        bare_app,
        ["https://example.org"],  # allow_origins
        ["GET", "PUT"],  # allow_methods
        ["X-Example"],  # allow_headers
        True,  # allow_credentials
        r"https://.*\.example\.net",  # allow_origin_regex
        True,  # allow_private_network
        ["X-Status"],  # expose_headers
        42,  # max_age
    )
    client = Client(middleware)

    response = client.options(
        "/",
        {
            "Origin": "https://api.example.net",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "x-example",
            "Access-Control-Request-Private-Network": "true",
        },
    )

    assert response.status_code == 200
    assert response.headers.raw == [
        (b"vary", PREFLIGHT_VARY.encode()),
        (b"access-control-allow-methods", b"GET, PUT"),
        (b"access-control-max-age", b"42"),
        (b"access-control-allow-headers", SAFELISTED_AND_X_EXAMPLE.encode()),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-allow-origin", b"https://api.example.net"),
        (b"access-control-allow-private-network", b"true"),
        (b"content-length", b"2"),
        (b"content-type", PLAIN_TEXT.encode()),
    ]

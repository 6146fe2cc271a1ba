"""``python -m fastcors check``: a browser's verdict, against real servers on loopback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from fastcors._cli import main
from fastcors._fetch import unsafe_header_names
from fastcors._types import ASGIApp, Receive, Scope, Send
from tests.loopback import LoopbackServer, free_port, running_loopback_server

PAGE = "https://app.example.com"
OPTIONS: dict[str, Any] = {
    "allow_origins": [PAGE],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["X-Token"],
}


class Endpoint:
    """An app without CORS that counts the requests reaching it."""

    def __init__(self, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.requests: list[str] = []
        self.headers = headers or []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.requests.append(scope["method"])
        headers = [(b"content-type", b"text/plain"), *self.headers]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"hello"})


def misconfigured(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The mistakes people make by hand: `*` with credentials, an origin with a trailing slash."""
    if scope["path"] == "/star-with-credentials":
        return [(b"access-control-allow-origin", b"*"), (b"access-control-allow-credentials", b"true")]
    if scope["path"] == "/trailing-slash":
        return [(b"access-control-allow-origin", PAGE.encode() + b"/")]
    return [(b"access-control-allow-origin", b"*"), (b"access-control-allow-headers", b"*")]


async def misconfigured_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": misconfigured(scope)})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture(scope="module")
def loopback() -> Iterator[LoopbackServer]:
    with running_loopback_server() as server:
        yield server


def serving(loopback: LoopbackServer, app: ASGIApp) -> str:
    loopback.app = app
    return loopback.url("/items")


def check(*arguments: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["check", *arguments], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_a_simple_request_from_an_allowed_origin_is_allowed_without_a_preflight(
    loopback: LoopbackServer,
) -> None:
    endpoint = Endpoint()
    url = serving(loopback, CORSMiddleware(endpoint, **OPTIONS))
    status, out, _ = check(url, "--origin", PAGE)
    assert status == 0
    assert "preflight: none" in out
    assert f"ALLOWED: a page at {PAGE} can read the response to GET {url}." in out
    assert endpoint.requests == ["GET"]


def test_a_request_that_needs_a_preflight_sends_it_first(loopback: LoopbackServer) -> None:
    endpoint = Endpoint()
    url = serving(loopback, CORSMiddleware(endpoint, **OPTIONS))
    status, out, _ = check(url, "--origin", PAGE, "--method", "PUT", "--header", "X-Token: 1")
    assert status == 0, out
    assert f"preflight: OPTIONS {url} -> 200" in out
    assert endpoint.requests == ["PUT"]  # the middleware answered the preflight


def test_an_origin_the_server_does_not_allow_is_blocked_with_the_header_to_send(
    loopback: LoopbackServer,
) -> None:
    url = serving(loopback, CORSMiddleware(Endpoint(), **OPTIONS))
    status, out, _ = check(url, "--origin", "https://evil.example")
    assert status == 1
    assert "BLOCKED: a page at https://evil.example cannot read the response" in out
    assert "failed check (request): the response has no Access-Control-Allow-Origin header." in out
    assert "the server must send: Access-Control-Allow-Origin: https://evil.example (or *)" in out


def test_a_refused_preflight_stops_there_as_in_a_browser(loopback: LoopbackServer) -> None:
    endpoint = Endpoint()
    url = serving(loopback, CORSMiddleware(endpoint, **OPTIONS))
    status, out, _ = check(url, "--origin", PAGE, "--method", "PUT", "--header", "X-Other")
    assert status == 1
    assert "failed check (preflight): the response has no Access-Control-Allow-Origin" not in out
    assert "failed check (preflight): the preflight got status 400" in out
    assert "and the request header 'x-other' is not in Access-Control-Allow-Headers" in out
    assert "the server must send: Access-Control-Allow-Headers: x-other" in out
    assert "a browser does not send the request after a failed preflight" in out
    assert endpoint.requests == []


def test_a_method_the_preflight_does_not_list_is_named(loopback: LoopbackServer) -> None:
    options = {**OPTIONS, "allow_methods": ["*"]}
    url = serving(loopback, StarletteCORSMiddleware(Endpoint(), **options))
    status, out, _ = check(url, "--origin", PAGE, "--method", "PURGE")
    assert status == 1
    assert "preflight got status 400" in out


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ((PAGE,), 0),
        (("https://evil.example",), 1),
        ((PAGE, "--method", "PUT", "--header", "X-Token"), 0),
        ((PAGE, "--method", "DELETE"), 1),
        ((PAGE, "--header", "Content-Type: application/json"), 0),  # Starlette always allows it
        ((PAGE, "--header", "X-Other"), 1),
        ((PAGE, "--method", "POST", "--header", "Content-Type: text/plain;charset=utf-8"), 0),
        ((PAGE, "--credentials"), 1),
    ],
)
def test_starlettes_middleware_and_fastcors_get_the_same_verdicts(
    loopback: LoopbackServer, arguments: tuple[str, ...], expected: int
) -> None:
    origin, *rest = arguments
    verdicts = []
    for middleware in (StarletteCORSMiddleware, CORSMiddleware):
        url = serving(loopback, middleware(Endpoint(), **OPTIONS))
        verdicts.append(check(url, "--origin", origin, *rest)[0])
    assert verdicts == [expected, expected]


def test_credentials_need_the_server_to_allow_them(loopback: LoopbackServer) -> None:
    url = serving(loopback, CORSMiddleware(Endpoint(), **OPTIONS))
    status, out, _ = check(url, "--origin", PAGE, "--credentials")
    assert status == 1
    assert "does not send Access-Control-Allow-Credentials: true (got none)" in out
    url = serving(loopback, CORSMiddleware(Endpoint(), **OPTIONS, allow_credentials=True))
    assert check(url, "--origin", PAGE, "--credentials")[0] == 0


def test_star_with_credentials_is_blocked(loopback: LoopbackServer) -> None:
    loopback.app = misconfigured_app
    status, out, _ = check(loopback.url("/star-with-credentials"), "--origin", PAGE, "--credentials")
    assert status == 1
    assert "allows '*', which browsers refuse for a request with credentials" in out
    assert f"must send: Access-Control-Allow-Origin: {PAGE} and Access-Control-Allow-Credentials: true" in out


def test_an_origin_with_a_trailing_slash_is_blocked(loopback: LoopbackServer) -> None:
    loopback.app = misconfigured_app
    status, out, _ = check(loopback.url("/trailing-slash"), "--origin", PAGE)
    assert status == 1
    assert f"allows '{PAGE}/', which is not the page's origin '{PAGE}'" in out


def test_star_does_not_cover_authorization(loopback: LoopbackServer) -> None:
    loopback.app = misconfigured_app
    status, out, _ = check(loopback.url("/star"), "--origin", PAGE, "--header", "Authorization: Bearer x")
    assert status == 1
    assert "'*' never covers Authorization" in out
    assert check(loopback.url("/star"), "--origin", PAGE, "--header", "X-Token")[0] == 0


def test_a_server_without_cors_is_blocked(loopback: LoopbackServer) -> None:
    url = serving(loopback, Endpoint())
    status, out, _ = check(url, "--origin", PAGE)
    assert status == 1
    assert "(no CORS headers)" in out


def test_json_output_for_scripts(loopback: LoopbackServer) -> None:
    url = serving(loopback, CORSMiddleware(Endpoint(), **OPTIONS))
    status, out, _ = check(url, "--origin", PAGE, "--method", "PUT", "--header", "X-Other", "--json")
    verdict = json.loads(out)
    assert status == 1
    assert verdict["allowed"] is False
    assert verdict["preflight"]["status"] == 400
    assert verdict["request"] is None
    assert verdict["failure"]["step"] == "preflight"
    assert ["access-control-request-headers", "x-other"] in [
        [name.lower(), value] for name, value in verdict["preflight"]["request_headers"]
    ]


def test_an_unreachable_server_exits_with_2() -> None:
    status, _, err = check(f"http://127.0.0.1:{free_port()}/", "--origin", PAGE)
    assert status == 2
    assert err.startswith("error: could not reach")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("--header", "Cookie: a=1"), "a page cannot set the header 'Cookie'"),
        (("--method", "TRACE"), "browsers never send the method TRACE"),
    ],
)
def test_what_no_page_can_send_exits_with_2(arguments: tuple[str, ...], expected: str) -> None:
    status, _, err = check("http://127.0.0.1:9/", "--origin", PAGE, *arguments)
    assert status == 2
    assert err.startswith(f"error: {expected}")


def test_a_missing_origin_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "http://127.0.0.1:9/"]) == 2
    assert "--origin" in capsys.readouterr().err


def test_the_module_runs_as_a_command_with_an_example_in_its_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fastcors", "check", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "python -m fastcors check https://api.example.com/items --origin" in result.stdout
    assert "exit status: 0" in result.stdout


# Response headers are read as Fetch reads them: repeated ones combined, then parsed.


class Answering:
    """An app without CORS middleware that answers every request with fixed CORS headers."""

    def __init__(self, preflight: list[tuple[bytes, bytes]], request: list[tuple[bytes, bytes]]) -> None:
        self.preflight = preflight
        self.request = request
        self.requests: list[tuple[str, str, dict[bytes, bytes]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.requests.append((scope["method"], scope["path"], dict(scope["headers"])))
        headers = self.preflight if scope["method"] == "OPTIONS" else self.request
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


ALLOW_PAGE = (b"access-control-allow-origin", PAGE.encode())


def test_repeated_allow_methods_are_combined_and_an_item_that_is_not_a_method_fails(
    loopback: LoopbackServer,
) -> None:
    methods = [(b"access-control-allow-methods", b"PUT PATCH"), (b"access-control-allow-methods", b"PUT")]
    loopback.app = Answering([ALLOW_PAGE, *methods], [ALLOW_PAGE])
    status, out, _ = check(loopback.url("/items"), "--origin", PAGE, "--method", "PUT")
    assert status == 1, out
    assert "failed check (preflight): Access-Control-Allow-Methods is not a comma-separated list" in out


def test_repeated_allow_headers_are_combined_as_browsers_combine_them(loopback: LoopbackServer) -> None:
    names = [(b"access-control-allow-headers", b"x-token"), (b"access-control-allow-headers", b"x-other")]
    loopback.app = Answering([ALLOW_PAGE, *names], [ALLOW_PAGE])
    status, out, _ = check(
        loopback.url("/items"), "--origin", PAGE, "--header", "X-Token", "--header", "X-Other"
    )
    assert status == 0, out


# When a browser sends a preflight: Fetch's CORS-unsafe request-header names, clause by clause.

CORS_UNSAFE_REQUEST_HEADER_NAMES = {
    "a name that is not safelisted": ([("X-Token", "1")], ["x-token"]),
    "a value of 128 bytes": ([("Accept", "a" * 128)], []),
    "a value over 128 bytes": ([("Accept", "a" * 129)], ["accept"]),
    "accept with an unsafe byte": ([("Accept", 'text/"html"')], ["accept"]),
    "accept with a tab": ([("Accept", "text/html,\t*/*;q=0.8")], []),
    "accept with a control byte": ([("Accept", "text/html\x01")], ["accept"]),
    "accept-language with its bytes": ([("Accept-Language", "en-US,fr;q=0.5, *")], []),
    "accept-language with another byte": ([("Accept-Language", "en_US")], ["accept-language"]),
    "content-language with another byte": ([("Content-Language", "de/AT")], ["content-language"]),
    "content-type of a safelisted essence": ([("Content-Type", "Text/Plain;charset=UTF-8")], []),
    "content-type with whitespace around": ([("Content-Type", " multipart/form-data ; boundary=x")], []),
    "content-type of another essence": ([("Content-Type", "application/json")], ["content-type"]),
    "content-type with an unsafe byte": ([("Content-Type", 'text/plain; charset="utf-8"')], ["content-type"]),
    "content-type that is no MIME type": ([("Content-Type", "text")], ["content-type"]),
    "content-type with an empty subtype": ([("Content-Type", "text/;x=y")], ["content-type"]),
    "content-type with two types": ([("Content-Type", "text/plain, text/html")], ["content-type"]),
    "range from a start": ([("Range", "bytes=5-")], []),
    "range from a start to an end": ([("Range", "bytes=5-10")], []),
    "range of one byte": ([("Range", "bytes=5-5")], []),
    "range ending before its start": ([("Range", "bytes=5-1")], ["range"]),
    "range of a suffix": ([("Range", "bytes=-5")], ["range"]),
    "range of several ranges": ([("Range", "bytes=0-1,3-4")], ["range"]),
    "range with whitespace": ([("Range", "bytes= 5-")], ["range"]),
    "range of another unit": ([("Range", "items=5-")], ["range"]),
    "range with no numbers": ([("Range", "bytes=-")], ["range"]),
    "safelisted values of 1024 bytes together": ([("Accept", "a" * 128)] * 8, []),
    "safelisted values over 1024 bytes together": (
        [("Accept", "a" * 128)] * 8 + [("Content-Language", "de"), ("X-Token", "1")],
        ["accept", "content-language", "x-token"],
    ),
    "names deduplicated, lowercased and sorted": (
        [("X-B", "1"), ("x-a", "1"), ("X-A", "2"), ("Accept", "*/*")],
        ["x-a", "x-b"],
    ),
}


@pytest.mark.parametrize(
    ("headers", "expected"),
    CORS_UNSAFE_REQUEST_HEADER_NAMES.values(),
    ids=CORS_UNSAFE_REQUEST_HEADER_NAMES.keys(),
)
def test_the_cors_unsafe_request_header_names_follow_every_clause_of_fetch(
    headers: list[tuple[str, str]], expected: list[str]
) -> None:
    assert unsafe_header_names(headers) == expected


@pytest.mark.parametrize(
    "headers",
    [
        ["--header", "Range: bytes=5-1"],
        [*["--header", "Accept: " + "a" * 128] * 8, "--header", "Range: bytes=0-"],
    ],
    ids=["a range that is not simple", "safelisted values over 1024 bytes"],
)
def test_a_request_fetch_preflights_is_preflighted(loopback: LoopbackServer, headers: list[str]) -> None:
    endpoint = Endpoint()
    url = serving(loopback, CORSMiddleware(endpoint, **OPTIONS))
    status, out, _ = check(url, "--origin", PAGE, *headers)
    assert status == 1, out
    assert f"preflight: OPTIONS {url} -> 400" in out
    assert endpoint.requests == []


# What no page can send is a usage error, in one line.


def test_a_non_ascii_origin_is_a_usage_error_naming_the_punycode_form() -> None:
    status, out, err = check("http://127.0.0.1:9/", "--origin", "https://bücher.example")
    assert (status, out) == (2, "")
    assert err == (
        "error: --origin 'https://bücher.example' is not ASCII: browsers send origins in ASCII, with "
        "international domain names in their punycode form: write 'https://xn--bcher-kva.example'\n"
    )


# Redirects are followed hop by hop, as Fetch follows them for a CORS request.


class Redirecting:
    """Redirects ``/items`` to ``location``, with ``headers`` on the redirect."""

    def __init__(self, location: str, headers: list[tuple[bytes, bytes]], status: int = 302) -> None:
        self.location = location
        self.headers = headers
        self.status = status
        self.requests: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.requests.append(f"{scope['method']} {scope['path']}")
        headers = [(b"location", self.location.encode()), *self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(scope="module")
def other_loopback() -> Iterator[LoopbackServer]:
    """A second server: another origin."""
    with running_loopback_server() as server:
        yield server


def test_a_redirect_is_followed_and_its_target_checked_as_a_browser_does(
    loopback: LoopbackServer, other_loopback: LoopbackServer
) -> None:
    target = Endpoint()
    other_loopback.app = target
    loopback.app = Redirecting(other_loopback.url("/final"), [ALLOW_PAGE])
    status, out, _ = check(loopback.url("/items"), "--origin", PAGE)
    assert status == 1, out
    assert f"request: GET {loopback.url('/items')} -> 302" in out
    assert f"redirect 1: GET {other_loopback.url('/final')} with Origin: null" in out
    assert "failed check (request, after 1 redirect): the response has no Access-Control-Allow-Origin" in out
    assert target.requests == ["GET"]
    loopback.app = Redirecting(other_loopback.url("/final"), [])  # a redirect a browser refuses to follow
    status, out, _ = check(loopback.url("/items"), "--origin", PAGE)
    assert status == 1, out
    assert "failed check (request): the response has no Access-Control-Allow-Origin header" in out
    assert target.requests == ["GET"]


def test_a_redirect_to_another_origin_sends_origin_null_as_browsers_do(
    loopback: LoopbackServer, other_loopback: LoopbackServer
) -> None:
    target = Answering([], [(b"access-control-allow-origin", b"*")])
    other_loopback.app = target
    loopback.app = Redirecting(other_loopback.url("/final"), [ALLOW_PAGE])
    assert check(loopback.url("/items"), "--origin", PAGE)[0] == 0
    assert [(method, path, headers.get(b"origin")) for method, path, headers in target.requests] == [
        ("GET", "/final", b"null")
    ]
    other_loopback.app = CORSMiddleware(Endpoint(), **OPTIONS)  # allows the page's origin, not null
    status, out, _ = check(loopback.url("/items"), "--origin", PAGE)
    assert status == 1, out
    assert "the response has no Access-Control-Allow-Origin header" in out


def test_a_redirect_to_the_same_origin_keeps_the_pages_origin(loopback: LoopbackServer) -> None:
    endpoint = Endpoint()
    redirect = Redirecting("/final", [], status=307)
    routes = {"/items": CORSMiddleware(redirect, **OPTIONS), "/final": CORSMiddleware(endpoint, **OPTIONS)}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await routes[scope["path"]](scope, receive, send)

    loopback.app = app
    status, out, _ = check(loopback.url("/items"), "--origin", PAGE, "--method", "PUT", "--header", "X-Token")
    assert status == 0, out
    assert f"redirect 1: PUT {loopback.url('/final')} with Origin: {PAGE}" in out
    assert f"preflight: OPTIONS {loopback.url('/final')} -> 200" in out
    assert redirect.requests == ["PUT /items"]
    assert endpoint.requests == ["PUT"]  # both preflights were answered by the middleware


def test_a_request_to_the_pages_own_origin_needs_no_cors_headers(loopback: LoopbackServer) -> None:
    url = serving(loopback, Endpoint())
    status, out, _ = check(url, "--origin", loopback.url("").rstrip("/"), "--method", "PUT")
    assert status == 0, out
    assert "note: the URL is on the page's own origin: a browser applies no CORS check to it" in out


def test_more_than_twenty_redirects_are_blocked(loopback: LoopbackServer) -> None:
    redirect = Redirecting("/items", [(b"access-control-allow-origin", b"*")])
    loopback.app = redirect
    status, out, _ = check(loopback.url("/items"), "--origin", PAGE)
    assert status == 1, out
    assert "failed check (request, after 20 redirects): browsers follow at most 20 redirects" in out
    assert len(redirect.requests) == 21

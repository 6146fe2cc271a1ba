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
from fastcors._types import ASGIApp, Receive, Scope, Send

from .loopback import LoopbackServer, free_port, running_loopback_server

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

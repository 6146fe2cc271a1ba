"""fastcors as the outermost app of real servers: each must see an ASGI 3 app and serve it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import fetch, free_port, start, stop

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.server_app:app"
QUIET = ["--log-level", "warning"]
SERVERS = {
    "uvicorn": [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", "{port}", *QUIET],
    "hypercorn": [sys.executable, "-m", "hypercorn", APP, "--bind", "127.0.0.1:{port}", *QUIET],
    "granian": [sys.executable, "-m", "granian", "--interface", "asgi", "--port", "{port}", *QUIET, APP],
}


@pytest.fixture(params=list(SERVERS))
def server(request: pytest.FixtureRequest, implementation: str) -> Iterator[int]:
    """A server running the app on a free loopback port, stopped by its process group."""
    pytest.importorskip(request.param)
    port = free_port()
    command = [part.format(port=port) for part in SERVERS[request.param]]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FASTCORS_NO_EXTENSIONS": "1" if implementation == "python" else "",
    }
    process = start(command, port, cwd=ROOT, env=env, what=request.param)
    try:
        yield port
    finally:
        stop(process)


def test_a_simple_request_gets_the_cors_headers_from_the_chosen_core(
    server: int, implementation: str
) -> None:
    status, headers, body = fetch(server, "GET", {"Origin": "https://app.example.com"})
    assert status == 200
    assert body == implementation.encode()
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert headers["vary"] == "Origin"


def test_a_preflight_is_answered_by_the_middleware(server: int) -> None:
    status, headers, body = fetch(
        server, "OPTIONS", {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
    )
    assert (status, body) == (200, b"OK")
    assert headers["access-control-allow-methods"] == "GET, PUT"
    assert headers["access-control-allow-origin"] == "https://app.example.com"


def test_a_refused_preflight_says_why(server: int) -> None:
    status, _, body = fetch(
        server, "OPTIONS", {"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}
    )
    assert (status, body) == (400, b"Disallowed CORS origin")

"""fastcors as the outermost app of real servers: each must see an ASGI 3 app and serve it."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = "tests.server_app:app"
QUIET = ["--log-level", "warning"]
SERVERS = {
    "uvicorn": [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", "{port}", *QUIET],
    "hypercorn": [sys.executable, "-m", "hypercorn", APP, "--bind", "127.0.0.1:{port}", *QUIET],
    "granian": [sys.executable, "-m", "granian", "--interface", "asgi", "--port", "{port}", *QUIET, APP],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"{request.param} exited with {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{request.param} did not listen on port {port}")
                time.sleep(0.05)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fetch(port: int, method: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, "/", headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


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

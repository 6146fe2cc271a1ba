"""The README's examples (``examples/``), each served by a real uvicorn on a loopback port.

Every example configures the same policy: ``https://app.example.com`` may call ``GET`` and ``POST``
``/items/{id}`` with cookies, sending ``Content-Type`` and ``Authorization`` and reading
``X-Request-ID``, and may cache the preflight for an hour. ``fastapi_routes`` does so under
``/items`` alone, through ``routes``; ``fastapi_shadow`` tries a candidate beside it, report-only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import serving
from tests.serving import free_port, start, stop

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: example module -> the framework it needs
FRAMEWORKS = {
    "fastapi_app": "fastapi",
    "fastapi_routes": "fastapi",
    "fastapi_shadow": "fastapi",
    "starlette_app": "starlette",
    "litestar_app": "litestar",
    "quart_app": "quart",
    "raw_asgi": "fastcors",
    "prometheus_metrics": "prometheus_client",
}
ALLOWED = "https://app.example.com"


class Servers:
    """One uvicorn per example and core, started on first use and stopped at the end of the module."""

    def __init__(self) -> None:
        self.running: dict[tuple[str, str], tuple[subprocess.Popen[bytes], int]] = {}

    def port(self, example: str, implementation: str) -> int:
        if (example, implementation) not in self.running:
            port = free_port()
            command = [sys.executable, "-m", "uvicorn", f"{example}:app", "--app-dir", str(EXAMPLES)]
            command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            env = {**os.environ, "FASTCORS_NO_EXTENSIONS": "1" if implementation == "python" else ""}
            what = f"uvicorn serving examples/{example}.py"
            self.running[example, implementation] = (start(command, port, cwd=ROOT, env=env, what=what), port)
        return self.running[example, implementation][1]

    def stop_all(self) -> None:
        for process, _ in self.running.values():
            stop(process)
        self.running.clear()


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    running = Servers()
    try:
        yield running
    finally:
        running.stop_all()


@pytest.fixture(params=list(FRAMEWORKS))
def port(request: pytest.FixtureRequest, servers: Servers, implementation: str) -> int:
    """The port of a uvicorn serving ``examples/<example>.py`` on the test's core."""
    pytest.importorskip(FRAMEWORKS[request.param])
    return servers.port(request.param, implementation)


def fetch(port: int, method: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    return serving.fetch(port, method, headers, path="/items/7")


def test_an_allowed_origin_reads_the_response_with_credentials(port: int) -> None:
    status, headers, body = fetch(port, "GET", {"Origin": ALLOWED})
    assert (status, json.loads(body)) == (200, {"item_id": 7})
    assert headers["access-control-allow-origin"] == ALLOWED
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-expose-headers"] == "X-Request-ID"
    assert headers["vary"] == "Origin"


def test_an_allowed_preflight_is_answered_with_the_policy(port: int) -> None:
    status, headers, body = fetch(
        port,
        "OPTIONS",
        {
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert (status, body) == (200, b"OK")
    assert headers["access-control-allow-origin"] == ALLOWED
    assert headers["access-control-allow-methods"] == "GET, POST"
    assert headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Authorization, Content-Language, Content-Type"
    )
    assert headers["access-control-max-age"] == "3600"


def test_another_origin_gets_no_permission(port: int) -> None:
    status, headers, _ = fetch(port, "GET", {"Origin": "https://evil.example.net"})
    assert status == 200
    assert "access-control-allow-origin" not in headers


def test_a_preflight_from_another_origin_is_refused(port: int) -> None:
    status, headers, body = fetch(
        port, "OPTIONS", {"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"}
    )
    assert (status, body) == (400, b"Disallowed CORS origin")
    assert "access-control-allow-origin" not in headers


def outcomes(port: int) -> dict[str, float]:
    """``fastcors_requests_total`` of the example's ``/metrics``, by outcome, as Prometheus reads it."""
    from prometheus_client.parser import text_string_to_metric_families

    status, headers, body = serving.fetch(port, "GET", {}, path="/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "fastcors_requests_total" and sample.labels["middleware"] == "api"
    }


def test_the_prometheus_example_counts_what_the_middleware_answered(
    servers: Servers, implementation: str
) -> None:
    pytest.importorskip("prometheus_client")
    port = servers.port("prometheus_metrics", implementation)
    before = outcomes(port)
    fetch(port, "GET", {"Origin": ALLOWED})
    fetch(port, "OPTIONS", {"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"})
    after = outcomes(port)
    assert after["simple_allowed"] - before["simple_allowed"] == 1
    assert after["preflight_refused"] - before["preflight_refused"] == 1
    # The first scrape itself, a request without an Origin, was counted once its response started.
    assert after["no_origin"] - before["no_origin"] == 1


def test_the_routes_example_lets_any_page_read_its_status_route(
    servers: Servers, implementation: str
) -> None:
    pytest.importorskip("fastapi")
    port = servers.port("fastapi_routes", implementation)
    status, headers, body = serving.fetch(port, "GET", {"Origin": "https://evil.example.net"}, path="/status")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers


def test_the_routes_example_adds_no_cors_headers_outside_its_routes(
    servers: Servers, implementation: str
) -> None:
    pytest.importorskip("fastapi")
    port = servers.port("fastapi_routes", implementation)
    status, headers, _ = serving.fetch(port, "GET", {"Origin": ALLOWED}, path="/docs")
    assert status == 200
    assert [name for name in headers if name.startswith("access-control-") or name == "vary"] == []


def test_the_routes_example_leaves_a_preflight_outside_its_routes_to_the_app(
    servers: Servers, implementation: str
) -> None:
    pytest.importorskip("fastapi")
    port = servers.port("fastapi_routes", implementation)
    preflight = {"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
    status, headers, body = serving.fetch(port, "OPTIONS", preflight, path="/webhooks/github")
    # FastAPI's own answer to an OPTIONS on a POST route, not the middleware's 200 "OK".
    assert (status, json.loads(body)) == (405, {"detail": "Method Not Allowed"})
    assert "access-control-allow-origin" not in headers


def test_the_shadow_example_answers_as_the_live_configuration_and_reports_the_candidates_difference(
    servers: Servers, implementation: str
) -> None:
    pytest.importorskip("fastapi")
    port = servers.port("fastapi_shadow", implementation)
    _, _, before = serving.fetch(port, "GET", {}, path="/shadow")
    status, headers, _ = serving.fetch(port, "GET", {"Origin": "https://beta.example.com"}, path="/items/7")
    assert status == 200
    assert "access-control-allow-origin" not in headers  # the live configuration's answer
    _, _, after = serving.fetch(port, "GET", {}, path="/shadow")
    assert json.loads(after)["count"] - json.loads(before)["count"] == 1
    assert json.loads(after)["recent"][-1] == {
        "origin": "https://beta.example.com",
        "path": "/items/7",
        "live": False,
        "shadow": True,
    }

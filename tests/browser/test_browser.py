"""Chromium enforces each scenario's policy, and fastcors (both cores) gives it Starlette's outcome.

Each scenario of ``scenarios.py`` runs in a real headless Chromium against a real uvicorn server, once
per middleware: fastcors with the Rust core, with the pure-Python core, and Starlette's own
``CORSMiddleware`` with the same configuration. The test checks what the page's script observed
and what the server saw against the scenario's row, so the three give the browser the same outcome.
For each ``fetch()`` row, ``python -m fastcors check`` asks the same server the same question and
must give Chromium's verdict.
"""

from __future__ import annotations

import io

import pytest

from fastcors._cli import main as fastcors_cli

from .harness import API_HOST, ApiServers, Chromium
from .scenarios import SCENARIOS, Fetch, Readable, Scenario

pytestmark = pytest.mark.browser

CASES = [
    pytest.param(scenario, middleware, id=f"{scenario.name}-{middleware}")
    for scenario in SCENARIOS
    for middleware in scenario.middlewares
]
FETCH_CASES = [
    pytest.param(
        scenario,
        middleware,
        id=f"{scenario.name}-{middleware}",
        marks=[pytest.mark.skip(reason=scenario.no_cli)] if scenario.no_cli else [],
    )
    for scenario in SCENARIOS
    if isinstance(scenario.action, Fetch)
    for middleware in scenario.middlewares
]


@pytest.mark.parametrize(("scenario", "implementation"), CASES)
def test_chromium_observes_the_scenarios_outcome(
    scenario: Scenario, implementation: str, chromium: Chromium, api_servers: ApiServers, token: str
) -> None:
    server = api_servers[implementation]
    assert server.whoami["middleware"] == implementation
    if implementation != "starlette":
        assert server.whoami["core"] == implementation

    if isinstance(scenario.action, Fetch):
        url = server.url("http", scenario.name, token, scenario.action.app)
        observed = chromium.fetch(scenario.page, url, scenario.action)
        assert observed == [scenario.observed] * scenario.action.times
    else:
        observed_socket = chromium.open_websocket(scenario.page, server.url("ws", scenario.name, token))
        assert observed_socket == scenario.observed
    assert server.seen(token) == scenario.seen


@pytest.mark.parametrize(("scenario", "implementation"), FETCH_CASES)
def test_fastcors_check_agrees_with_chromium(
    scenario: Scenario, implementation: str, api_servers: ApiServers, placeholders: dict[str, str], token: str
) -> None:
    """``python -m fastcors check`` exits 0 exactly for the rows whose response Chromium can read."""
    assert isinstance(scenario.action, Fetch)
    server = api_servers[implementation]
    # The API's address, not its name: the CLI resolves names itself, and *.localhost may not resolve.
    url = server.url("http", scenario.name, token, scenario.action.app).replace(API_HOST, "127.0.0.1", 1)
    origin = "null" if scenario.page == "sandboxed" else placeholders[scenario.page]
    arguments = ["check", url, "--origin", origin, "--method", scenario.action.method]
    for name, value in scenario.action.headers.items():
        arguments += ["--header", f"{name}: {value}"]
    if scenario.action.credentials == "include":
        arguments.append("--credentials")
    output = io.StringIO()
    status = fastcors_cli(arguments, stdout=output, stderr=output)
    assert status in (0, 1), output.getvalue()
    assert (status == 0) == isinstance(scenario.observed, Readable), output.getvalue()

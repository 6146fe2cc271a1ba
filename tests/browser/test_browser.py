"""Chromium enforces each scenario's policy, and fastcors (both cores) gives it Starlette's outcome.

Each scenario of ``scenarios.py`` runs in a real headless Chromium against a real uvicorn server, once
per middleware: fastcors with the Rust core, with the pure-Python core, and Starlette's own
``CORSMiddleware`` with the same configuration. The test checks what the page's script observed
and what the server saw against the scenario's row, so the three give the browser the same outcome.
"""

from __future__ import annotations

import pytest

from .harness import ApiServers, Chromium
from .scenarios import SCENARIOS, Fetch, Scenario

pytestmark = pytest.mark.browser

CASES = [
    pytest.param(scenario, middleware, id=f"{scenario.name}-{middleware}")
    for scenario in SCENARIOS
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

"""Both engines enforce each scenario's policy, and fastcors (both cores) gives them Starlette's outcome.

Each scenario of ``scenarios.py`` runs in a real headless Chromium and a real headless Firefox against
a real uvicorn server, once per middleware: fastcors with the Rust core, with the pure-Python core,
and Starlette's own ``CORSMiddleware`` with the same configuration. The test checks what the page's
script observed and what the server saw against the scenario's row (Firefox's own where the row has
one), so the three give each engine the same outcome. For each ``fetch()`` row, ``python -m fastcors
check`` asks the same server the same question and must give the browser's verdict.
"""

from __future__ import annotations

import io
import json

import pytest

from fastcors._cli import main as fastcors_cli

from .engines import ENGINES
from .harness import API_HOST, ApiServers, Browser
from .scenarios import SCENARIOS, Fetch, Readable, Scenario

pytestmark = pytest.mark.browser

# One engine's cases, then the other's: the session's browser changes once.
CASES = [
    pytest.param(engine, scenario, middleware, id=f"{engine}-{middleware}-{scenario.name}")
    for engine in ENGINES
    for scenario in SCENARIOS
    for middleware in scenario.middlewares
]
FETCH_CASES = [
    pytest.param(
        scenario,
        middleware,
        id=f"{middleware}-{scenario.name}",
        marks=[pytest.mark.skip(reason=scenario.no_cli)] if scenario.no_cli else [],
    )
    for scenario in SCENARIOS
    if isinstance(scenario.action, Fetch)
    for middleware in scenario.middlewares
]


@pytest.mark.parametrize(("engine", "scenario", "implementation"), CASES)
def test_the_browser_observes_the_scenarios_outcome(
    engine: str,
    browser: Browser,
    scenario: Scenario,
    implementation: str,
    api_servers: ApiServers,
    token: str,
) -> None:
    server = api_servers[implementation]
    assert server.whoami["middleware"] == implementation
    if implementation != "starlette":
        assert server.whoami["core"] == implementation

    if isinstance(scenario.action, Fetch):
        url = server.url("http", scenario.name, token, scenario.action.app, scenario.action.path)
        observed = browser.fetch(scenario.page, url, scenario.action)
        assert observed == [scenario.observed_in(engine)] * scenario.action.times
    else:
        observed_socket = browser.open_websocket(scenario.page, server.url("ws", scenario.name, token))
        assert observed_socket == scenario.observed_in(engine)
    assert server.seen(token) == scenario.seen_in(engine)


@pytest.mark.parametrize(("scenario", "implementation"), FETCH_CASES)
def test_fastcors_check_agrees_with_each_engine(
    scenario: Scenario, implementation: str, api_servers: ApiServers, placeholders: dict[str, str], token: str
) -> None:
    """``python -m fastcors check`` gives each engine's verdict on the row, and exits 0 exactly when
    every engine can read the response."""
    assert isinstance(scenario.action, Fetch)
    server = api_servers[implementation]
    # The API's address, not its name: the CLI resolves names itself, and *.localhost may not resolve.
    url = server.url("http", scenario.name, token, scenario.action.app, scenario.action.path)
    url = url.replace(API_HOST, "127.0.0.1", 1)
    origin = "null" if scenario.page == "sandboxed" else placeholders[scenario.page]
    arguments = ["check", url, "--origin", origin, "--method", scenario.action.method, "--json"]
    for name, value in scenario.action.headers.items():
        arguments += ["--header", f"{name}: {value}"]
    if scenario.action.credentials == "include":
        arguments.append("--credentials")
    output = io.StringIO()
    status = fastcors_cli(arguments, stdout=output, stderr=output)
    assert status in (0, 1), output.getvalue()
    readable = {engine: isinstance(scenario.observed_in(engine), Readable) for engine in ENGINES}
    report = json.loads(output.getvalue())
    assert {engine: report["engines"][engine]["allowed"] for engine in ENGINES} == readable, report
    assert (status == 0) == all(readable.values()), report

"""Real servers, and one real browser of each engine for the whole run of the browser tests.

Without an engine (Chromium and its driver, Firefox ESR) or its Python client (Selenium,
marionette-driver) its tests fail under CI (``CI`` set) and are skipped elsewhere, saying what to
install.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import NoReturn

import pytest

from .engines import EngineMissing
from .harness import ApiServers, Browser, Browsers, PageHandler


def fail_or_skip(reason: str) -> NoReturn:
    """CI must run the browser tests; a developer without a browser is told how to get one."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs the browser tests: scripts/install-browser installs it)")
    pytest.skip(f"{reason}: run scripts/install-browser (or deselect with -m 'not browser')")


@pytest.fixture(scope="session")
def page_ports() -> Iterator[tuple[int, int]]:
    """Two page servers: the scenarios' port and another one, for origins that differ by port."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), PageHandler) for _ in range(2)]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    try:
        yield servers[0].server_address[1], servers[1].server_address[1]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join()


@pytest.fixture(scope="session")
def placeholders(page_ports: tuple[int, int]) -> dict[str, str]:
    """The real origins that fill the scenarios' ``{name}`` placeholders."""
    port, other_port = page_ports
    return {
        "port": str(port),
        "other_port": str(other_port),
        "app": f"http://app.localhost:{port}",
        "evil": f"http://evil.localhost:{port}",
        "deep": f"http://a.b.app.localhost:{port}",
        "other-port": f"http://app.localhost:{other_port}",
    }


@pytest.fixture(scope="session")
def api_servers(
    placeholders: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServers]:
    """A uvicorn server per middleware, each started when a test first needs it."""
    servers = ApiServers(placeholders, tmp_path_factory.mktemp("api-servers"))
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="session")
def browsers(placeholders: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browsers]:
    """The headless browser of each engine, started when a test first needs it (one at a time)."""
    with Browsers(placeholders, tmp_path_factory) as browsers:
        yield browsers


@pytest.fixture
def browser(engine: str, browsers: Browsers) -> Browser:
    """The browser of the engine the test names."""
    try:
        return browsers[engine]
    except EngineMissing as missing:
        fail_or_skip(str(missing))


@pytest.fixture
def token(request: pytest.FixtureRequest) -> str:
    """A path segment of the test's own, so that no cache or record is shared between tests."""
    return f"{request.node.callspec.id}-{time.monotonic_ns()}"

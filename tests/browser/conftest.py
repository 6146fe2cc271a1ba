"""Real servers and one real Chromium for the whole run of the browser tests.

Without Chromium, its driver or Selenium the tests fail under CI (``CI`` set) and are skipped
elsewhere, saying what to install.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import NoReturn

import pytest

from .harness import API_HOST, CHROMEDRIVER, CHROMIUM, SCRIPT_TIMEOUT, ApiServers, Chromium, PageHandler


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
def chromium(placeholders: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """One headless Chromium, with a fresh profile, for every scenario of the run."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            fail_or_skip(f"{path} is missing")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        fail_or_skip("selenium is not installed (pip install --group test)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        f"--user-data-dir={profile}",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(argument)
    with pytest.MonkeyPatch.context() as environment:
        # Selenium Manager must never download a browser or a driver: both are given.
        environment.setenv("SE_OFFLINE", "true")
        environment.setenv("SE_AVOID_STATS", "true")
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        driver.set_script_timeout(SCRIPT_TIMEOUT)
        driver.set_page_load_timeout(SCRIPT_TIMEOUT)
        driver.get(f"http://{API_HOST}:{placeholders['port']}/set-cookie")
        yield Chromium(driver, placeholders)
    finally:
        driver.quit()


@pytest.fixture
def token(request: pytest.FixtureRequest) -> str:
    """A path segment of the test's own, so that no cache or record is shared between tests."""
    return f"{request.node.callspec.id}-{time.monotonic_ns()}"

"""The two browser engines, each launched headless with a fresh profile and driven from Python.

Chromium (Blink) is Debian's ``chromium`` driven by Selenium through Debian's ``chromedriver``; Selenium
is given both paths, so it never looks for or downloads a browser of its own. Firefox (Gecko) is
Debian's ``firefox-esr``, driven without geckodriver through its own Marionette protocol
(``--marionette``, the ``marionette-driver`` package). ``scripts/install-browser`` installs both.

Each launch yields a ``Driver``: the two calls the scenarios need, the same for both engines.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

CHROMIUM = os.environ.get("FASTCORS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FASTCORS_CHROMEDRIVER", "/usr/bin/chromedriver")
FIREFOX = os.environ.get("FASTCORS_FIREFOX", "/usr/bin/firefox-esr")
ENGINES = ("chromium", "firefox")
SCRIPT_TIMEOUT = 10
FIREFOX_START_TIMEOUT = 60

CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# Firefox's profile (user.js). The first group makes Firefox see the scenarios as Chromium does;
# the rest keeps a test browser from talking to anything but the test's servers.
FIREFOX_PREFERENCES: dict[str, bool | int | str] = {
    # Connect directly: a system or environment proxy must never carry the loopback requests
    # (Chromium, launched by chromedriver, connects directly too).
    "network.proxy.type": 0,
    # Load the pages as the http:// origins the scenarios name: HTTPS-First would try https:// first.
    "dom.security.https_first": False,
    "dom.security.https_first_pbm": False,
    # Firefox resolves `*.localhost` to loopback by itself, as Chromium does (the system's resolver
    # may not), so no `network.dns.localDomains` is needed; the page and the API are both loopback,
    # so neither engine's local-network-access checks apply. Third-party cookie rules do not either:
    # `api.app.localhost` is same-site with `app.localhost` in both engines (the site is the last two
    # labels), so the default Total Cookie Protection sends the API's cookie with `app`'s fetches.
    # A fresh profile must not wait for, or show, first-run pages.
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "startup.homepage_welcome_url": "about:blank",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    # Nothing from the network but the test's servers.
    "app.update.disabledForTesting": True,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "extensions.update.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "browser.newtabpage.enabled": False,
    # Marionette on a free port, which it writes to the profile's MarionetteActivePort.
    "marionette.port": 0,
}


class EngineMissing(Exception):
    """The engine, its driver or its Python client is not installed."""


class Driver(Protocol):
    """What the scenarios ask of an engine: load a page, run an asynchronous script in it."""

    def navigate(self, url: str) -> None: ...

    def run(self, script: str, *arguments: Any) -> Any:
        """Runs ``script`` in the page with ``arguments``, then a last one: the function that
        receives the script's result."""
        ...


def launch(engine: str, profile: Path) -> contextlib.AbstractContextManager[Driver]:
    """The named engine, headless, with its profile in ``profile``, for as long as the context lasts."""
    launchers: dict[str, Callable[[Path], contextlib.AbstractContextManager[Driver]]] = {
        "chromium": chromium,
        "firefox": firefox,
    }
    return launchers[engine](profile)


class SeleniumDriver:
    def __init__(self, webdriver: Any) -> None:
        self.webdriver = webdriver

    def navigate(self, url: str) -> None:
        self.webdriver.get(url)

    def run(self, script: str, *arguments: Any) -> Any:
        return self.webdriver.execute_async_script(script, *arguments)


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[Driver]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            raise EngineMissing(f"{path} is missing")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise EngineMissing("selenium is not installed (pip install --group test)") from None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (*CHROMIUM_ARGUMENTS, f"--user-data-dir={profile}"):
        options.add_argument(argument)
    with pytest.MonkeyPatch.context() as environment:
        # Selenium Manager must never download a browser or a driver: both are given.
        environment.setenv("SE_OFFLINE", "true")
        environment.setenv("SE_AVOID_STATS", "true")
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        driver.set_script_timeout(SCRIPT_TIMEOUT)
        driver.set_page_load_timeout(SCRIPT_TIMEOUT)
        yield SeleniumDriver(driver)
    finally:
        driver.quit()


class MarionetteDriver:
    def __init__(self, client: Any) -> None:
        self.client = client

    def navigate(self, url: str) -> None:
        self.client.navigate(url)

    def run(self, script: str, *arguments: Any) -> Any:
        # sandbox=None runs the script in the page's own realm: in Marionette's default sandbox,
        # fetch() would not be the page's and would skip the CORS checks under test.
        return self.client.execute_async_script(script, script_args=list(arguments), sandbox=None)


@contextlib.contextmanager
def firefox(profile: Path) -> Iterator[Driver]:
    if not shutil.which(FIREFOX):
        raise EngineMissing(f"{FIREFOX} is missing")
    try:
        with warnings.catch_warnings():
            # mozinfo, under marionette-driver, calls distro.linux_distribution() on import.
            warnings.simplefilter("ignore", DeprecationWarning)
            from marionette_driver.marionette import Marionette
    except ImportError:
        raise EngineMissing("marionette-driver is not installed (pip install --group test)") from None
    preferences = FIREFOX_PREFERENCES.items()
    (profile / "user.js").write_text(
        "".join(f"user_pref({json.dumps(name)}, {json.dumps(value)});\n" for name, value in preferences)
    )
    log = profile.parent / f"{profile.name}.log"
    command = [FIREFOX, "--marionette", "--headless", "--no-remote", "--profile", str(profile)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    try:
        client = Marionette(host="127.0.0.1", port=_marionette_port(profile, process, log))
        client.start_session()
        client.timeout.script = SCRIPT_TIMEOUT
        client.timeout.page_load = SCRIPT_TIMEOUT
        try:
            yield MarionetteDriver(client)
        finally:
            with contextlib.suppress(Exception):
                client.delete_session()
    finally:
        _stop(process)


def _marionette_port(profile: Path, process: subprocess.Popen[bytes], log: Path) -> int:
    """The port Firefox chose, once Marionette listens."""
    active_port = profile / "MarionetteActivePort"
    deadline = time.monotonic() + FIREFOX_START_TIMEOUT
    while True:
        with contextlib.suppress(FileNotFoundError, ValueError):
            return int(active_port.read_text())
        if process.poll() is not None:
            raise RuntimeError(f"{FIREFOX} exited ({process.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{FIREFOX}'s Marionette did not listen:\n{log.read_text()}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Firefox and its content processes (one process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

"""The browser tests' machinery: the page server, the API servers, and a browser running scripts.

The same scripts run in each engine (``engines.py`` launches them): the page's own ``fetch()`` and
``new WebSocket()``, whose outcome the script reports.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .engines import Driver, EngineMissing, launch
from .scenarios import Blocked, Fetch, Opened, Outcome, Readable, Refused

ROOT = Path(__file__).resolve().parents[2]
API_HOST = "api.app.localhost"
# Cookies ignore ports: one cookie, set once, goes to every API server on this host.
SET_COOKIE = "fastcors_browser=1; Path=/; SameSite=Lax"

# Runs fetch() `times` times and reports, for each, what the script could read or the error's name.
RUN_FETCHES = """
async function runFetches(url, init, times) {
  const results = [];
  for (let i = 0; i < times; i++) {
    try {
      const response = await fetch(url, init);
      const headers = [...response.headers.keys()].sort();
      results.push({status: response.status, headers, body: await response.text()});
    } catch (error) {
      results.push({error: error.name});
    }
  }
  return results;
}
"""
FETCH_IN_PAGE = RUN_FETCHES + "runFetches(arguments[0], arguments[1], arguments[2]).then(arguments[3]);"
FETCH_IN_SANDBOXED_IFRAME = (
    RUN_FETCHES
    + """
const [url, init, times, done] = arguments;
const frame = document.createElement("iframe");
frame.sandbox = "allow-scripts";
addEventListener("message", (event) => { frame.remove(); done(event.data); }, {once: true});
frame.srcdoc = "<script>" + runFetches.toString() + "runFetches(" + JSON.stringify(url) + ", "
  + JSON.stringify(init) + ", " + times + ").then((r) => parent.postMessage(r, '*'));</scr" + "ipt>";
document.body.append(frame);
"""
)
OPEN_WEBSOCKET = """
const [url, done] = arguments;
const socket = new WebSocket(url);
let reported = false;
const report = (result) => { if (!reported) { reported = true; done(result); } };
socket.onmessage = (event) => { report({opened: true, message: event.data}); socket.close(); };
socket.onerror = () => report({opened: false});
"""


def free_port() -> int:
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port: int = server.server_address[1]
    server.server_close()
    return port


class PageHandler(http.server.BaseHTTPRequestHandler):
    """Serves the empty page the scripts run in, and the API host's cookie."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>fastcors browser test</title><body></body>"
        self.send_response(200 if self.path in ("/", "/set-cookie") else 404)
        if self.path == "/set-cookie":
            self.send_header("Set-Cookie", SET_COOKIE)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class ApiServer:
    """A uvicorn process serving ``tests.browser.api_app`` with one middleware."""

    def __init__(self, middleware: str, placeholders: dict[str, str], log: Path) -> None:
        self.middleware = middleware
        self.port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "FASTCORS_NO_EXTENSIONS": "1" if middleware == "python" else "",
            "FASTCORS_BROWSER_MIDDLEWARE": middleware,
            "FASTCORS_BROWSER_PLACEHOLDERS": json.dumps(placeholders),
        }
        command = [
            *(sys.executable, "-m", "uvicorn", "tests.browser.api_app:recorder"),
            *("--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"),
            *("--ws", "auto", "--lifespan", "off"),
        ]
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self.whoami = self.wait_until_listening()
        except BaseException:
            self.stop()
            raise

    def wait_until_listening(self) -> dict[str, str]:
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the {self.middleware} API server exited:\n{self.log.read_text()}")
            with contextlib.suppress(OSError):
                whoami: dict[str, str] = json.loads(self.get("/__whoami"))
                return whoami
            if time.monotonic() > deadline:
                pytest.fail(f"the {self.middleware} API server did not listen:\n{self.log.read_text()}")
            time.sleep(0.05)

    def get(self, path: str) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            return connection.getresponse().read()
        finally:
            connection.close()

    def url(self, scheme: str, scenario: str, token: str, answer: str = "ok", path: str = "") -> str:
        return f"{scheme}://{API_HOST}:{self.port}/{scenario}{path}/{token}/{answer}"

    def seen(self, token: str) -> tuple[str, ...]:
        return tuple(json.loads(self.get(f"/__seen/{token}")))

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class ApiServers:
    """One server per middleware, started when a test first needs it, stopped at the end of the run."""

    def __init__(self, placeholders: dict[str, str], logs: Path) -> None:
        self.placeholders = placeholders
        self.logs = logs
        self.running: dict[str, ApiServer] = {}

    def __getitem__(self, middleware: str) -> ApiServer:
        if middleware not in self.running:
            log = self.logs / f"api-{middleware}.log"
            self.running[middleware] = ApiServer(middleware, self.placeholders, log)
        return self.running[middleware]

    def stop(self) -> None:
        for server in self.running.values():
            server.stop()


class Browser:
    """One engine, on one page at a time, running the scenarios' scripts."""

    def __init__(self, engine: str, driver: Driver, placeholders: dict[str, str]) -> None:
        self.engine = engine
        self.driver = driver
        self.placeholders = placeholders
        self.current: str | None = None
        # The API host's cookie, which the scenarios' credentialed requests may carry.
        driver.navigate(f"http://{API_HOST}:{placeholders['port']}/set-cookie")

    def open(self, page: str) -> None:
        # The sandboxed iframe is made inside the app page.
        origin = self.placeholders["app" if page == "sandboxed" else page]
        if self.current != origin:
            self.driver.navigate(origin + "/")
            self.current = origin

    def fetch(self, page: str, url: str, fetch: Fetch) -> list[Outcome]:
        self.open(page)
        init: dict[str, Any] = {
            "method": fetch.method,
            "headers": dict(fetch.headers),
            "credentials": fetch.credentials,
        }
        if fetch.body is not None:
            init["body"] = fetch.body
        script = FETCH_IN_SANDBOXED_IFRAME if page == "sandboxed" else FETCH_IN_PAGE
        results = self.driver.run(script, url, init, fetch.times)
        return [self.outcome(result) for result in results]

    def open_websocket(self, page: str, url: str) -> Outcome:
        self.open(page)
        result = self.driver.run(OPEN_WEBSOCKET, url)
        return Opened(result["message"]) if result["opened"] else Refused()

    @staticmethod
    def outcome(result: dict[str, Any]) -> Outcome:
        if "error" in result:
            return Blocked(result["error"])
        return Readable(result["status"], tuple(result["headers"]), result["body"])


class Browsers:
    """One browser at a time: asking for another engine stops the current one first, so a run that
    lists one engine's tests before the other's starts each engine once. A missing engine is
    remembered, and raises ``EngineMissing`` for each of its tests."""

    def __init__(self, placeholders: dict[str, str], profiles: pytest.TempPathFactory) -> None:
        self.placeholders = placeholders
        self.profiles = profiles
        self.current: Browser | None = None
        self.running = contextlib.ExitStack()
        self.missing: dict[str, EngineMissing] = {}

    def __getitem__(self, engine: str) -> Browser:
        if engine in self.missing:
            raise self.missing[engine]
        if self.current is not None and self.current.engine == engine:
            return self.current
        self.close()
        try:
            driver = self.running.enter_context(launch(engine, self.profiles.mktemp(f"{engine}-profile")))
        except EngineMissing as missing:
            self.missing[engine] = missing
            raise
        self.current = Browser(engine, driver, self.placeholders)
        return self.current

    def close(self) -> None:
        self.current = None
        self.running.close()

    def __enter__(self) -> Browsers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

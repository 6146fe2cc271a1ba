"""The API server of the browser tests, run by uvicorn: one CORS middleware per scenario.

The process serves one middleware, named by ``FASTCORS_BROWSER_MIDDLEWARE``: ``rust`` or ``python``
(fastcors, whose core the ``FASTCORS_NO_EXTENSIONS`` of this process selects; checked here) or
``starlette`` (Starlette's own ``CORSMiddleware``). ``FASTCORS_BROWSER_PLACEHOLDERS`` holds the real
origins (JSON) that fill the scenarios' configurations.

``/<scenario>[/<path>]/<token>/<answer>`` goes through that scenario's middleware (scenarios that do
not run on this middleware have none) to the app; a recorder in front of
the middleware notes what reached the server and what reached the app, and ``/__seen/<token>``
returns it. ``/__whoami`` says which middleware and core answer.
"""

from __future__ import annotations

import json
import os
from typing import Any

import fastcors
from fastcors._types import ASGIApp, Receive, Scope, Send
from tests.browser.scenarios import (
    APP_BODY,
    APP_FAILURE_BODY,
    OWN_CORS,
    REDIRECT_HOST,
    SCENARIOS,
    Scenario,
    fill,
)

MIDDLEWARE = os.environ["FASTCORS_BROWSER_MIDDLEWARE"]
PLACEHOLDERS: dict[str, str] = json.loads(os.environ["FASTCORS_BROWSER_PLACEHOLDERS"])
COOKIE = b"fastcors_browser=1"
ENTRY = "fastcors.browser.entry"


def middleware_class() -> Any:
    if MIDDLEWARE == "starlette":
        from starlette.middleware.cors import CORSMiddleware

        return CORSMiddleware
    if fastcors.IMPLEMENTATION != MIDDLEWARE:
        raise RuntimeError(f"asked for the {MIDDLEWARE} core, but fastcors runs {fastcors.IMPLEMENTATION}")
    return fastcors.CORSMiddleware


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The app behind every middleware: says hello over HTTP and WebSocket, or fails on request."""
    scope[ENTRY]["app"] = True
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": APP_BODY})
        await send({"type": "websocket.close"})
        return
    path, answer = scope["path"].rsplit("/", 1)
    if answer in ("redirect-same", "redirect-cross", "redirect"):
        location = f"{path}/ok"
        if answer == "redirect-cross":
            location = f"http://localhost:{scope['server'][1]}{location}"
        if answer == "redirect":
            location = f"http://{REDIRECT_HOST}:{scope['server'][1]}{location}"
        status = 307 if answer == "redirect" else 302
        headers = [(b"location", location.encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    if answer == "raise":
        raise RuntimeError(APP_FAILURE_BODY)
    status, body = (500, APP_FAILURE_BODY) if answer == "fail" else (200, APP_BODY)
    content = body.encode()
    headers = [
        (b"content-type", b"text/plain"),
        (b"content-length", str(len(content)).encode()),
        (b"x-exposed", b"1"),
        (b"x-hidden", b"1"),
    ]
    if answer == "own-cors":
        origin = dict(scope["headers"]).get(b"origin", b"")
        headers.append((b"access-control-allow-origin", origin))
        headers += [(name.encode(), value.encode()) for name, value in OWN_CORS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def allow_the_app_page(origin: str) -> bool:
    """The ``allow_origin_func`` of the scenarios: approves the ``app`` page alone."""
    return origin == PLACEHOLDERS["app"]


FUNCTIONS = {"allow_the_app_page": allow_the_app_page}


def option(scenario: Scenario, key: str, value: Any) -> Any:
    """A configuration value of the table, with its placeholders (``{scenario}``: the scenario's
    name) filled and functions named."""
    if key == "allow_origin_func":
        return FUNCTIONS[value]
    return fill(value, {**PLACEHOLDERS, "scenario": scenario.name})


CLASS = middleware_class()
MIDDLEWARES: dict[str, ASGIApp] = {
    scenario.name: CLASS(app, **{key: option(scenario, key, value) for key, value in scenario.config.items()})
    for scenario in SCENARIOS
    if MIDDLEWARE in scenario.middlewares
}
SEEN: dict[str, list[dict[str, Any]]] = {}


def describe(entry: dict[str, Any]) -> str:
    line: str = entry["request"] + (" -> app" if entry["app"] else "")
    return line + (" with cookie" if entry["cookie"] else "")


async def respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def recorder(scope: Scope, receive: Receive, send: Send) -> None:
    """Notes each scenario request, then hands it to the scenario's middleware."""
    if scope["type"] not in ("http", "websocket"):
        return
    parts = scope["path"].strip("/").split("/")
    json_type = [(b"content-type", b"application/json")]
    if parts[0] == "__whoami":
        whoami = {"middleware": MIDDLEWARE, "class": f"{CLASS.__module__}.{CLASS.__name__}"}
        whoami["core"] = fastcors.IMPLEMENTATION
        await respond(send, 200, json.dumps(whoami).encode(), json_type)
        return
    if parts[0] == "__seen" and len(parts) == 2:
        seen = [describe(entry) for entry in SEEN.get(parts[1], [])]
        await respond(send, 200, json.dumps(seen).encode(), json_type)
        return
    middleware = MIDDLEWARES.get(parts[0])
    if middleware is None or len(parts) < 3:
        if scope["type"] == "http":
            await respond(send, 404, b"no such scenario", [(b"content-type", b"text/plain")])
        return
    headers = dict(scope["headers"])
    request = scope["method"] if scope["type"] == "http" else "websocket"
    requested_method = headers.get(b"access-control-request-method")
    if request == "OPTIONS" and requested_method is not None:
        request = "preflight " + requested_method.decode("latin-1")
    entry = {"request": request, "app": False, "cookie": COOKIE in headers.get(b"cookie", b"")}
    # The token is the segment before the answer, whatever path comes between it and the scenario.
    SEEN.setdefault(parts[-2], []).append(entry)
    scope[ENTRY] = entry
    await middleware(scope, receive, send)

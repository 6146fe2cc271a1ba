"""What the benchmarks measure: contenders, configurations and request classes, and a driver.

Every contender wraps the same bare app. Requests are driven without an event loop: nothing here
ever suspends, so one ``coroutine.send(None)`` runs a whole request, and the time measured is the
middleware's own.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from benchmarks.load_app import ALLOWED_ORIGIN as ALLOWED_ORIGIN
from benchmarks.load_app import StaticHeadersMiddleware as StaticHeadersMiddleware
from fastcors import CORSConfigWarning, _middleware, _pure
from fastcors._types import ASGIApp, Message, Receive, Scope, Send

try:
    from fastcors import _fastcors
except ImportError:  # pragma: no cover - the extension was not built
    _fastcors = None  # type: ignore[assignment]

# A request as Chrome sends it, less the CORS headers each class adds.
BROWSER_HEADERS: list[tuple[bytes, bytes]] = [
    (b"host", b"api.example.org"),
    (b"connection", b"keep-alive"),
    (b"sec-ch-ua", b'"Chromium";v="131", "Not_A Brand";v="24"'),
    (b"sec-ch-ua-mobile", b"?0"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"),
    (b"accept", b"*/*"),
    (b"sec-fetch-site", b"cross-site"),
    (b"sec-fetch-mode", b"cors"),
    (b"sec-fetch-dest", b"empty"),
    (b"referer", b"https://app.example.com/"),
    (b"accept-encoding", b"gzip, deflate, br, zstd"),
    (b"accept-language", b"en-GB,en;q=0.9"),
]

DISALLOWED_ORIGIN = b"https://evil.example.net"


@dataclass(frozen=True)
class RequestClass:
    name: str
    method: str
    headers: list[tuple[bytes, bytes]]
    preflight: bool


def _request(
    name: str, method: str, cors_headers: list[tuple[bytes, bytes]], preflight: bool = False
) -> RequestClass:
    # The CORS headers stand where Chrome puts them: after sec-ch-ua and friends, before accept.
    return RequestClass(name, method, BROWSER_HEADERS[:5] + cors_headers + BROWSER_HEADERS[5:], preflight)


PREFLIGHT_HEADERS = [
    (b"access-control-request-method", b"PUT"),
    (b"access-control-request-headers", b"content-type,x-request-id"),
]

REQUEST_CLASSES = [
    _request("no Origin", "GET", []),
    _request("allowed simple", "GET", [(b"origin", ALLOWED_ORIGIN)]),
    _request("disallowed simple", "GET", [(b"origin", DISALLOWED_ORIGIN)]),
    _request("allowed preflight", "OPTIONS", [(b"origin", ALLOWED_ORIGIN), *PREFLIGHT_HEADERS], True),
    _request("rejected preflight", "OPTIONS", [(b"origin", DISALLOWED_ORIGIN), *PREFLIGHT_HEADERS], True),
]

_COMMON = {"allow_methods": ["GET", "POST", "PUT"], "allow_headers": ["Content-Type", "X-Request-ID"]}

CONFIGS: dict[str, dict[str, Any]] = {
    "3 origins": {
        **_COMMON,
        "allow_origins": ["https://example.org", "https://www.example.org", ALLOWED_ORIGIN.decode()],
    },
    "1,000 origins": {
        **_COMMON,
        "allow_origins": [f"https://tenant{i}.example.org" for i in range(999)] + [ALLOWED_ORIGIN.decode()],
    },
    "regex": {**_COMMON, "allow_origin_regex": r"https://[a-z0-9-]+\.example\.(?:com|org)"},
    "* with credentials": {**_COMMON, "allow_origins": ["*"], "allow_credentials": True},
}


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Message) -> None:
    return None


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": b'{"ok":true}'})


class NoopMiddleware:
    """The cheapest pure-ASGI middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class NoopSendMiddleware:
    """A no-op middleware that wraps ``send``: the floor for any middleware that edits responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def wrapped(message: Message) -> None:
            await send(message)

        await self.app(scope, receive, wrapped)


def fastcors_on(core: Any) -> Callable[..., ASGIApp]:
    """``CORSMiddleware`` as ``core``'s import builds it (``_pure`` or ``_fastcors``): its own
    ``__call__`` and policies, beside the other core's in one process."""
    cls = _middleware.on_core(core)

    def build(app: ASGIApp, **options: Any) -> ASGIApp:
        # Some configurations compared are deliberately the risky ones Starlette users write.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CORSConfigWarning)
            return cls(app, **options)

    return build


#: name -> (builds the app from the bare app and the CORS options, whether it implements CORS)
CONTENDERS: dict[str, tuple[Callable[..., ASGIApp], bool]] = {
    "bare app": (lambda app, **options: app, False),
    "no-op middleware": (lambda app, **options: NoopMiddleware(app), False),
    "no-op + send wrapper": (lambda app, **options: NoopSendMiddleware(app), False),
    "static headers": (lambda app, **options: StaticHeadersMiddleware(app), False),
    "starlette": (StarletteCORSMiddleware, True),
    "fastcors python": (fastcors_on(_pure), True),
}
if _fastcors is not None:
    CONTENDERS["fastcors rust"] = (fastcors_on(_fastcors), True)


def scope_for(request: RequestClass) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "https",
        "path": "/items",
        "raw_path": b"/items",
        "query_string": b"",
        "root_path": "",
        "headers": request.headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def drive(app: ASGIApp, scope: Scope) -> None:
    """Runs one request to completion, synchronously."""
    coroutine: Coroutine[Any, Any, None] = app(dict(scope), _receive, _send)  # type: ignore[assignment]
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise RuntimeError("the request suspended; benchmarks must never wait")


def recorded_messages(app: ASGIApp, scope: Scope) -> list[Message]:
    """The messages one request sends, for checking a contender against Starlette."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(copy.deepcopy(message))

    coroutine: Coroutine[Any, Any, None] = app(copy.deepcopy(dict(scope)), _receive, send)  # type: ignore[assignment]
    try:
        coroutine.send(None)
    except StopIteration:
        return sent
    raise RuntimeError("the request suspended; benchmarks must never wait")


def check_against_starlette(name: str, app: ASGIApp, config: str, request: RequestClass) -> None:
    """Refuses to time a CORS contender whose answer differs from Starlette's."""
    reference = StarletteCORSMiddleware(bare_app, **CONFIGS[config])
    scope = scope_for(request)
    expected = recorded_messages(reference, scope)
    actual = recorded_messages(app, scope)
    if actual != expected:
        raise AssertionError(
            f"{name} differs from Starlette for {config} / {request.name}:\n{actual}\n{expected}"
        )

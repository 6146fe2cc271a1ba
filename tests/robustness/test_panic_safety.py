"""A panic in the Rust core surfaces as a Python exception, never as a crash of the server.

The release profile unwinds on panic (``panic = "unwind"``), and PyO3 turns a panic that reaches
the Python boundary into ``pyo3_runtime.PanicException``, a ``BaseException`` subclass. The native
``Policy`` takes a keyword-only test hook, ``_panic_at``, that makes one step panic on every call:
``"handle"`` (reading the request, before the app runs) or ``"response-start"`` (editing the app's
``http.response.start``, inside the ``send`` the app awaits). Each test builds a real
``CORSMiddleware``, then swaps in a hooked policy built from the same options, and checks that the
panic travels through the whole middleware as any exception raised inside it would: out of the
ASGI call, through an event loop, and through the app's own ``await send(...)``; and that nothing
is left broken for the requests that follow.

The pure-Python core has no such hook and cannot panic: these tests are skipped for it.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Awaitable
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from fastcors._config import interpret_options
from fastcors._types import Message, Receive, Scope, Send

try:
    from fastcors import _fastcors
except ImportError:  # pragma: no cover - only where the extension was not built
    _fastcors = None  # type: ignore[assignment]

OPTIONS: dict[str, Any] = {
    "allow_origins": ["https://example.org"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
}
SIMPLE: list[tuple[bytes, bytes]] = [(b"origin", b"https://example.org")]
PREFLIGHT = [*SIMPLE, (b"access-control-request-method", b"POST")]


@pytest.fixture(autouse=True)
def rust_core_only(implementation: str) -> None:
    if implementation == "python":
        pytest.skip("the panic hook belongs to the Rust core; the pure-Python core cannot panic")
    if _fastcors is None:  # pragma: no cover
        pytest.skip("the Rust extension is not built")


def hooked_policy(step: str) -> Any:
    config, _ = interpret_options(
        OPTIONS["allow_origins"],
        OPTIONS["allow_methods"],
        OPTIONS["allow_headers"],
        OPTIONS["allow_credentials"],
        None,
        False,
        (),
        600,
    )
    return _fastcors.Policy(config, _panic_at=step)


def panicking(middleware: CORSMiddleware, step: str) -> CORSMiddleware:
    """The middleware, with its core replaced by one that panics at ``step``."""
    middleware._policy = hooked_policy(step)
    return middleware


class Recorder:
    """An app that answers 200, recording how far it got and what reached it."""

    def __init__(self) -> None:
        self.ran = False
        self.finished = False
        self.raised: BaseException | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.ran = True
        try:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]})
            await send({"type": "http.response.body", "body": b"app"})
        except BaseException as error:
            self.raised = error
            raise
        self.finished = True


def request(method: str, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": method, "path": "/", "headers": list(headers)}


def run(app: Any, scope: Scope, send: Send | None = None) -> list[Message]:
    """Serves one request on an event loop, as a server would; returns what reached the client."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def record(message: Message) -> None:
        sent.append(message)

    async def serve() -> None:
        served: Awaitable[None] = app(scope, receive, send or record)
        await served

    asyncio.run(serve())
    return sent


def is_panic(error: BaseException) -> bool:
    kind = type(error)
    return (kind.__module__, kind.__name__) == ("pyo3_runtime", "PanicException")


def test_a_panic_while_reading_the_request_surfaces_as_a_panic_exception() -> None:
    middleware = panicking(CORSMiddleware(Recorder(), **OPTIONS), "handle")
    with pytest.raises(BaseException, match="deliberate panic") as raised:
        run(middleware, request("GET", SIMPLE))
    assert is_panic(raised.value)


def test_the_panic_exception_is_a_base_exception_not_an_exception() -> None:
    middleware = panicking(CORSMiddleware(Recorder(), **OPTIONS), "handle")
    with pytest.raises(BaseException, match="deliberate panic") as raised:
        run(middleware, request("GET", SIMPLE))
    assert not isinstance(raised.value, Exception)


def test_a_panic_while_reading_a_preflight_surfaces_before_anything_is_sent() -> None:
    app = Recorder()
    middleware = panicking(CORSMiddleware(app, **OPTIONS), "handle")
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(BaseException, match="deliberate panic") as raised:
        run(middleware, request("OPTIONS", PREFLIGHT), send)
    assert is_panic(raised.value)
    assert sent == []
    assert not app.ran


def test_a_panic_while_editing_the_response_start_reaches_the_app_through_its_send() -> None:
    app = Recorder()
    middleware = panicking(CORSMiddleware(app, **OPTIONS), "response-start")
    with pytest.raises(BaseException, match="deliberate panic") as raised:
        run(middleware, request("GET", SIMPLE))
    assert is_panic(raised.value)
    assert app.raised is raised.value
    assert not app.finished


def test_a_panic_while_editing_the_response_start_sends_nothing_downstream() -> None:
    middleware = panicking(CORSMiddleware(Recorder(), **OPTIONS), "response-start")
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(BaseException, match="deliberate panic"):
        run(middleware, request("GET", SIMPLE), send)
    assert sent == []


@pytest.mark.parametrize("step", ["handle", "response-start"])
def test_a_panic_goes_up_through_outer_middleware_as_an_app_error_does(step: str) -> None:
    """Each layer above sees the panic as the exception it is, and lets it go on to the server."""
    seen: list[BaseException] = []

    class Outer:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            try:
                await self.app(scope, receive, send)
            except BaseException as error:
                seen.append(error)
                raise

    app = Outer(Outer(panicking(CORSMiddleware(Recorder(), **OPTIONS), step)))
    with pytest.raises(BaseException, match="deliberate panic") as raised:
        run(app, request("GET", SIMPLE))
    assert is_panic(raised.value)
    assert seen == [raised.value, raised.value]


def test_the_same_middleware_answers_the_next_request_once_unhooked() -> None:
    middleware = panicking(CORSMiddleware(Recorder(), **OPTIONS), "response-start")
    with pytest.raises(BaseException, match="deliberate panic"):
        run(middleware, request("GET", SIMPLE))
    middleware._policy = CORSMiddleware(Recorder(), **OPTIONS)._policy
    assert run(middleware, request("GET", SIMPLE)) == run(
        StarletteCORSMiddleware(Recorder(), **OPTIONS), request("GET", SIMPLE)
    )


@pytest.mark.parametrize("step", ["handle", "response-start"])
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_a_fresh_middleware_answers_as_starlette_after_a_panic(step: str, method: str) -> None:
    with pytest.raises(BaseException, match="deliberate panic"):
        run(panicking(CORSMiddleware(Recorder(), **OPTIONS), step), request("GET", SIMPLE))
    expected = run(StarletteCORSMiddleware(Recorder(), **OPTIONS), request(method, PREFLIGHT))
    assert run(CORSMiddleware(Recorder(), **OPTIONS), request(method, PREFLIGHT)) == expected


def test_policies_built_before_a_panic_keep_working() -> None:
    healthy = CORSMiddleware(Recorder(), **OPTIONS)
    for _ in range(3):
        with pytest.raises(BaseException, match="deliberate panic"):
            run(panicking(CORSMiddleware(Recorder(), **OPTIONS), "handle"), request("GET", SIMPLE))
    expected = run(StarletteCORSMiddleware(Recorder(), **OPTIONS), request("GET", SIMPLE))
    assert run(healthy, request("GET", SIMPLE)) == expected


def test_the_hook_refuses_an_unknown_step() -> None:
    with pytest.raises(ValueError, match="_panic_at"):
        hooked_policy("elsewhere")


def test_a_panic_releases_what_it_made_within_the_call() -> None:
    """The exception a panic becomes, and what it held, are released when the call returns, with
    no later request needed (a server may see only panics, or no HTTP request, for a while)."""
    middleware = panicking(CORSMiddleware(Recorder(), **OPTIONS), "handle")
    scope = request("GET", SIMPLE)
    for _ in range(200):  # warm-up: anything created once is created by now
        with pytest.raises(BaseException, match="deliberate panic") as raised:
            middleware(scope, _never, _never)
    panic_type = type(raised.value)
    del raised
    gc.collect()
    before = sys.getrefcount(panic_type), sys.getrefcount(scope)
    for _ in range(1_000):
        with pytest.raises(panic_type):
            middleware(scope, _never, _never)
    gc.collect()
    assert (sys.getrefcount(panic_type), sys.getrefcount(scope)) == before


async def _never(*_: Any) -> Any:
    raise AssertionError("the request panics before anything is received or sent")

"""When something fails mid-request, the failure travels exactly as through Starlette's middleware.

The inner app raising before or after ``http.response.start``, the server's ``send`` raising (the
client has gone away), and the request's task being cancelled while the app waits: for each, the
middleware under test and Starlette 1.10.0's ``CORSMiddleware`` run the same scenario on a real
event loop, and must raise the same exception (the very object that was raised, with the same
type and arguments), have sent the same messages downstream, and leave the app's own messages in
the same state. Then the same middleware instance serves an ordinary request, which must get
Starlette's ordinary answer: a failure leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from fastcors._types import Message, Receive, Scope, Send

OPTIONS: dict[str, Any] = {
    "allow_origins": ["https://example.org"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
    "expose_headers": ["X-Status"],
}
ALLOWED = [(b"origin", b"https://example.org")]
REQUESTS: dict[str, tuple[str, list[tuple[bytes, bytes]]]] = {
    "no-origin": ("GET", []),
    "allowed": ("GET", ALLOWED),
    "disallowed": ("GET", [(b"origin", b"https://evil.com")]),
}
PREFLIGHT = ("OPTIONS", [*ALLOWED, (b"access-control-request-method", b"POST")])


class AppFailed(Exception):
    """What the inner app raises."""


class ClientDisconnected(OSError):
    """What a server's ``send`` raises once the client has gone, as uvicorn's and others' do."""


@dataclass(frozen=True)
class Scenario:
    #: The app raises after sending this many messages (``None``: it does not raise).
    app_raises_after: int | None = None
    #: The server's ``send`` raises on its n-th call, counting from 1 (``None``: never).
    send_raises_on: int | None = None
    #: The request's task is cancelled once the app has sent this many messages and waits.
    cancelled_after: int | None = None


@dataclass
class Outcome:
    sent: list[Message] = field(default_factory=list)
    app_messages_after: list[Message] = field(default_factory=list)
    error: tuple[type[BaseException], tuple[Any, ...]] | None = None
    #: Whether what propagated is the very object the app or the server raised.
    error_is_the_original: bool | None = None
    app_saw: type[BaseException] | None = None


def scope_for(method: str, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": method, "path": "/", "headers": list(headers)}


def serve(middleware: Any, method: str, headers: list[tuple[bytes, bytes]], scenario: Scenario) -> Outcome:
    outcome = Outcome()
    app_error = AppFailed("the app failed", 42)
    downstream_error = ClientDisconnected(32, "Broken pipe")
    calls = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal calls
        calls += 1
        outcome.sent.append(copy.deepcopy(dict(message)))
        if scenario.send_raises_on == calls:
            raise downstream_error

    async def app(scope: Scope, receive: Receive, app_send: Send) -> None:
        planned: list[Message] = [
            {"type": "http.response.start", "status": 201, "headers": [(b"vary", b"Accept")]},
            {"type": "http.response.body", "body": b"part", "more_body": True},
            {"type": "http.response.body", "body": b"end"},
        ]
        try:
            for index, message in enumerate(planned):
                if scenario.app_raises_after == index:
                    raise app_error
                if scenario.cancelled_after == index:
                    await asyncio.Event().wait()  # until cancelled
                await app_send(message)
                await asyncio.sleep(0)
                outcome.app_messages_after.append(copy.deepcopy(dict(message)))
            if scenario.app_raises_after == len(planned):
                raise app_error
        except BaseException as error:
            outcome.app_saw = type(error)
            raise

    middleware.app = app

    async def main() -> None:
        task = asyncio.ensure_future(middleware(scope_for(method, headers), receive, send))
        if scenario.cancelled_after is not None:
            while not task.done() and len(outcome.app_messages_after) < scenario.cancelled_after:
                await asyncio.sleep(0)
            for _ in range(3):  # let the app reach its wait
                await asyncio.sleep(0)
            task.cancel()
        await task

    try:
        asyncio.run(main())
    except BaseException as error:
        outcome.error = (type(error), error.args)
        outcome.error_is_the_original = error is app_error or error is downstream_error
        if isinstance(error, asyncio.CancelledError):
            outcome.error_is_the_original = True
    return outcome


def assert_fails_as_in_starlette(method: str, headers: list[tuple[bytes, bytes]], scenario: Scenario) -> None:
    starlette = StarletteCORSMiddleware(_never_called, **OPTIONS)
    ours = CORSMiddleware(_never_called, **OPTIONS)
    expected = serve(starlette, method, headers, scenario)
    actual = serve(ours, method, headers, scenario)
    assert expected.error is not None, "the scenario must fail in Starlette too"
    assert actual == expected
    # The same instance then serves an ordinary request as Starlette does.
    ordinary = Scenario()
    for next_method, next_headers in [*REQUESTS.values(), PREFLIGHT]:
        assert serve(ours, next_method, next_headers, ordinary) == serve(
            starlette, next_method, next_headers, ordinary
        )


async def _never_called(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover
    raise AssertionError("each scenario installs its own app")


@pytest.mark.parametrize("request_", list(REQUESTS))
@pytest.mark.parametrize("after", [0, 1, 2, 3], ids=["before-start", "after-start", "mid-body", "after-body"])
def test_an_app_error_propagates_as_in_starlette(request_: str, after: int) -> None:
    assert_fails_as_in_starlette(*REQUESTS[request_], Scenario(app_raises_after=after))


@pytest.mark.parametrize("request_", list(REQUESTS))
@pytest.mark.parametrize("call", [1, 2, 3], ids=["on-start", "on-body", "on-last-body"])
def test_a_client_gone_during_a_response_propagates_as_in_starlette(request_: str, call: int) -> None:
    assert_fails_as_in_starlette(*REQUESTS[request_], Scenario(send_raises_on=call))


@pytest.mark.parametrize("call", [1, 2], ids=["on-start", "on-body"])
def test_a_client_gone_during_a_preflight_response_propagates_as_in_starlette(call: int) -> None:
    assert_fails_as_in_starlette(*PREFLIGHT, Scenario(send_raises_on=call))


@pytest.mark.parametrize("request_", list(REQUESTS))
@pytest.mark.parametrize("after", [0, 1, 2], ids=["before-start", "after-start", "mid-body"])
def test_a_request_cancelled_while_the_app_waits_propagates_as_in_starlette(
    request_: str, after: int
) -> None:
    assert_fails_as_in_starlette(*REQUESTS[request_], Scenario(cancelled_after=after))


def test_the_app_sees_the_servers_error_through_the_middlewares_send() -> None:
    """The error a server's ``send`` raises reaches the app's ``await send(...)`` unchanged."""
    outcome = serve(
        CORSMiddleware(_never_called, **OPTIONS), *REQUESTS["allowed"], Scenario(send_raises_on=1)
    )
    assert outcome.app_saw is ClientDisconnected
    assert outcome.error == (ClientDisconnected, (32, "Broken pipe"))
    assert outcome.error_is_the_original

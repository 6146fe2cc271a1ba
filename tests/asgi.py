"""Helpers to drive an ASGI app directly and record what it sends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

from fastcors._types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]


def run_to_completion(awaitable: Awaitable[Any]) -> None:
    """Runs, without an event loop, a request that never waits (nothing these tests await blocks)."""
    iterator = awaitable.__await__()
    try:
        iterator.send(None)
    except StopIteration:
        return
    close = getattr(iterator, "close", None)
    if close is not None:
        close()
    raise AssertionError("the request suspended, yet nothing it awaits ever blocks")


def http_scope(method: str = "GET", headers: Sequence[tuple[bytes, bytes]] = ()) -> Scope:
    return {"type": "http", "method": method, "path": "/", "headers": list(headers)}


def app_sending(*messages: Message) -> ASGIApp:
    """An app that sends copies of ``messages``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(dict(message))

    return app


def ok_app(headers: Headers | None = None) -> ASGIApp:
    start: dict[str, Any] = {"type": "http.response.start", "status": 200}
    if headers is not None:
        start["headers"] = headers
    return app_sending(start, {"type": "http.response.body", "body": b"app"})


def run(app: ASGIApp, scope: Scope) -> list[Message]:
    """Runs one request through ``app`` and returns the messages it sent."""
    sent, error = run_recording(app, scope)
    if error is not None:
        raise error
    return sent


def run_recording(app: ASGIApp, scope: Scope) -> tuple[list[Message], Exception | None]:
    """Runs one request through ``app``: the messages it sent, and what it raised (``None``
    when it raised nothing)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    try:
        asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    except Exception as error:
        return sent, error
    return sent, None


def response_headers(messages: list[Message]) -> Headers:
    start = messages[0]
    assert start["type"] == "http.response.start"
    headers: Headers = start["headers"]
    return headers

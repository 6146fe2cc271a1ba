"""Sending a preflight response, for both cores: the middleware answers it, the app never runs."""

from __future__ import annotations

from typing import Any

from fastcors._types import Message, Send


async def send_preflight(send: Send, start: Message, body: Message) -> None:
    """Sends the two messages of a preflight response the core built."""
    await send(start)
    await send(body)


def denial_send(scope_type: Any, send: Send) -> Send:
    """The ``send`` for a preflight response, as Starlette's ``Response`` sends it: with message
    types prefixed ``websocket.`` when ``scope["type"] == "websocket"``. Only a ``scope["type"]``
    that is also not different from ``"http"`` reaches a preflight with that: an object of its
    own, not a ``str`` (a ``str`` that preflights is ``"http"``; the Rust core calls this only
    for other objects)."""
    if scope_type.__class__ is str or not scope_type == "websocket":  # noqa: SIM201 (Starlette's own test)
        return send

    async def prefixed(message: Message) -> None:
        await send({**message, "type": "websocket." + message["type"]})

    return prefixed

"""Sending a preflight response, for both cores: the middleware answers it, the app never runs."""

from __future__ import annotations

from fastcors._types import Message, Send


async def send_preflight(send: Send, start: Message, body: Message) -> None:
    """Sends the two messages of a preflight response the core built."""
    await send(start)
    await send(body)

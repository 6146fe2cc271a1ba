"""ASGI types, spelled as Starlette spells them so annotations line up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ASGICall(Protocol):
    """An ASGI 3 application's call, parameter names included (callers may pass them by name)."""

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]: ...

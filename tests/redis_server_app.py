"""``examples/redis_origins.py`` for ``tests/packaging/test_redis_origins.py``, behind an outer layer that
names the worker on every response (``x-worker``), and turns an exception into a logged 500
(naming the worker too) as a server or Starlette's ``ServerErrorMiddleware`` would."""

from __future__ import annotations

import logging
import os
from typing import Any

from examples.redis_origins import app as cors_app

from fastcors._types import Message, Receive, Scope, Send

WORKER = (b"x-worker", str(os.getpid()).encode())


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        await cors_app(scope, receive, send)
        return
    started = False

    async def send_naming_the_worker(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
            message["headers"] = [*message.get("headers", []), WORKER]
        await send(message)

    try:
        await cors_app(scope, receive, send_naming_the_worker)
    except Exception:
        logging.getLogger("redis_server_app").exception("request failed")
        if started:
            raise
        headers: list[Any] = [(b"content-length", b"21"), WORKER]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": b"Internal Server Error"})

"""The websocket app the real-server tests serve: an echo behind fastcors' websocket origin check."""

from __future__ import annotations

import fastcors
from fastcors._types import Receive, Scope, Send


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": f"{fastcors.IMPLEMENTATION}: {message.get('text')}"})


app = fastcors.CORSMiddleware(
    echo, allow_origin_regex=r"https://[a-z0-9-]+\.example\.com", check_websocket_origin=True
)

"""The app the real-server tests serve: fastcors as the outermost ASGI app, as a server gets it."""

from __future__ import annotations

import fastcors
from fastcors._types import Receive, Scope, Send


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = fastcors.IMPLEMENTATION.encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


app = fastcors.CORSMiddleware(
    endpoint, allow_origins=["https://app.example.com"], allow_methods=["GET", "PUT"]
)

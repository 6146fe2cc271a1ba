"""A bare ASGI 3 app, no framework: fastcors wraps it directly.

Run it with ``uvicorn raw_asgi:app --app-dir examples`` (or hypercorn, granian, ...).
"""

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastcors import CORSMiddleware

Message = MutableMapping[str, Any]


async def items(
    scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
) -> None:
    if scope["type"] != "http":
        return  # lifespan: nothing to start or stop
    item_id = int(scope["path"].rsplit("/", 1)[-1])
    body = json.dumps({"item_id": item_id}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = CORSMiddleware(
    items,  # any ASGI 3 callable: async def items(scope, receive, send)
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "Authorization"],
    expose_headers=["X-Request-ID"],
    max_age=3600,
)

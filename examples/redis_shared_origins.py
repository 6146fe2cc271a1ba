"""Origins shared by every worker on every host through Redis, answered from memory.

Each worker keeps the Redis set ``fastcors:origins`` in memory (``fastcors.redis.RedisOrigins``):
requests never wait for Redis, a change published by ``add``/``remove`` reaches every worker in
milliseconds, the whole set is reloaded every 30 s in case a message was lost, and while Redis is
away the last set is served for at most 300 s, then refused.

Run it (two workers, a local Redis)::

    pip install 'fastcors[redis]'
    REDIS_URL=redis://127.0.0.1:6379/0 uvicorn examples.redis_shared_origins:app --workers 2
    python -m examples.redis_shared_origins add https://app.acme.example
    python -m examples.redis_shared_origins remove https://app.acme.example
"""

from __future__ import annotations

import argparse
import os

from fastcors import CORSMiddleware
from fastcors._types import Receive, Scope, Send
from fastcors.redis import RedisOrigins

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


async def api(scope: Scope, receive: Receive, send: Send) -> None:
    """The application."""
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"11")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"ok":true}'})


origins = RedisOrigins(REDIS_URL)
app = CORSMiddleware(
    api,
    allow_origins=["https://admin.example.com"],  # static ones still work beside it
    allow_origin_func=origins,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type"],
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Allow or stop allowing an origin on every worker.")
    parser.add_argument("action", choices=["add", "remove"])
    parser.add_argument("origin", help="as browsers send it, such as https://app.acme.example")
    arguments = parser.parse_args(argv)
    editor = RedisOrigins(REDIS_URL)
    try:
        (editor.add if arguments.action == "add" else editor.remove)(arguments.origin)
    finally:
        editor.close()


if __name__ == "__main__":
    main()

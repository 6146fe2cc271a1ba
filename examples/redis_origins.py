"""Per-tenant CORS origins kept in Redis, shared by every worker on every host.

An origin edited at run time reaches all workers: each asks Redis through an async
``allow_origin_func`` (redis-py's asyncio client), with fastcors' decision cache so that a hot
origin costs one Redis round trip per ``ORIGIN_CACHE_TTL`` seconds per worker, not one per request.
An origin added is allowed everywhere at once (or within the TTL where a refusal was cached); one
removed is refused everywhere within the TTL.

Layout in Redis: ``cors:tenant:<tenant>`` is the set of a tenant's origins (what you edit), and
``cors:origins`` is a hash from each allowed origin to its tenant (what requests read, one
``HEXISTS``). ``add_origin`` and ``remove_origin`` keep both in step, in one transaction.

When Redis is down, the origins it would decide are never approved: the lookup raises, the
request fails with a 500 (logged by the server with the Redis error), and nothing is cached, so
the first request after Redis recovers is answered normally. Requests without an ``Origin``
header, origins allowed statically (``STATIC_ORIGINS``) and verdicts still in the cache are
served as usual throughout.

Run it (two workers, a local Redis)::

    REDIS_URL=redis://127.0.0.1:6379/0 uvicorn examples.redis_origins:app --workers 2
    python -m examples.redis_origins add acme https://app.acme.example
    python -m examples.redis_origins remove acme https://app.acme.example
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from fastcors import CORSMiddleware

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ORIGIN_CACHE_TTL = float(os.environ.get("ORIGIN_CACHE_TTL", "5"))
STATIC_ORIGINS = ["https://admin.example.com"]
ORIGINS = "cors:origins"


def tenant_key(tenant: str) -> str:
    return f"cors:tenant:{tenant}"


def connect(url: str = REDIS_URL) -> Redis:
    # Fail fast rather than hold requests while Redis is away: no retries, short timeouts.
    return Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 0))


async def add_origin(redis: Redis, tenant: str, origin: str) -> None:
    """Allows ``origin`` for ``tenant``."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.sadd(tenant_key(tenant), origin)
        pipe.hset(ORIGINS, origin, tenant)
        await pipe.execute()


async def remove_origin(redis: Redis, tenant: str, origin: str) -> None:
    """Stops allowing ``origin`` for ``tenant``."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.srem(tenant_key(tenant), origin)
        pipe.hdel(ORIGINS, origin)
        await pipe.execute()


redis = connect()


async def origin_in_redis(origin: str) -> bool:
    """``allow_origin_func``: asked only for origins the static list refuses."""
    return bool(await redis.hexists(ORIGINS, origin))


async def api(scope: Any, receive: Any, send: Any) -> None:
    """The application: says which worker answered."""
    if scope["type"] != "http":
        return
    body = json.dumps({"worker": os.getpid()}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = CORSMiddleware(
    api,
    allow_origins=STATIC_ORIGINS,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type"],
    allow_origin_func=origin_in_redis,
    allow_origin_func_cache_size=10_000,
    allow_origin_func_cache_ttl=ORIGIN_CACHE_TTL,
)


def main() -> None:
    parser = argparse.ArgumentParser(description="Edit the origins allowed for each tenant.")
    parser.add_argument("action", choices=["add", "remove"])
    parser.add_argument("tenant")
    parser.add_argument("origin", help="as browsers send it, such as https://app.acme.example")
    arguments = parser.parse_args()
    edit = add_origin if arguments.action == "add" else remove_origin

    async def run() -> None:
        client = connect()
        try:
            await edit(client, arguments.tenant, arguments.origin)
        finally:
            await client.aclose()

    asyncio.run(run())


if __name__ == "__main__":
    main()

"""The app of ``tests/spec/test_redis_fleet.py``, served by several uvicorn workers: ``RedisOrigins``
behind ``CORSMiddleware``, each response naming its worker (``x-worker``), and each set a worker
starts serving reported to Redis (the list ``SERVED``: ``"<pid> <time.monotonic()> <origins>"``),
so that the test can time how long a change takes to reach every worker."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable

import redis

from fastcors import CORSMiddleware
from fastcors._types import Receive, Scope, Send
from fastcors.redis import RedisOrigins

URL = os.environ["REDIS_URL"]
SERVED = "fastcors-test:served"
WORKER = (b"x-worker", str(os.getpid()).encode())
_reports = redis.Redis.from_url(URL)


class ReportingOrigins(RedisOrigins):
    """Reports each set once requests read it."""

    def _serve(self, origins: Iterable[bytes]) -> None:
        served = frozenset(origins)
        super()._serve(served)
        listed = " ".join(sorted(origin.decode() for origin in served))
        with contextlib.suppress(redis.RedisError):  # Redis stopped by the test
            _reports.rpush(SERVED, f"{os.getpid()} {time.monotonic()} {listed}")


origins = ReportingOrigins(
    URL,
    resync_seconds=float(os.environ.get("RESYNC_SECONDS", "30")),
    max_stale_seconds=float(os.environ.get("MAX_STALE_SECONDS", "300")),
)


async def api(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    headers = [(b"content-length", b"2"), WORKER]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


app = CORSMiddleware(api, allow_origin_func=origins, allow_methods=["GET"])

"""A real uvicorn server on a free loopback port, in a thread, serving whichever app a test mounts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastcors._types import ASGIApp, Receive, Scope, Send


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LoopbackServer:
    """Serves ``self.app``, which each test sets, through uvicorn on 127.0.0.1."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.port = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "mount an app first"
        await self.app(scope, receive, send)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def running_loopback_server() -> Iterator[LoopbackServer]:
    """Starts uvicorn in a thread and stops it on exit."""
    import uvicorn

    loopback = LoopbackServer()
    loopback.port = free_port()
    config = uvicorn.Config(
        loopback, host="127.0.0.1", port=loopback.port, log_level="critical", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {loopback.port}")
        time.sleep(0.02)
    try:
        yield loopback
    finally:
        server.should_exit = True
        thread.join(timeout=10)

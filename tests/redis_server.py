"""A real ``redis-server`` for the tests, on a free loopback port, without persistence: started,
stopped and started again on the same port (an outage and a recovery)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.serving import free_port, start, stop

ROOT = Path(__file__).resolve().parent.parent


def redis_server_path() -> str:
    """Debian's ``redis-server`` (``scripts/test`` and ``.ci/run`` install it); without it the test
    is skipped, or fails where ``FASTCORS_REQUIRE_REDIS`` says it must run."""
    path = shutil.which("redis-server")
    if path is None:
        if os.environ.get("FASTCORS_REQUIRE_REDIS"):
            pytest.fail("redis-server is not installed (scripts/test installs Debian's redis-server)")
        pytest.skip("redis-server is not installed (scripts/test installs it)")
    return path


class RedisServer:
    """One ``redis-server`` on ``port``, which a test may stop and start again."""

    def __init__(self) -> None:
        self.path = redis_server_path()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            self.path,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        command += ["--logfile", os.devnull]
        self.process = start(command, self.port, cwd=ROOT, env=os.environ, what="redis-server")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

"""``examples/redis_origins.py`` under a real uvicorn with 2 workers and a real ``redis-server``.

Origins edited in Redis at run time reach every worker: one added is allowed on each, one removed
is refused on each within the cache's TTL, and while Redis is down an origin it would decide is
never approved (the request fails with a 500, as the example documents). Each step sends
requests on fresh connections until both workers have answered, and checks every answer.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.serving import free_port

redis_asyncio = pytest.importorskip("redis.asyncio")

ROOT = Path(__file__).resolve().parents[2]
TTL = 1.0
TENANT = "acme"
ORIGIN = "https://app.acme.example"


def redis_server_path() -> str:
    path = shutil.which("redis-server")
    if path is None:
        if os.environ.get("FASTCORS_REQUIRE_REDIS"):
            pytest.fail("redis-server is not installed (scripts/test installs Debian's redis-server)")
        pytest.skip("redis-server is not installed (scripts/test installs it)")
    return path


def start(command: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Starts a process in its own group and waits until it listens on ``port``."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            stop(process)
            pytest.fail(f"{command[0]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                pytest.fail(f"{command[0]} did not listen on port {port}")
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Deployment:
    redis_port: int
    redis: subprocess.Popen[bytes]
    http_port: int

    def edit(self, action: str, origin: str) -> None:
        from examples.redis_origins import add_origin, connect, remove_origin

        async def run() -> None:
            client = connect(f"redis://127.0.0.1:{self.redis_port}/0")
            try:
                await (add_origin if action == "add" else remove_origin)(client, TENANT, origin)
            finally:
                await client.aclose()

        asyncio.run(run())

    def answers_from_every_worker(self, method: str, origin: str) -> list[tuple[int, int, str | None]]:
        """(worker pid or 0, status, Access-Control-Allow-Origin) of requests on fresh connections,
        sent until both workers have answered. The kernel hands a connection to whichever worker
        accepts first, so on a loaded machine one worker can take hundreds in a row: the requests
        go on for up to 30 seconds (every answer is returned, and checked by the caller)."""
        answers = []
        workers: set[int] = set()
        headers = {"Origin": origin}
        if method == "OPTIONS":
            headers["Access-Control-Request-Method"] = "GET"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
            try:
                connection.request(method, "/", headers=headers)
                response = connection.getresponse()
                body = response.read()
                worker = response.getheader("x-worker")
                pid = int(worker) if worker else (json.loads(body)["worker"] if response.status == 200 else 0)
                answers.append((pid, response.status, response.getheader("access-control-allow-origin")))
            finally:
                connection.close()
            if pid:
                workers.add(pid)
            if len(workers) >= 2 and len(answers) >= 8:
                return answers
        pytest.fail(f"only workers {workers} answered: {answers[:5]}...")


@pytest.fixture
def deployment(implementation: str) -> Iterator[Deployment]:
    redis_port = free_port()
    redis = start(
        [
            redis_server_path(),
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        redis_port,
    )
    http_port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ORIGIN_CACHE_TTL": str(TTL),
        "FASTCORS_NO_EXTENSIONS": "1" if implementation == "python" else "",
    }
    command = [sys.executable, "-m", "uvicorn", "tests.redis_server_app:app", "--workers", "2"]
    server = start(
        [*command, "--host", "127.0.0.1", "--port", str(http_port), "--log-level", "critical"], http_port, env
    )
    try:
        yield Deployment(redis_port, redis, http_port)
    finally:
        stop(server)
        stop(redis)


def test_origins_edited_in_redis_reach_every_worker_and_redis_down_never_approves(
    deployment: Deployment,
) -> None:
    # Not in Redis: refused by every worker (and the refusal is cached for TTL seconds).
    refused = deployment.answers_from_every_worker("GET", ORIGIN)
    assert all(status == 200 and allowed is None for _, status, allowed in refused)

    deployment.edit("add", ORIGIN)
    time.sleep(TTL + 0.3)
    for method in ("GET", "OPTIONS"):
        answers = deployment.answers_from_every_worker(method, ORIGIN)
        assert all(status == 200 and allowed == ORIGIN for _, status, allowed in answers), answers

    deployment.edit("remove", ORIGIN)
    time.sleep(TTL + 0.3)
    for method in ("GET", "OPTIONS"):
        answers = deployment.answers_from_every_worker(method, ORIGIN)
        assert all(allowed is None for _, _, allowed in answers), answers
        assert {status for _, status, _ in answers} == {200 if method == "GET" else 400}

    deployment.edit("add", ORIGIN)
    stop(deployment.redis)
    time.sleep(TTL + 0.3)
    for method in ("GET", "OPTIONS"):
        answers = deployment.answers_from_every_worker(method, ORIGIN)
        assert all(status == 500 and allowed is None for _, status, allowed in answers), answers
    # Statically allowed origins are still served while Redis is down.
    static = deployment.answers_from_every_worker("GET", "https://admin.example.com")
    assert all(status == 200 and allowed == "https://admin.example.com" for _, status, allowed in static)

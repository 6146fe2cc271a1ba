"""``RedisOrigins`` in a fleet: two uvicorn servers on two loopback ports (two hosts), two workers
each, one real ``redis-server``, on each core.

An origin added with ``add()`` is allowed by all four workers, and one removed is refused by all
four. The time from ``add()``/``remove()`` to the last of the four workers serving the new set is
measured over 200 changes (each worker reports the sets it serves to Redis, with its
``time.monotonic()``, one clock for the whole machine); the test prints p50 and p99 (run it with
``-s``) and asserts only that every change reached every worker. Redis stopped: the last set is
served, then refused after ``max_stale_seconds``; Redis restarted: every worker loads the set again.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.redis_server import ROOT, RedisServer
from tests.serving import fetch, free_port, start, stop

pytest.importorskip("redis")
import redis

from fastcors.redis import RedisOrigins

SERVED = "fastcors-test:served"
ORIGIN = "https://app.acme.example"
CHANGES = 200
MAX_STALE_SECONDS = 2.0


@dataclass
class Fleet:
    redis_server: RedisServer
    ports: list[int]
    client: redis.Redis
    origins: RedisOrigins
    #: How many reports of ``SERVED`` were read so far, and every worker's latest set.
    read: int = 0
    sets: dict[int, tuple[float, frozenset[str]]] = field(default_factory=dict)

    def reports(self) -> None:
        """Reads the reports made since the last call."""
        entries: list[bytes] = self.client.lrange(SERVED, self.read, -1)  # type: ignore[assignment]
        self.read += len(entries)
        for entry in entries:
            pid, when, *listed = entry.decode().split(" ")
            self.sets[int(pid)] = (float(when), frozenset(listed))

    def every_worker_serves(self, origin: str, present: bool, since: float, deadline: float = 10) -> float:
        """Waits until each of the four workers serves a set, reported after ``since``, with
        (``present``) or without ``origin``; returns the last worker's report time."""
        limit = time.monotonic() + deadline
        while True:
            self.reports()
            fresh = [
                when for when, listed in self.sets.values() if when >= since and (origin in listed) == present
            ]
            if len(fresh) == 4:
                return max(fresh)
            if time.monotonic() > limit:
                pytest.fail(f"{origin} {'added' if present else 'removed'}: workers' sets {self.sets}")
            time.sleep(0.0005)

    def answers(self, origin: str) -> dict[int, set[str | None]]:
        """Each worker's ``Access-Control-Allow-Origin`` answers to a GET from ``origin``: requests
        on fresh connections to each port until both of its workers have answered."""
        answers: dict[int, set[str | None]] = {}
        for port in self.ports:
            seen: set[int] = set()
            deadline = time.monotonic() + 30
            while len(seen) < 2:
                if time.monotonic() > deadline:
                    pytest.fail(f"only workers {seen} of port {port} answered")
                status, headers, _ = fetch(port, "GET", {"Origin": origin})
                assert status == 200
                worker = int(headers["x-worker"])
                seen.add(worker)
                answers.setdefault(worker, set()).add(headers.get("access-control-allow-origin"))
        assert len(answers) == 4
        return answers


@pytest.fixture
def fleet(implementation: str) -> Iterator[Fleet]:
    redis_server = RedisServer()
    redis_server.start()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": redis_server.url,
        "RESYNC_SECONDS": "0.5",
        "MAX_STALE_SECONDS": str(MAX_STALE_SECONDS),
        "FASTCORS_NO_EXTENSIONS": "1" if implementation == "python" else "",
    }
    servers = []
    ports = [free_port(), free_port()]
    client = redis.Redis.from_url(redis_server.url)
    origins = RedisOrigins(redis_server.url)
    try:
        for port in ports:
            command = [sys.executable, "-m", "uvicorn", "tests.redis_fleet_app:app", "--workers", "2"]
            command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            servers.append(start(command, port, cwd=ROOT, env=env, what="uvicorn"))
        fleet = Fleet(redis_server, ports, client, origins)
        deadline = time.monotonic() + 30
        while len(fleet.sets) < 4:  # every worker has loaded the set
            if time.monotonic() > deadline:
                pytest.fail(f"only workers {list(fleet.sets)} loaded the set")
            fleet.reports()
            time.sleep(0.01)
        yield fleet
    finally:
        origins.close()
        for server in servers:
            stop(server)
        client.close()
        redis_server.stop()


def test_a_change_reaches_every_worker_of_every_host(fleet: Fleet) -> None:
    assert all(answers == {None} for answers in fleet.answers(ORIGIN).values())
    fleet.origins.add(ORIGIN)
    fleet.every_worker_serves(ORIGIN, True, 0)
    assert all(answers == {ORIGIN} for answers in fleet.answers(ORIGIN).values())
    fleet.origins.remove(ORIGIN)
    fleet.every_worker_serves(ORIGIN, False, 0)
    assert all(answers == {None} for answers in fleet.answers(ORIGIN).values())

    latencies = []
    for change in range(CHANGES // 2):
        origin = f"https://change{change}.example"
        for present, edit in ((True, fleet.origins.add), (False, fleet.origins.remove)):
            before = time.monotonic()
            edit(origin)
            latencies.append(fleet.every_worker_serves(origin, present, before) - before)
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"\n{len(latencies)} changes reached all 4 workers: p50 {cuts[49] * 1000:.1f} ms, "
        f"p99 {cuts[98] * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )


def test_redis_stopped_then_restarted_across_the_fleet(fleet: Fleet) -> None:
    fleet.origins.add(ORIGIN)
    fleet.every_worker_serves(ORIGIN, True, 0)
    fleet.redis_server.stop()
    stopped = time.monotonic()
    answers = fleet.answers(ORIGIN)
    if time.monotonic() - stopped < MAX_STALE_SECONDS - 0.5:  # a slow machine: too late to tell
        assert all(answer == {ORIGIN} for answer in answers.values())  # the last set, served
    deadline = time.monotonic() + 20
    while not all(answer == {None} for answer in fleet.answers(ORIGIN).values()):
        assert time.monotonic() < deadline, "not every worker refused once the set went stale"
    fleet.redis_server.start()
    restarted = time.monotonic()
    fleet.read = 0  # a new, empty Redis: its list of reports starts again
    fleet.client.sadd("fastcors:origins", ORIGIN)
    fleet.every_worker_serves(ORIGIN, True, restarted, deadline=20)
    assert all(answers == {ORIGIN} for answers in fleet.answers(ORIGIN).values())

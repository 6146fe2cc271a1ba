"""Memory soak: millions of requests of every class through each core, memory must stay flat.

Each core runs in a subprocess of its own (so that neither sees the other's heap). Requests are
driven synchronously with ``coroutine.send(None)``, no event loop, through ``CORSMiddleware`` on
the harness's "3 origins" configuration, cycling through the request classes of the benchmarks
(no ``Origin``, allowed and disallowed simple requests, allowed and rejected preflights) plus an
allowed request whose app sets ``Vary`` (merged by the middleware).

Two measurements per core, each after a warm-up:

* RSS (``VmRSS`` of ``/proc/self/status``) across ``requests`` requests of every class, sampled ten
  times; the growth from the end of the warm-up to the end, and the largest sample;
* the Python heap, with ``tracemalloc`` tracing (which slows every allocation several times, so
  this pass runs at most 200,000 requests of every class): the growth of traced memory.

The target is flat: less than 1 MiB of growth for both.

Usage: ``python -m tools.soak [requests per class, default 2,000,000]``
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.harness import (
    ALLOWED_ORIGIN,
    CONFIGS,
    REQUEST_CLASSES,
    bare_app,
    check_against_starlette,
    drive,
    fastcors_on,
    scope_for,
)

from fastcors import _pure
from fastcors._types import ASGIApp, Receive, Scope, Send

WARM_UP = 20_000
TRACED_LIMIT = 200_000
MIB = 1024 * 1024
CONFIG = "3 origins"


async def vary_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that sets ``Vary`` itself, so the middleware merges rather than appends."""
    headers = [(b"content-type", b"application/json"), (b"vary", b"Accept-Encoding")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"ok":true}'})


@dataclass
class Result:
    implementation: str
    requests: int
    seconds: float
    rss_after_warm_up: int
    rss_at_end: int
    rss_peak: int
    traced_requests: int
    traced_growth: int
    traced_peak_growth: int


def rss() -> int:
    """This process's resident set size, in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def workload(implementation: str) -> list[tuple[ASGIApp, Scope]]:
    """(app, scope) for every request class, on the chosen core."""
    if implementation == "rust":
        from fastcors import _fastcors

        core: Any = _fastcors
    else:
        core = _pure
    build = fastcors_on(core)
    plain = build(bare_app, **CONFIGS[CONFIG])
    merging = build(vary_app, **CONFIGS[CONFIG])
    for request in REQUEST_CLASSES:
        check_against_starlette(f"fastcors {implementation}", plain, CONFIG, request)
    allowed = next(request for request in REQUEST_CLASSES if request.name == "allowed simple")
    assert (b"origin", ALLOWED_ORIGIN) in allowed.headers
    work = [(plain, scope_for(request)) for request in REQUEST_CLASSES]
    work.append((merging, scope_for(allowed)))
    return work


def push(work: list[tuple[ASGIApp, Scope]], rounds: int) -> None:
    for _ in range(rounds):
        for app, scope in work:
            drive(app, scope)


def soak(implementation: str, requests: int) -> Result:
    work = workload(implementation)
    push(work, WARM_UP)
    gc.collect()
    after_warm_up = peak = rss()
    started = time.perf_counter()
    step = max(1, requests // 10)
    done = 0
    while done < requests:
        rounds = min(step, requests - done)
        push(work, rounds)
        done += rounds
        peak = max(peak, rss())
    seconds = time.perf_counter() - started
    gc.collect()
    at_end = rss()

    traced = min(requests, TRACED_LIMIT)
    tracemalloc.start()
    push(work, 1_000)
    gc.collect()
    traced_before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    push(work, traced)
    gc.collect()
    traced_after, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Result(
        implementation=implementation,
        requests=requests * len(work),
        seconds=seconds,
        rss_after_warm_up=after_warm_up,
        rss_at_end=at_end,
        rss_peak=peak,
        traced_requests=traced * len(work),
        traced_growth=traced_after - traced_before,
        traced_peak_growth=traced_peak - traced_before,
    )


def table(results: list[Result]) -> str:
    lines = [
        "| core | requests | µs/request | RSS after warm-up | RSS growth | RSS peak growth "
        "| traced requests | tracemalloc growth | tracemalloc peak growth | flat (< 1 MiB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        growth = result.rss_at_end - result.rss_after_warm_up
        flat = growth < MIB and result.traced_growth < MIB
        lines.append(
            f"| {result.implementation} | {result.requests:,} | {result.seconds / result.requests * 1e6:.2f} "
            f"| {result.rss_after_warm_up / MIB:.1f} MiB | {growth / 1024:+,.0f} KiB "
            f"| {(result.rss_peak - result.rss_after_warm_up) / 1024:+,.0f} KiB | {result.traced_requests:,} "
            f"| {result.traced_growth / 1024:+,.1f} KiB | {result.traced_peak_growth / 1024:+,.1f} KiB "
            f"| {'yes' if flat else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Memory soak of both cores.")
    parser.add_argument("requests", nargs="?", type=int, default=2_000_000, help="requests of every class")
    parser.add_argument("--implementation", choices=["rust", "python"], help="run one core, print JSON")
    arguments = parser.parse_args(argv)
    if arguments.implementation:
        print(json.dumps(asdict(soak(arguments.implementation, arguments.requests))))
        return 0
    results = []
    for implementation in ("rust", "python"):
        print(
            f"soaking the {implementation} core: {arguments.requests:,} requests of every class",
            file=sys.stderr,
        )
        output = subprocess.run(
            [
                sys.executable,
                "-m",
                "tools.soak",
                str(arguments.requests),
                "--implementation",
                implementation,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(Result(**json.loads(output.splitlines()[-1])))
    print(table(results))
    flat = all(r.rss_at_end - r.rss_after_warm_up < MIB and r.traced_growth < MIB for r in results)
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())

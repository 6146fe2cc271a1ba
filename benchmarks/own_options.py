"""What fastcors' own origin options cost: patterns, and ``allow_origin_func``.

Every configuration here allows ``ALLOWED_ORIGIN`` and refuses ``DISALLOWED_ORIGIN``, as the
``3 origins`` configuration of ``benchmarks.harness`` does with a plain list, so each answer is
checked against Starlette configured with that list before it is timed. The rows show that 1,000
patterns cost what 3 do, and that requests which never need ``allow_origin_func`` cost what they
cost without it. Same method as ``benchmarks.compare``: interleaved rounds, the median of each
contender's time minus the bare app's in the same round. Time is the thread's CPU time, not the
wall clock, so that other processes sharing the machine do not count (``--clock wall`` for the
wall clock).

    python -m benchmarks.own_options [--rounds 15] [--batch 2000] [--markdown out.md]
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    _COMMON,
    ALLOWED_ORIGIN,
    CONFIGS,
    CONTENDERS,
    REQUEST_CLASSES,
    RequestClass,
    bare_app,
    drive,
    recorded_messages,
    scope_for,
)
from fastcors._types import ASGIApp, Scope

ALLOWED = ALLOWED_ORIGIN.decode()
REFERENCE = "3 origins"
CORES = [name for name in ("fastcors python", "fastcors rust") if name in CONTENDERS]


def _refuse(origin: str) -> bool:
    return False


def _allow_the_allowed(origin: str) -> bool:
    return origin == ALLOWED


OWN_CONFIGS: dict[str, dict[str, Any]] = {
    "3 origins": CONFIGS[REFERENCE],
    "3 patterns": {
        **_COMMON,
        "allow_origin_patterns": ["https://*.example.org", "http://localhost:*", "https://*.example.com"],
    },
    "1,000 patterns": {
        **_COMMON,
        "allow_origin_patterns": [f"https://*.tenant{i}.example.com" for i in range(999)]
        + ["https://*.example.com"],
    },
    "3 origins + allow_origin_func": {**CONFIGS[REFERENCE], "allow_origin_func": _refuse},
    "allow_origin_func decides": {
        **_COMMON,
        "allow_origins": ["https://example.org"],
        "allow_origin_func": _allow_the_allowed,
    },
    "allow_origin_func decides, cached": {
        **_COMMON,
        "allow_origins": ["https://example.org"],
        "allow_origin_func": _allow_the_allowed,
        "allow_origin_func_cache_size": 1024,
        "allow_origin_func_cache_ttl": 60,
    },
}


def build(core: str, config: str) -> ASGIApp:
    """The middleware on ``core``, checked against Starlette for every request class."""
    app = CONTENDERS[core][0](bare_app, **OWN_CONFIGS[config])
    reference = CONTENDERS["starlette"][0](bare_app, **CONFIGS[REFERENCE])
    for request in REQUEST_CLASSES:
        scope = scope_for(request)
        if recorded_messages(app, scope) != recorded_messages(reference, scope):
            raise AssertionError(f"{core} with {config} differs from Starlette for {request.name}")
    return app


CLOCKS: dict[str, Callable[[], int]] = {"cpu": time.thread_time_ns, "wall": time.perf_counter_ns}


def time_batch(
    app: ASGIApp, scope: Scope, batch: int, clock: Callable[[], int] = time.thread_time_ns
) -> float:
    start = clock()
    for _ in range(batch):
        drive(app, scope)
    return (clock() - start) / batch


def measure(
    request: RequestClass, rounds: int, batch: int, clock: Callable[[], int] = time.thread_time_ns
) -> dict[tuple[str, str], float]:
    """Median paired overhead above the bare app, in ns, per (config, core)."""
    apps: dict[Any, ASGIApp] = {"bare": bare_app}
    for config in OWN_CONFIGS:
        for core in CORES:
            apps[config, core] = build(core, config)
    scope = scope_for(request)
    for app in apps.values():
        time_batch(app, scope, batch // 4 + 1)
    samples: dict[Any, list[float]] = {name: [] for name in apps}
    for _ in range(rounds):
        order = list(apps)
        random.shuffle(order)
        gc.collect()
        for name in order:
            samples[name].append(time_batch(apps[name], scope, batch, clock))
    bare = samples.pop("bare")
    return {
        name: statistics.median(t - b for t, b in zip(times, bare, strict=True))
        for name, times in samples.items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--clock", choices=list(CLOCKS), default="cpu")
    args = parser.parse_args(argv)
    print(
        f"Python {platform.python_version()}, {args.rounds} rounds x {args.batch} requests", file=sys.stderr
    )
    results = {}
    for request in REQUEST_CLASSES:
        results[request.name] = measure(request, args.rounds, args.batch, CLOCKS[args.clock])
        print(f"  measured {request.name}", file=sys.stderr)
    head = ["config", "request", *(f"{core} (µs)" for core in CORES)]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * len(CORES)]
    for config in OWN_CONFIGS:
        for request in REQUEST_CLASSES:
            cells = [f"+{results[request.name][config, core] / 1000:.2f}" for core in CORES]
            lines.append(f"| {config} | {request.name} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")


if __name__ == "__main__":
    main()

"""Regular-expression denial of service: a backtracking-prone ``allow_origin_regex`` under attack.

The configuration is ``allow_origin_regex=r"https://(a+)+\\.example\\.org"``, and the hostile
``Origin`` is ``https://`` followed by n times ``a`` and a ``!``: it never matches, and Python's
``re`` (which Starlette uses, and so does fastcors' pure-Python core) tries every way of splitting
the ``a``s between the two ``+`` before saying so, 2^n of them. The Rust core evaluates the same
pattern with Rust's ``regex`` crate, in time linear in the origin's length.

Each Python contender is timed in a subprocess of its own, one request per length, given up after
a time limit (5 s by default) and reported as "> limit"; once a length is given up, longer ones are
too, without running them. The Rust core is timed in this process on every length, up to 64 KiB.
A second table shows that a hostile ``Access-Control-Request-Headers`` (up to a megabyte of header
names, every one allowed, so that all must be checked) costs time linear in its length.

Usage: ``python -m benchmarks.redos [--limit SECONDS]``. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Any

from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from benchmarks.harness import bare_app, drive, fastcors_on, recorded_messages
from fastcors import _pure
from fastcors._types import ASGIApp, Scope

PATTERN = r"https://(a+)+\.example\.org"
OPTIONS: dict[str, Any] = {"allow_origin_regex": PATTERN, "allow_headers": ["X-Token", "X-Request-ID"]}
#: Python contenders stop at the first length they are given up on: longer ones only take longer.
LENGTHS = [16, 18, 20, 22, 24, 26, 28, 32, 64, 256, 1000, 5000, 64 * 1024]
ACRH_SIZES = [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024]


def hostile_origin(length: int) -> bytes:
    return b"https://" + b"a" * length + b"!"


def simple_scope(origin: bytes) -> Scope:
    return {"type": "http", "method": "GET", "path": "/", "headers": [(b"origin", origin)]}


def build(contender: str) -> ASGIApp:
    if contender == "starlette":
        app: ASGIApp = StarletteCORSMiddleware(bare_app, **OPTIONS)
        return app
    if contender == "fastcors python":
        return fastcors_on(_pure)(bare_app, **OPTIONS)
    from fastcors import _fastcors

    middleware = fastcors_on(_fastcors)(bare_app, **OPTIONS)
    engine = getattr(middleware, "origin_regex_engine", None)
    if engine != "rust":
        raise AssertionError(f"the pattern should get the Rust engine, got {engine!r}")
    return middleware


def time_one(contender: str, length: int) -> float:
    """Seconds for one request with the hostile origin (run in a subprocess by the parent)."""
    app = build(contender)
    scope = simple_scope(hostile_origin(length))
    started = time.perf_counter()
    drive(app, scope)
    return time.perf_counter() - started


def time_in_subprocess(contender: str, length: int, limit: float) -> float | None:
    """Seconds, or ``None`` when the request took longer than ``limit``."""
    command = [sys.executable, "-m", "benchmarks.redos", "--one", contender, str(length)]
    try:
        # Generous for interpreter start-up; the child reports the request's own time.
        output = subprocess.run(command, capture_output=True, text=True, timeout=limit + 3, check=True).stdout
    except subprocess.TimeoutExpired:
        return None
    seconds = float(output.split()[-1])
    return seconds if seconds <= limit else None


def best_of(app: ASGIApp, scope: Scope, repeat: int = 5) -> float:
    """Seconds per request: the best of ``repeat`` batches of at least 20 ms."""
    batch = 1
    while True:
        started = time.perf_counter()
        for _ in range(batch):
            drive(app, scope)
        if time.perf_counter() - started >= 0.02:
            break
        batch *= 2
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(batch):
            drive(app, scope)
        best = min(best, (time.perf_counter() - started) / batch)
    return best


def duration(seconds: float | None, limit: float) -> str:
    if seconds is None:
        return f"> {limit:g} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def origin_table(limit: float) -> str:
    python_contenders = ["starlette", "fastcors python"]
    found: dict[str, dict[int, float | None]] = {name: {} for name in python_contenders}
    for name in python_contenders:
        given_up = False
        for length in LENGTHS:
            if given_up:
                found[name][length] = None
                continue
            print(f"  {name}: Origin of {length} a's", file=sys.stderr)
            found[name][length] = time_in_subprocess(name, length, limit)
            given_up = found[name][length] is None
    rust = build("fastcors rust")
    lines = [
        "| hostile Origin (a's) | starlette | fastcors python | fastcors rust |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for length in LENGTHS:
        scope = simple_scope(hostile_origin(length))
        rust_seconds = best_of(rust, scope)
        cells = [duration(found[name][length], limit) for name in python_contenders]
        lines.append(f"| {length:,} | {cells[0]} | {cells[1]} | {duration(rust_seconds, limit)} |")
    return "\n".join(lines)


def acrh_table(limit: float) -> str:
    contenders = {
        "starlette": build("starlette"),
        "fastcors python": build("fastcors python"),
        "fastcors rust": build("fastcors rust"),
    }
    lines = [
        "| hostile ACRH (allowed names) | starlette | fastcors python | fastcors rust | rust ns/byte |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in ACRH_SIZES:
        value = b"x-token," * (size // 8) + b"X-Request-ID"
        scope: Scope = {
            "type": "http",
            "method": "OPTIONS",
            "path": "/",
            "headers": [
                (b"origin", b"https://api.example.org"),
                (b"access-control-request-method", b"GET"),
                (b"access-control-request-headers", value),
            ],
        }
        reference = recorded_messages(contenders["starlette"], scope)
        timings = {}
        for name, app in contenders.items():
            if recorded_messages(app, scope) != reference:
                raise AssertionError(f"{name} differs from Starlette")
            timings[name] = best_of(app, scope, repeat=3)
        cells = " | ".join(duration(seconds, limit) for seconds in timings.values())
        per_byte = timings["fastcors rust"] / len(value) * 1e9
        lines.append(f"| {size // 1024:,} KiB | {cells} | {per_byte:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="ReDoS: a backtracking-prone allow_origin_regex under attack."
    )
    parser.add_argument(
        "--limit", type=float, default=5.0, help="seconds before a Python request is given up"
    )
    parser.add_argument("--one", nargs=2, metavar=("CONTENDER", "LENGTH"), help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.one:
        contender, length = arguments.one
        print(f"{time_one(contender, int(length)):.9f}")
        return 0
    print(f"## `allow_origin_regex={PATTERN!r}`, Origin `https://` + n `a`s + `!`, one request\n")
    print(origin_table(arguments.limit))
    print("\n## A hostile Access-Control-Request-Headers, every name allowed, one preflight\n")
    print(acrh_table(arguments.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Instructions per request in-process, as the micro-benchmarks drive requests: the counterpart of
``benchmarks.load_callgrind`` without a server, to tell the middleware's own work from the server's.

Each contender wraps the micro-benchmarks' bare app with the load benchmark's configuration
(``benchmarks.load_app.CORS_OPTIONS``); a child process drives ``n`` and then ``2 n`` requests of one
class under ``valgrind --tool=callgrind``, and the difference of the two totals over ``n`` is the
count per request (start-up and imports cancel out).

    python -m benchmarks.count_in_process [--requests 2000] [--request "allowed simple"]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import CONTENDERS, REQUEST_CLASSES, bare_app, drive, scope_for
from benchmarks.load_app import ALLOWED_RESPONSE_HEADERS, CORS_OPTIONS, StaticHeadersMiddleware
from fastcors._types import ASGIApp

NAMES = ("bare app", "static headers", "starlette", "fastcors python", "fastcors rust")


def build(contender: str) -> ASGIApp:
    if contender == "static headers":
        return StaticHeadersMiddleware(bare_app, ALLOWED_RESPONSE_HEADERS)
    make, _ = CONTENDERS[contender]
    return make(bare_app, **CORS_OPTIONS)


def drive_many(contender: str, request: str, count: int) -> None:
    """The child's work: ``count`` requests through the contender."""
    app = build(contender)
    scope = scope_for({r.name: r for r in REQUEST_CLASSES}[request])
    for _ in range(count):
        drive(app, scope)


def instructions(contender: str, request: str, count: int) -> int:
    """The instructions callgrind counts for a whole child process driving ``count`` requests."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "callgrind.log"
        child = [
            sys.executable,
            "-m",
            "benchmarks.count_in_process",
            "--child",
            contender,
            request,
            str(count),
        ]
        valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", f"--log-file={log}"]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run([*valgrind, *child], check=True, env=env)
        found = re.search(r"Collected : (\d+)", log.read_text())
        if found is None:
            raise RuntimeError(f"no total in callgrind's log:\n{log.read_text()}")
        return int(found[1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--request", default="allowed simple", choices=[r.name for r in REQUEST_CLASSES])
    parser.add_argument("--child", nargs=3, metavar=("CONTENDER", "REQUEST", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        contender, request, count = args.child
        drive_many(contender, request, int(count))
        return
    names = [name for name in NAMES if name in CONTENDERS or name == "static headers"]
    counts = {}
    for name in names:
        n = args.requests
        counts[name] = (instructions(name, args.request, 2 * n) - instructions(name, args.request, n)) / n
        print(f"{name:<16} {counts[name]:9,.0f} Ir/req", file=sys.stderr, flush=True)
    bare = counts["bare app"]
    print(f"| contender | Ir/req ({args.request}, in-process) | above the bare app |")
    print("|---|---:|---:|")
    for name in names:
        print(f"| {name} | {counts[name]:,.0f} | {counts[name] - bare:+,.0f} |")


if __name__ == "__main__":
    main()

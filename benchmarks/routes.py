"""What ``routes`` costs: instructions per request (callgrind, as ``benchmarks.instructions``
counts them) of the "3 origins" configuration without routes, with 3 routes and with 1,000, on
each core, for a request under a route and one under none.

    python -m benchmarks.routes [--requests 1000]

Every route's options are the top level's with ``max_age`` overridden, so each row answers alike
and the figures differ by the route lookup alone; the paths have three segments, so the lookup
walks at most three nodes whatever the number of routes.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CORES = ("fastcors rust", "fastcors python")
ROWS: dict[str, dict[str, Any] | None] = {
    "no routes": None,
    "3 routes": {"/api": {"max_age": 60}, "/admin": {"max_age": 60}, "/webhooks": None},
    "1,000 routes": {
        **{f"/section{i}/items": {"max_age": 60} for i in range(998)},
        "/api": {"max_age": 60},
        "/webhooks": None,
    },
}
PATHS = {"under a route": "/api/v1/items", "under none": "/items/1/detail"}
REQUEST = "allowed simple"
WARMUP = 300


def cells() -> list[tuple[str, str, str]]:
    return [(core, row, path) for core in CORES for row in ROWS for path in PATHS]


def child(requests: int) -> None:
    """Under callgrind: the bare app's batch, then one counted batch per cell."""
    from benchmarks.harness import CONFIGS, CONTENDERS, REQUEST_CLASSES, bare_app, drive, scope_for

    request = next(request for request in REQUEST_CLASSES if request.name == REQUEST)
    batches: list[tuple[Any, Any]] = [(bare_app, scope_for(request))]
    for core, row, path in cells():
        build, _ = CONTENDERS[core]
        routes = ROWS[row]
        options = dict(CONFIGS["3 origins"])
        if routes is not None:
            options["routes"] = routes
        batches.append((build(bare_app, **options), {**scope_for(request), "path": PATHS[path]}))
    for app, scope in batches:
        for _ in range(WARMUP):
            drive(app, scope)
        gc.collect()
        gc.disable()
        functools.reduce(lambda _, __: drive(app, scope), range(requests), None)  # the call counted
        gc.enable()


def measure(requests: int) -> dict[tuple[str, str, str], float]:
    """Instructions per request above the bare app, by cell."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("benchmarks.routes: valgrind is missing (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as directory:
        command = [
            valgrind,
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=functools_reduce",
            "--dump-after=functools_reduce",
            f"--callgrind-out-file={Path(directory) / 'callgrind.out'}",
            f"--log-file={Path(directory) / 'log'}",
            sys.executable,
            "-m",
            "benchmarks.routes",
            "--child",
            str(requests),
        ]
        if shutil.which("setarch"):
            command = ["setarch", platform.machine(), "-R", *command]
        environment = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        subprocess.run(command, check=True, env=environment)
        dumps = sorted(Path(directory).glob("callgrind.out.*"), key=lambda path: int(path.suffix[1:]))
        totals = [
            int(line.split()[1]) / requests
            for dump in dumps
            for line in dump.read_text().splitlines()
            if line.startswith("totals:")
        ]
    bare, *rest = totals
    return {cell: round(total - bare, 1) for cell, total in zip(cells(), rest, strict=True)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child is not None:
        child(arguments.child)
        return
    figures = measure(arguments.requests)
    print(f"instructions per {REQUEST} request above the bare app, CPython {platform.python_version()}")
    print(f"| core | routes | {' | '.join(PATHS)} |")
    print(f"| --- | --- |{' ---: |' * len(PATHS)}")
    for core in CORES:
        for row in ROWS:
            values = " | ".join(f"{figures[core, row, path]:,.0f}" for path in PATHS)
            print(f"| {core} | {row} | {values} |")


if __name__ == "__main__":
    main()

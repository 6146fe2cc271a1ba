"""Instructions per request, in-process, for the cells of ``scripts/bench``: the deterministic
counterpart of its timings, and what the performance gate (``scripts/perf-gate``) compares.

One child process per contender runs under ``valgrind --tool=callgrind`` with collection off but
inside ``functools.reduce``, which drives each measured batch: every batch is one dump, so start-up,
imports and warm-up are never counted. A cell's figure is its batch's instructions per request
minus the bare app's for the same request class, in the same process: what the middleware adds.
``PYTHONHASHSEED=0`` and address-space randomisation off (``setarch -R``) make a run repeat its
counts exactly on an unchanged tree.

    python -m benchmarks.instructions [--contenders "fastcors rust,fastcors python"] [--requests 1000]
        [--json FILE] [--baseline FILE [--tolerance 0.03]]

With ``--baseline``, exits 1 when any cell of a contender present in the baseline rose by more
than the tolerance (3%) above it, and says which; when both runs measured Starlette, each cell is
compared as its ratio to Starlette's in the same run.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FASTCORS = ("fastcors rust", "fastcors python")
BARE = "bare app"
WARMUP = 300


def child(contender: str, requests: int) -> None:
    """Under callgrind: for each cell, a warm-up, then one counted batch of ``requests``."""
    from benchmarks.harness import CONFIGS, CONTENDERS, REQUEST_CLASSES, bare_app, scope_for

    build, _ = CONTENDERS[contender]
    configs = list(CONFIGS) if contender != BARE else ["-"]
    for config in configs:
        app = build(bare_app, **CONFIGS.get(config, {}))
        for request in REQUEST_CLASSES:
            scope = scope_for(request)
            batch(app, scope, requests)


def batch(app: Any, scope: Any, requests: int) -> None:
    """A warm-up, then the one counted batch of ``requests`` (run under ``counted_batches``)."""
    from benchmarks.harness import drive

    for _ in range(WARMUP):
        drive(app, scope)
    # A collection inside a batch would count whatever garbage the warm-up left (±1%):
    # each batch starts from a collected heap and runs without the collector.
    gc.collect()
    gc.disable()
    # The one call counted: `reduce` is the function callgrind collects inside.
    functools.reduce(lambda _, __: drive(app, scope), range(requests), None)
    gc.enable()


def counted_batches(module: str, child: list[str], requests: int) -> list[float]:
    """Instructions per request of each ``batch`` that ``python -m module --child *child`` runs,
    in its order."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit(f"{module}: valgrind is missing (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "callgrind.out"
        command = [
            valgrind,
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=functools_reduce",
            "--dump-after=functools_reduce",
            f"--callgrind-out-file={out}",
            f"--log-file={Path(directory) / 'log'}",
            sys.executable,
            "-m",
            module,
            "--child",
            *child,
        ]
        if shutil.which("setarch"):
            command = ["setarch", platform.machine(), "-R", *command]
        environment = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        subprocess.run(command, check=True, env=environment)
        dumps = sorted(Path(directory).glob("callgrind.out.*"), key=lambda path: int(path.suffix[1:]))
        totals = []
        for dump in dumps:
            for line in dump.read_text().splitlines():
                if line.startswith("totals:"):
                    totals.append(int(line.split()[1]) / requests)
        return totals


Cell = tuple[str, str, str]


def cell_figures(
    module: str,
    description: str | None,
    argv: list[str] | None,
    child: Callable[[int], None],
    cells: list[Cell],
) -> dict[Cell, float] | None:
    """The command line of a benchmark of ``cells`` (``--requests``): under callgrind
    (``--child``), ``child(requests)`` runs the bare app's batch then one batch per cell, and
    ``None`` is returned; otherwise each cell's instructions per request above the bare app."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child is not None:
        child(arguments.child)
        return None
    bare, *totals = counted_batches(module, [str(arguments.requests)], arguments.requests)
    return {cell: total - bare for cell, total in zip(cells, totals, strict=True)}


def cell_table(
    headings: tuple[str, str],
    cores: tuple[str, ...],
    rows: tuple[str, ...],
    columns: tuple[str, ...],
    figures: dict[tuple[str, str, str], float],
) -> str:
    """A Markdown table of ``figures`` by ``(core, row, column)``: a line per core and row."""
    lines = [
        f"| {headings[0]} | {headings[1]} | {' | '.join(columns)} |",
        f"| --- | --- |{' ---: |' * len(columns)}",
    ]
    for core in cores:
        for row in rows:
            values = " | ".join(f"{figures[core, row, column]:,.0f}" for column in columns)
            lines.append(f"| {core} | {row} | {values} |")
    return "\n".join(lines)


def counted(contender: str, requests: int) -> list[float]:
    """Instructions per request of each batch ``child`` runs, in its order."""
    return counted_batches("benchmarks.instructions", [contender, str(requests)], requests)


def measure(contenders: list[str], requests: int) -> dict[str, Any]:
    """``{"cells": {contender: {config: {request: instructions above the bare app}}}, ...}``."""
    from benchmarks.harness import CONFIGS, REQUEST_CLASSES

    names = [request.name for request in REQUEST_CLASSES]
    bare = dict(zip(names, counted(BARE, requests), strict=True))
    cells: dict[str, dict[str, dict[str, float]]] = {}
    for contender in contenders:
        totals = iter(counted(contender, requests))
        cells[contender] = {
            config: {name: round(next(totals) - bare[name], 1) for name in names} for config in CONFIGS
        }
    return {
        "python": platform.python_version(),
        "requests": requests,
        "bare_app": {name: round(value, 1) for name, value in bare.items()},
        "cells": cells,
    }


def table(result: dict[str, Any]) -> str:
    contenders = list(result["cells"])
    lines = [
        "| configuration | request | " + " | ".join(contenders) + " |",
        "|---|---|" + "---:|" * len(contenders),
    ]
    first = result["cells"][contenders[0]]
    for config, requests in first.items():
        for request in requests:
            counts = [f"{result['cells'][c][config][request]:,.0f}" for c in contenders]
            lines.append(f"| {config} | {request} | " + " | ".join(counts) + " |")
    return "\n".join(lines)


REFERENCE = "starlette"


def rises(result: dict[str, Any], baseline: dict[str, Any], tolerance: float) -> list[str]:
    """Every cell that costs more than ``tolerance`` above its baseline figure.

    When both runs measured Starlette, a cell is its ratio to Starlette's same cell, measured in
    the same run: what the interpreter and the C library cost on another machine cancels out."""
    found = []
    relative = REFERENCE in baseline["cells"] and REFERENCE in result["cells"]
    for contender, configs in baseline["cells"].items():
        if relative and contender == REFERENCE:
            continue
        for config, requests in configs.items():
            for request, before in requests.items():
                now = result["cells"].get(contender, {}).get(config, {}).get(request)
                if now is None:
                    found.append(f"{contender} / {config} / {request}: not measured")
                    continue
                unit = "instructions per request above the bare app"
                if relative:
                    before /= baseline["cells"][REFERENCE][config][request]
                    now /= result["cells"][REFERENCE][config][request]
                    unit = "of Starlette's instructions above the bare app"
                if now > before * (1 + tolerance):
                    found.append(
                        f"{contender} / {config} / {request}: {now:,.3g} {unit}, "
                        f"baseline {before:,.3g} (+{now / before - 1:.1%})"
                    )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contenders", default=",".join(FASTCORS))
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--baseline", type=Path, help="compare with these figures")
    parser.add_argument("--tolerance", type=float, default=0.03)
    parser.add_argument("--child", nargs=2, metavar=("CONTENDER", "REQUESTS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    result = measure([name.strip() for name in args.contenders.split(",")], args.requests)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.baseline is None:
        return 0
    found = rises(result, json.loads(args.baseline.read_text()), args.tolerance)
    for line in found:
        print(f"rise: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

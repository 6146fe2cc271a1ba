"""The side-by-side comparison: every contender's cost per request, measured in one run.

For each configuration and request class the contenders are timed in interleaved rounds (a fresh
random order each round), so that a noisy machine slows them alike. A contender's overhead is the
median over rounds of its time minus the bare app's time in the same round.

    python -m benchmarks.compare [--rounds 15] [--batch 2000] [--config NAME]
                                 [--markdown out.md] [--json out.json] [--png out.png]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import fastcors
from benchmarks.harness import (
    CONFIGS,
    CONTENDERS,
    REQUEST_CLASSES,
    RequestClass,
    bare_app,
    check_against_starlette,
    drive,
    scope_for,
)
from fastcors._types import ASGIApp, Scope

BARE = "bare app"
COLUMNS = [
    "no-op middleware",
    "no-op + send wrapper",
    "static headers",
    "starlette",
    "fastcors python",
    "fastcors rust",
]


@dataclass(frozen=True)
class Row:
    config: str
    request: str
    bare_ns: float
    #: contender -> median paired overhead above the bare app, in ns
    overhead_ns: dict[str, float]


#: Wall time by default; FASTCORS_BENCH_CLOCK=thread counts this thread's CPU time only, which other
#: processes on a busy shared machine disturb much less (they still share its caches).
CLOCK = time.thread_time_ns if os.environ.get("FASTCORS_BENCH_CLOCK") == "thread" else time.perf_counter_ns


def time_batch(app: ASGIApp, scope: Scope, batch: int) -> float:
    start = CLOCK()
    for _ in range(batch):
        drive(app, scope)
    return (CLOCK() - start) / batch


def measure(config: str, request: RequestClass, rounds: int, batch: int) -> Row:
    apps: dict[str, ASGIApp] = {}
    for name, (build, implements_cors) in CONTENDERS.items():
        app = build(bare_app, **CONFIGS[config])
        if implements_cors:
            check_against_starlette(name, app, config, request)
        apps[name] = app
    scope = scope_for(request)
    for app in apps.values():  # warm up caches and specialisations
        time_batch(app, scope, batch // 4 + 1)
    samples: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(rounds):
        order = list(apps)
        random.shuffle(order)
        gc.collect()
        for name in order:
            samples[name].append(time_batch(apps[name], scope, batch))
    bare = samples[BARE]
    overhead = {
        name: statistics.median(t - b for t, b in zip(times, bare, strict=True))
        for name, times in samples.items()
        if name != BARE
    }
    return Row(config, request.name, statistics.median(bare), overhead)


def run(rounds: int, batch: int, configs: Iterable[str]) -> list[Row]:
    rows = []
    for config in configs:
        for request in REQUEST_CLASSES:
            rows.append(measure(config, request, rounds, batch))
            print(f"  measured {config} / {request.name}", file=sys.stderr)
    return rows


def markdown(rows: list[Row]) -> str:
    contenders = [c for c in COLUMNS if c in rows[0].overhead_ns]
    head = ["config", "request", "bare app (µs)", *[f"{c} (µs)" for c in contenders]]
    ratios = [c for c in ("fastcors python", "fastcors rust") if c in contenders]
    head += [f"{c} ÷ starlette" for c in ratios]
    if "fastcors rust" in contenders:
        head.append("rust ÷ no-op + send")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row.config, row.request, f"{row.bare_ns / 1000:.2f}"]
        cells += [f"+{row.overhead_ns[c] / 1000:.2f}" for c in contenders]
        starlette = row.overhead_ns["starlette"]
        cells += [f"{row.overhead_ns[c] / starlette:.3f}" for c in ratios]
        if "fastcors rust" in contenders:
            cells.append(f"{row.overhead_ns['fastcors rust'] / row.overhead_ns['no-op + send wrapper']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart(rows: list[Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    contenders = [c for c in COLUMNS if c in rows[0].overhead_ns]
    configs = list(dict.fromkeys(row.config for row in rows))
    figure, axes = plt.subplots(1, len(configs), figsize=(5 * len(configs), 4.5), sharey=True)
    axes_list = list(axes) if len(configs) > 1 else [axes]
    width = 0.8 / len(contenders)
    for axis, config in zip(axes_list, configs, strict=True):
        config_rows = [row for row in rows if row.config == config]
        for index, contender in enumerate(contenders):
            xs = [i + index * width for i in range(len(config_rows))]
            axis.bar(xs, [row.overhead_ns[contender] / 1000 for row in config_rows], width, label=contender)
        axis.set_xticks([i + 0.4 - width / 2 for i in range(len(config_rows))])
        axis.set_xticklabels([row.request for row in config_rows], rotation=30, ha="right")
        axis.set_title(config)
        axis.grid(axis="y", alpha=0.3)
    axes_list[0].set_ylabel("overhead above the bare app (µs per request)")
    axes_list[-1].legend(fontsize="small")
    figure.suptitle("CORS middleware cost per request (median of paired rounds; lower is better)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--config", action="append", choices=list(CONFIGS), help="default: all")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--png", type=Path)
    args = parser.parse_args(argv)

    print(
        f"fastcors {fastcors.__version__} ({fastcors.IMPLEMENTATION} core available), "
        f"Python {platform.python_version()}, {args.rounds} rounds x {args.batch} requests",
        file=sys.stderr,
    )
    rows = run(args.rounds, args.batch, args.config or list(CONFIGS))
    table = markdown(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=2))
    if args.png:
        chart(rows, args.png)


if __name__ == "__main__":
    main()

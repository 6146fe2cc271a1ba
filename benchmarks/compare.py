"""The side-by-side comparison: every contender's cost per request, measured in one run.

For each configuration and request class the contenders are timed in interleaved rounds (a fresh
random order each round), so that a noisy machine slows them alike. A contender's overhead is the
median over rounds of its time minus the bare app's time in the same round.

    python -m benchmarks.compare [--rounds 15] [--batch 2000] [--config NAME] [--out docs] [--no-save]

Prints a headline and a compact table; writes the full matrix (benchmark.md), the raw figures
(benchmark.json) and a chart (benchmark.png) to --out.
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
    cases = [(config, request) for config in configs for request in REQUEST_CLASSES]
    for done, (config, request) in enumerate(cases, 1):
        rows.append(measure(config, request, rounds, batch))
        print(f"  [{done}/{len(cases)}] measured {config} / {request.name}", file=sys.stderr)
    return rows


def _median_overhead(rows: list[Row], contender: str) -> float:
    return statistics.median(row.overhead_ns[contender] for row in rows)


def headline(rows: list[Row]) -> str:
    """One sentence per core for the impatient: its median cost over the cases next to Starlette's,
    and the range of the per-case ratios."""
    starlette = _median_overhead(rows, "starlette")
    cores = [c for c in ("fastcors rust", "fastcors python") if c in rows[0].overhead_ns]
    sentences = []
    for core in cores:
        cost = _median_overhead(rows, core)
        gains = [row.overhead_ns["starlette"] / row.overhead_ns[core] for row in rows]
        spread = f"{min(gains):.1f}x to {max(gains):.1f}x"
        if core == "fastcors rust":
            sentences.append(
                f"fastcors (Rust) adds {cost / 1000:.2f} µs per request, Starlette adds "
                f"{starlette / 1000:.2f} µs: {starlette / cost:.1f}x less ({spread})."
            )
        else:
            sentences.append(
                f"fastcors (pure Python) adds {cost / 1000:.2f} µs: {starlette / cost:.1f}x less "
                f"than Starlette ({spread})."
            )
    return "\n".join(sentences)


#: The compact table's columns: (heading, contender), each cell an overhead in µs.
COMPACT = [("Starlette", "starlette"), ("Python", "fastcors python"), ("Rust", "fastcors rust")]
FLOOR = "no-op + send wrapper"


def compact_table(rows: list[Row], rounds: int) -> str:
    """The table for a terminal: under 100 columns, one line of legend above it."""
    columns = [(heading, c) for heading, c in COMPACT if c in rows[0].overhead_ns]
    has_rust = "fastcors rust" in rows[0].overhead_ns
    bare = statistics.median(row.bare_ns for row in rows) / 1000
    legend = (
        f"µs added per request, medians of {rounds} rounds (bare app: {bare:.2f} µs); "
        "floor: a no-op send wrapper"
    )
    config_width = max(len("config"), *(len(row.config) for row in rows))
    request_width = max(len("request"), *(len(row.request) for row in rows))
    head = [f"{'config':<{config_width}}", f"{'request':<{request_width}}"]
    head += [f"{heading:>9}" for heading, _ in columns] + [f"{'floor':>7}"]
    if has_rust:
        head.append("Starlette÷Rust")
    lines = [legend, "  ".join(head)]
    for row in rows:
        cells = [f"{row.config:<{config_width}}", f"{row.request:<{request_width}}"]
        cells += [f"{row.overhead_ns[c] / 1000:>+9.2f}" for _, c in columns]
        cells.append(f"{row.overhead_ns[FLOOR] / 1000:>+7.2f}")
        if has_rust:
            gain = row.overhead_ns["starlette"] / row.overhead_ns["fastcors rust"]
            cells.append(f"{gain:>13.1f}x")
        lines.append("  ".join(cells))
    return "\n".join(lines)


def markdown(rows: list[Row]) -> str:
    """The full matrix: every contender, the bare app's own time, and the ratios."""
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
            cells.append(f"{row.overhead_ns['fastcors rust'] / row.overhead_ns[FLOOR]:.2f}")
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
    parser.add_argument(
        "--out", type=Path, default=Path("docs"), help="where the full results go (default: docs)"
    )
    parser.add_argument("--no-save", action="store_true", help="print only; write nothing to --out")
    args = parser.parse_args(argv)

    environment = (
        f"fastcors {fastcors.__version__} ({fastcors.IMPLEMENTATION} core available), "
        f"Python {platform.python_version()}, {args.rounds} rounds x {args.batch} requests"
    )
    print(environment, file=sys.stderr)
    rows = run(args.rounds, args.batch, args.config or list(CONFIGS))
    print(headline(rows))
    print()
    print(compact_table(rows, args.rounds))
    if args.no_save:
        return
    args.out.mkdir(parents=True, exist_ok=True)
    saved = [args.out / "benchmark.md", args.out / "benchmark.json"]
    saved[0].write_text(
        f"{environment}; overheads above the bare app, medians over rounds.\n\n{markdown(rows)}\n"
    )
    saved[1].write_text(json.dumps([asdict(row) for row in rows], indent=2) + "\n")
    try:
        chart(rows, args.out / "benchmark.png")
    except ImportError:
        print("(no chart: matplotlib is not installed; `pip install --group bench`)", file=sys.stderr)
    else:
        saved.append(args.out / "benchmark.png")
    print(f"\nFull matrix, JSON and chart: {', '.join(str(path) for path in saved)}")


if __name__ == "__main__":
    main()

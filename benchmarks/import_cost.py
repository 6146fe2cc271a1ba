"""What ``import fastcors`` costs an application that already imported Starlette and uvicorn,
next to what ``import starlette.middleware.cors`` costs it, measured side by side.

Each run is a fresh interpreter with ``-X importtime``; the two imports alternate run by run, so a
busy spell of the machine falls on both. Prints the medians in microseconds and their ratio.
A benchmark, not a test: the test suite checks which modules the import loads, not how long it takes.

Usage: python -m benchmarks.import_cost [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

APP_IMPORTS = "import starlette.applications, starlette.middleware, uvicorn"
CONTENDERS = {"fastcors": "fastcors", "starlette": "starlette.middleware.cors"}


def microseconds(module: str, environment: dict[str, str]) -> int:
    """The cumulative time ``-X importtime`` reports for ``module`` after the app's imports."""
    report = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"{APP_IMPORTS}; import {module}"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    (line,) = (line for line in report.splitlines() if line.endswith(f"| {module}"))
    return int(line.split("|")[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    runs = parser.parse_args().runs
    # Bytecode is written and read, as in an installed package.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment.pop("FASTCORS_NO_EXTENSIONS", None)
    for module in CONTENDERS.values():
        microseconds(module, environment)  # the first run writes the bytecode
    times: dict[str, list[int]] = {name: [] for name in CONTENDERS}
    for _ in range(runs):
        for name, module in CONTENDERS.items():
            times[name].append(microseconds(module, environment))
    implementation = subprocess.run(
        [sys.executable, "-c", "import fastcors; print(fastcors.IMPLEMENTATION)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"import cost inside an app with Starlette and uvicorn loaded ({runs} runs each, medians)")
    print()
    print("| import | median µs | ratio to Starlette's CORS module |")
    print("| --- | ---: | ---: |")
    for name, module in CONTENDERS.items():
        label = f"`import {module}`" + (f" ({implementation} core)" if name == "fastcors" else "")
        print(f"| {label} | {medians[name]:,.0f} | {medians[name] / medians['starlette']:.1f}x |")


if __name__ == "__main__":
    main()

"""A long run of the differential tests against Starlette, outside CI, with the examples counted.

Runs ``tests/parity/test_differential.py`` on both cores (the ``implementation`` fixture of
``tests/conftest.py`` parametrises every test) with ``FASTCORS_DIFFERENTIAL_EXAMPLES`` set to the
number asked for (the main test draws that many examples per core, the other property tests a
third of it), asks Hypothesis for its statistics, and prints how many examples each test and core
actually passed (the whole pytest output goes to a log file). Exits with pytest's status.

Usage: ``python -m tools.differential [examples, default 20000] [--log FILE] [pytest args]``
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: "tests/parity/test_differential.py::test_name[rust]:" then, in its block, the generate phase's counts.
TEST_HEADER = re.compile(r"^(?P<test>\S+::(?P<name>\w+)\[(?P<core>[^\]]+)\]):\s*$")
#: "20 passing, 0 failing, and 0 invalid test cases" (older: "20 passing examples, 0 failing ...").
COUNTS = re.compile(
    r"(?P<passing>\d+) passing(?: examples?)?, (?P<failing>\d+) failing(?: examples?)?,(?: and)? "
    r"(?P<invalid>\d+) invalid"
)
PHASE = re.compile(r"- during (?P<phase>\w+) phase \((?P<seconds>[\d.]+) seconds\)")


def statistics(output: str) -> list[tuple[str, str, dict[str, int], float]]:
    """(test, core, counts summed over phases, seconds) for each test in Hypothesis' statistics."""
    found: list[tuple[str, str, dict[str, int], float]] = []
    for line in output.splitlines():
        header = TEST_HEADER.match(line.strip())
        if header:
            found.append((header["name"], header["core"], {"passing": 0, "failing": 0, "invalid": 0}, 0.0))
            continue
        if not found:
            continue
        name, core, counts, seconds = found[-1]
        phase = PHASE.search(line)
        if phase:
            found[-1] = (name, core, counts, seconds + float(phase["seconds"]))
        match = COUNTS.search(line)
        if match:
            for key in counts:
                counts[key] += int(match[key])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A long differential run against Starlette.")
    parser.add_argument(
        "examples", nargs="?", type=int, default=20_000, help="examples of the main test, per core"
    )
    default_log = Path(tempfile.gettempdir()) / "fastcors-differential.log"
    parser.add_argument("--log", default=str(default_log), help="where the pytest output goes")
    arguments, pytest_arguments = parser.parse_known_args(argv)
    environment = dict(os.environ, FASTCORS_DIFFERENTIAL_EXAMPLES=str(arguments.examples))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/parity/test_differential.py",
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
        *pytest_arguments,
    ]
    print(
        f"running {' '.join(command[2:])} with FASTCORS_DIFFERENTIAL_EXAMPLES={arguments.examples}",
        file=sys.stderr,
    )
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    log = Path(arguments.log)
    log.write_text(completed.stdout + completed.stderr)
    rows = statistics(completed.stdout)
    print("| test | core | passing examples | failing | invalid | seconds |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, core, counts, seconds in rows:
        print(
            f"| {name} | {core} | {counts['passing']:,} | {counts['failing']:,} | {counts['invalid']:,} "
            f"| {seconds:,.1f} |"
        )
    total = sum(counts["passing"] for _, _, counts, _ in rows)
    summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else "no output"
    print(f"\n{total:,} examples passed in {elapsed:,.0f} s; pytest: {summary} (log: {log})")
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())

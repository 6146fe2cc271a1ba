"""What ``shadow`` costs: instructions per request (callgrind, as ``benchmarks.instructions``
counts them) of the "3 origins" configuration without a shadow, with a shadow that answers
alike, and with one that answers every request with an ``Origin`` otherwise (each a reported
difference, counted, nobody listening), on each core.

    python -m benchmarks.shadow [--requests 1000]

A request without an ``Origin`` is not compared: its row shows what the shadow costs it.
"""

from __future__ import annotations

import platform
from typing import Any

from benchmarks.instructions import batch, cell_figures, cell_table

CORES = ("fastcors rust", "fastcors python")
ROWS: dict[str, dict[str, Any] | None] = {
    "no shadow": None,
    "shadow answering alike": {"max_age": 600},
    "shadow answering otherwise": {"allow_origins": ["https://candidate.example"]},
}
REQUESTS = ("no Origin", "allowed simple", "allowed preflight")


def cells() -> list[tuple[str, str, str]]:
    return [(core, row, request) for core in CORES for row in ROWS for request in REQUESTS]


def child(requests: int) -> None:
    """Under callgrind: the bare app's batch, then one counted batch per cell."""
    from benchmarks.harness import CONFIGS, CONTENDERS, REQUEST_CLASSES, bare_app, scope_for

    by_name = {request.name: request for request in REQUEST_CLASSES}
    batch(bare_app, scope_for(by_name["allowed simple"]), requests)
    for core, row, request in cells():
        build, _ = CONTENDERS[core]
        options = dict(CONFIGS["3 origins"])
        if ROWS[row] is not None:
            options["shadow"] = ROWS[row]
        batch(build(bare_app, **options), scope_for(by_name[request]), requests)


def main(argv: list[str] | None = None) -> None:
    figures = cell_figures("benchmarks.shadow", __doc__, argv, child, cells())
    if figures is not None:
        print(f"instructions per request above the bare app, CPython {platform.python_version()}")
        print(cell_table(("core", "shadow"), CORES, tuple(ROWS), REQUESTS, figures))


if __name__ == "__main__":
    main()

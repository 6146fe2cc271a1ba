"""What ``routes`` costs: instructions per request (callgrind, as ``benchmarks.instructions``
counts them) of the "3 origins" configuration without routes, with 3 routes and with 1,000, on
each core, for a request under a route and one under none.

    python -m benchmarks.routes [--requests 1000]

Every route's options are the top level's with ``max_age`` overridden, so each row answers alike
and the figures differ by the route lookup alone; the paths have three segments, so the lookup
walks at most three nodes whatever the number of routes.
"""

from __future__ import annotations

import platform
from typing import Any

from benchmarks.instructions import batch, cell_figures, cell_table

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


def cells() -> list[tuple[str, str, str]]:
    return [(core, row, path) for core in CORES for row in ROWS for path in PATHS]


def child(requests: int) -> None:
    """Under callgrind: the bare app's batch, then one counted batch per cell."""
    from benchmarks.harness import CONFIGS, CONTENDERS, REQUEST_CLASSES, bare_app, scope_for

    request = next(request for request in REQUEST_CLASSES if request.name == REQUEST)
    batch(bare_app, scope_for(request), requests)
    for core, row, path in cells():
        build, _ = CONTENDERS[core]
        routes = ROWS[row]
        options = dict(CONFIGS["3 origins"])
        if routes is not None:
            options["routes"] = routes
        batch(build(bare_app, **options), {**scope_for(request), "path": PATHS[path]}, requests)


def main(argv: list[str] | None = None) -> None:
    figures = cell_figures("benchmarks.routes", __doc__, argv, child, cells())
    if figures is not None:
        print(f"instructions per {REQUEST} request above the bare app, CPython {platform.python_version()}")
        print(cell_table(("core", "routes"), CORES, tuple(ROWS), tuple(PATHS), figures))


if __name__ == "__main__":
    main()

"""What the opt-in features cost: fastcors with each one against fastcors without, in one run.

Same method as ``benchmarks.compare`` (interleaved rounds, median paired overhead above the bare
app), but timed in this process's CPU time, for the "3 origins" configuration and every request
class, on the core given:

    python -m benchmarks.features [--core rust|python] [--rounds 15] [--batch 2000]

Columns: the policy built without a reporter (as before refusal reports existed); the defaults
(reports on, the ``fastcors`` logger below ``DEBUG``, no callback); ``on_reject`` with a counting
callback; the logger at ``DEBUG`` (a ``NullHandler``, so only fastcors' part is timed);
``cors_on_errors=True``; ``check_websocket_origin=True``; and Starlette for scale.
"""

from __future__ import annotations

import argparse
import gc
import logging
import random
import statistics
import time
from dataclasses import replace
from typing import Any

from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from benchmarks.harness import (
    CONFIGS,
    REQUEST_CLASSES,
    bare_app,
    check_against_starlette,
    drive,
    fastcors_on,
    scope_for,
)
from fastcors import _pure
from fastcors._types import ASGIApp

try:
    from fastcors import _fastcors
except ImportError:  # pragma: no cover - the extension was not built
    _fastcors = None  # type: ignore[assignment]

CONFIG = "3 origins"
#: The contender timed with the ``fastcors`` logger at ``DEBUG`` (set around its batches only).
DEBUG_LOGGING = "+ DEBUG logging"


def time_batch(app: ASGIApp, scope: Any, batch: int) -> float:
    """CPU time per request, in ns: this process's own, so that other processes on a shared
    machine slow the measurement less than wall-clock time would."""
    start = time.process_time_ns()
    for _ in range(batch):
        drive(app, scope)
    return (time.process_time_ns() - start) / batch


def _without_reporter(middleware: Any) -> Any:
    """The middleware as it was before refusal reports: its policy built with no reporter."""
    middleware._policy = type(middleware._policy)(replace(middleware._config, reporter=None))
    return middleware


def contenders(core: Any) -> dict[str, ASGIApp]:
    build = fastcors_on(core)
    options = CONFIGS[CONFIG]
    rejected: list[object] = []
    return {
        "bare app": bare_app,
        "starlette": StarletteCORSMiddleware(bare_app, **options),
        "no reporter (as before)": _without_reporter(build(bare_app, **options)),
        "fastcors (defaults)": build(bare_app, **options),
        "+ on_reject": build(bare_app, **options, on_reject=rejected.append),
        DEBUG_LOGGING: build(bare_app, **options),
        "+ cors_on_errors": build(bare_app, **options, cors_on_errors=True),
        "+ check_websocket_origin": build(bare_app, **options, check_websocket_origin=True),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--core", choices=["rust", "python"], default="rust")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=2000)
    arguments = parser.parse_args()
    core = _pure if arguments.core == "python" or _fastcors is None else _fastcors
    logger = logging.getLogger("fastcors")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False  # the records stop at the NullHandler: what is timed is fastcors' part
    apps = contenders(core)
    names = [name for name in apps if name != "bare app"]
    print(f"core: {arguments.core}; config: {CONFIG}; median CPU time above the bare app's, µs per request")
    print("| request | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for request in REQUEST_CLASSES:
        scope = scope_for(request)
        for name, app in apps.items():
            if name not in ("bare app", "starlette"):
                check_against_starlette(name, app, CONFIG, request)
            time_batch(app, scope, arguments.batch // 4 + 1)
        samples: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(arguments.rounds):
            order = list(apps)
            random.shuffle(order)
            gc.collect()
            for name in order:
                if name == DEBUG_LOGGING:
                    logger.setLevel(logging.DEBUG)
                samples[name].append(time_batch(apps[name], scope, arguments.batch))
                logger.setLevel(logging.NOTSET)
        bare = samples["bare app"]
        cells = [
            f"+{statistics.median(t - b for t, b in zip(samples[name], bare, strict=True)) / 1000:.2f}"
            for name in names
        ]
        print(f"| {request.name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

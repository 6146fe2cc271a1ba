"""Micro-benchmarks: one request through each contender, for every configuration and request class.

Runs as an ordinary test with ``--benchmark-disable`` (each case once, outputs checked against
Starlette); ``pytest benchmarks --benchmark-only`` times them. ``scripts/bench`` prints the
side-by-side comparison the README reports.
"""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

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


@pytest.mark.parametrize("request_class", REQUEST_CLASSES, ids=[r.name for r in REQUEST_CLASSES])
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("contender", list(CONTENDERS))
def test_request(
    benchmark: BenchmarkFixture, contender: str, config: str, request_class: RequestClass
) -> None:
    build, implements_cors = CONTENDERS[contender]
    app = build(bare_app, **CONFIGS[config])
    if implements_cors:
        check_against_starlette(contender, app, config, request_class)
    benchmark.group = f"{config} | {request_class.name}"
    benchmark(drive, app, scope_for(request_class))

"""The performance gate's comparison (``scripts/perf-gate``): which cells it calls a rise."""

from __future__ import annotations

import copy
from typing import Any

from benchmarks.instructions import rises

BASELINE: dict[str, Any] = {
    "cells": {
        "fastcors rust": {"3 origins": {"allowed simple": 5000.0, "no Origin": 4000.0}},
        "starlette": {"3 origins": {"allowed simple": 50000.0, "no Origin": 40000.0}},
    }
}


def scaled(result: dict[str, Any], contender: str, factor: float, request: str | None = None) -> None:
    for requests in result["cells"][contender].values():
        for name in requests:
            if request in (None, name):
                requests[name] *= factor


def test_an_unchanged_run_has_no_rise() -> None:
    assert rises(copy.deepcopy(BASELINE), BASELINE, 0.03) == []


def test_a_cell_above_the_tolerance_is_named_with_its_rise() -> None:
    result = copy.deepcopy(BASELINE)
    scaled(result, "fastcors rust", 1.04, "allowed simple")
    (found,) = rises(result, BASELINE, 0.03)
    assert found.startswith("fastcors rust / 3 origins / allowed simple: ")
    assert found.endswith("(+4.0%)")


def test_a_rise_within_the_tolerance_passes() -> None:
    result = copy.deepcopy(BASELINE)
    scaled(result, "fastcors rust", 1.029)
    assert rises(result, BASELINE, 0.03) == []


def test_a_machine_that_costs_more_for_starlette_too_is_no_rise() -> None:
    result = copy.deepcopy(BASELINE)
    scaled(result, "fastcors rust", 1.2)
    scaled(result, "starlette", 1.2)
    assert rises(result, BASELINE, 0.03) == []


def test_without_starlette_in_both_runs_cells_are_compared_as_counts() -> None:
    baseline = {"cells": {"fastcors rust": BASELINE["cells"]["fastcors rust"]}}
    result = copy.deepcopy(BASELINE)
    scaled(result, "fastcors rust", 1.2)
    scaled(result, "starlette", 1.2)
    assert len(rises(result, baseline, 0.03)) == 2


def test_a_cell_missing_from_the_run_is_a_failure() -> None:
    result = copy.deepcopy(BASELINE)
    del result["cells"]["fastcors rust"]["3 origins"]["no Origin"]
    assert rises(result, BASELINE, 0.03) == ["fastcors rust / 3 origins / no Origin: not measured"]

"""The main job's report: a headline first, then a table that fits a 100-column terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import compare
from benchmarks.harness import CONFIGS, REQUEST_CLASSES


def rows(starlette_ns: float, rust_ns: float, python_ns: float) -> list[compare.Row]:
    """One row per configuration and request class, every case costing the same."""
    overhead = {
        "no-op middleware": 200.0,
        "no-op + send wrapper": 550.0,
        "static headers": 800.0,
        "starlette": starlette_ns,
        "fastcors python": python_ns,
        "fastcors rust": rust_ns,
    }
    return [
        compare.Row(config, request.name, 780.0, dict(overhead))
        for config in CONFIGS
        for request in REQUEST_CLASSES
    ]


def test_the_headline_gives_each_cost_and_the_ratio() -> None:
    first_line = compare.headline(rows(5200, 600, 1600)).splitlines()[0]
    assert first_line.startswith(
        "fastcors (Rust) adds 0.60 µs per request, Starlette adds 5.20 µs: 8.7x less"
    )


def test_the_headline_gives_the_range_of_ratios_over_the_cases() -> None:
    measured = rows(5200, 600, 1600)
    measured[0].overhead_ns["starlette"] = 12000
    assert "8.7x less (8.7x to 20.0x)" in compare.headline(measured)


def test_the_headline_and_the_compact_table_fit_in_100_columns() -> None:
    measured = rows(15000, 700, 3100)
    text = compare.headline(measured) + "\n" + compare.compact_table(measured, rounds=15)
    assert max(len(line) for line in text.splitlines()) <= 100


def test_the_compact_table_has_a_one_line_legend_then_a_row_per_case() -> None:
    measured = rows(5200, 600, 1600)
    legend, head, *body = compare.compact_table(measured, rounds=15).splitlines()
    assert legend.startswith("µs added per request, medians of 15 rounds (bare app: 0.78 µs)")
    assert head.split()[:2] == ["config", "request"]
    assert len(body) == len(measured)
    assert body[0].split()[-1] == "8.7x"


def test_the_full_results_go_to_the_output_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    measured = rows(5200, 600, 1600)
    monkeypatch.setattr(compare, "run", lambda rounds, batch, configs: measured)
    monkeypatch.setattr(compare, "chart", lambda rows, path: path.write_bytes(b"png"))
    compare.main(["--out", str(tmp_path)])
    assert capsys.readouterr().out.startswith("fastcors (Rust) adds 0.60 µs per request")
    assert "| 3 origins | no Origin |" in (tmp_path / "benchmark.md").read_text()
    assert len(json.loads((tmp_path / "benchmark.json").read_text())) == len(measured)
    assert (tmp_path / "benchmark.png").read_bytes() == b"png"

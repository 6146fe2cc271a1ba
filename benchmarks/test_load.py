"""The end-to-end load benchmarks' own pieces: the apps they serve and the figures they derive.

The servers themselves run only under ``scripts/load`` and ``scripts/load-callgrind``; here each app
is driven in-process, on both cores for fastcors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import serving_on

from benchmarks import load, load_app, load_callgrind
from fastcors import _pure

try:
    from fastcors import _fastcors
except ImportError:  # pragma: no cover - the extension was not built
    _fastcors = None  # type: ignore[assignment]

CORES = {"python": _pure, **({"rust": _fastcors} if _fastcors is not None else {})}
POSITIONED = [e for e in load.entries(list(load.CONTENDERS), load.POSITIONS) if e.contender.positioned]


@pytest.fixture(params=list(CORES), autouse=True)
def core(request: pytest.FixtureRequest) -> Iterator[str]:
    """The fastcors core every app built in the test uses."""
    name: str = request.param
    with serving_on(CORES[name]):
        yield name


@pytest.mark.parametrize("kind", load.KINDS)
@pytest.mark.parametrize("entry", [e for e in POSITIONED if e.contender.cors], ids=lambda e: e.label(""))
def test_cors_apps_answer_as_starlettes_middleware_outermost(entry: load.Entry, kind: str) -> None:
    assert load.answer_in_process(entry.factory, kind) == load.answer_in_process("starlette_cors", kind)


@pytest.mark.parametrize("position", load.POSITIONS)
def test_the_static_floor_adds_the_headers_starlette_adds_to_an_allowed_simple_response(
    position: str,
) -> None:
    floor = load.Entry(load.CONTENDERS["static"], position)
    static = load.answer_in_process(floor.factory, "simple")
    starlette = load.answer_in_process("starlette_cors", "simple")
    assert sorted(static.cors_headers) == sorted(starlette.cors_headers)
    assert len(static.cors_headers) == 4  # allow-origin, allow-credentials, expose-headers, vary


def test_in_the_stack_the_middleware_is_a_starlette_middleware_entry() -> None:
    import fastcors

    app = load_app.fastcors_cors_in_stack()
    assert [m.cls for m in app.user_middleware] == [fastcors.CORSMiddleware]  # type: ignore[attr-defined]


def test_the_realistic_configuration_has_credentials_methods_headers_and_an_exposed_header() -> None:
    options = load_app.CORS_OPTIONS
    assert len(options["allow_origins"]) == 3
    assert options["allow_credentials"] is True
    assert len(options["allow_methods"]) == 5
    assert len(options["allow_headers"]) == 3
    assert options["expose_headers"] == ["X-Request-ID"]


def sample(contender: str, position: str, round_index: int, rps: float, cpu_us: float) -> load.Sample:
    return load.Sample(
        round=round_index,
        server="uvicorn",
        kind="simple",
        contender=contender,
        position=position,
        requests=1000,
        duration_s=1.0,
        rps=rps,
        p99_ms=1.0,
        server_cpu_us_per_request=cpu_us,
        server_cpu_share=1.0,
        non_2xx_3xx=0,
        socket_errors={},
    )


def test_comparisons_pair_samples_of_the_same_round_and_position() -> None:
    samples = [
        sample("static", "stack", 0, rps=1000, cpu_us=50),
        sample("fastcors-python", "stack", 0, rps=900, cpu_us=54),
        sample("fastcors-rust", "stack", 0, rps=950, cpu_us=52),
        # another position and another round, which must not be paired with round 0's stack
        sample("static", "outermost", 0, rps=2000, cpu_us=10),
        sample("static", "stack", 1, rps=500, cpu_us=90),
    ]
    settings = load.Settings(
        rounds=1,
        seconds=1,
        warmup=0,
        connections=1,
        servers=["uvicorn"],
        kinds=["simple"],
        positions=["outermost", "stack"],
        contenders=["static", "fastcors-python", "fastcors-rust"],
        server_cpu=0,
        client_cpu=1,
        seed=0,
    )
    rows = {(r.contender, r.position): r for r in load.summarise(samples, settings)}
    rust = rows["fastcors-rust", "stack"].comparisons
    assert rust["RPS ÷ static"] == pytest.approx(0.95)
    assert rust["CPU above static (µs/req)"] == pytest.approx(2.0)
    assert rust["cost ÷ fastcors-python's"] == pytest.approx(0.5)


def test_callgrind_totals_are_read_by_event_name(tmp_path: Path) -> None:
    dump = tmp_path / "callgrind.1.1"
    dump.write_text(
        "version: 1\ncreator: callgrind-3.19.0\nevents: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\n"
        "fn=(1) main\n0 10 1 0 4\nsummary: 10 1 0 4 0 0 0 0 0\ntotals: 12 1 0 4 0 0 0 0 0\n"
    )
    assert load_callgrind.read_totals(dump) == {
        "Ir": 10,
        "I1mr": 1,
        "ILmr": 0,
        "Dr": 4,
        "D1mr": 0,
        "DLmr": 0,
        "Dw": 0,
        "D1mw": 0,
        "DLmw": 0,
    }

"""What ``import fastcors`` costs an application that already imported its framework and server.

Each case runs a fresh interpreter that imports Starlette and uvicorn first, as an application's
process has, then fastcors: the modules it loads beyond theirs, and the time ``-X importtime``
reports for it. The compiled core needs neither the pure-Python core nor ``importlib.metadata``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import fastcors

APP_IMPORTS = "import starlette.applications, starlette.middleware, uvicorn"
#: The budget for ``import fastcors`` with the compiled core, in microseconds (Starlette's own CORS
#: module costs about 300 here). `-X importtime` measures wall time, which another process on the
#: machine can stretch: the best of several runs is the one compared.
BUDGET_US = 5000
RUNS = 15


@pytest.fixture
def implementation() -> str:
    """A fresh interpreter imports the package as installed; the cores' switch does not apply."""
    return "subprocess"


def run(code: str, *options: str, **environment: str) -> subprocess.CompletedProcess[str]:
    # Bytecode is written and read as in an installed package, whatever the test run's setting.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.pop("FASTCORS_NO_EXTENSIONS", None)
    env.update(environment)
    return subprocess.run(
        [sys.executable, *options, "-c", code], env=env, capture_output=True, text=True, check=True
    )


def modules_loaded_by_import_fastcors(**environment: str) -> set[str]:
    code = f"""
import sys
{APP_IMPORTS}
before = set(sys.modules)
import fastcors
print(" ".join(sorted(set(sys.modules) - before)))
"""
    return set(run(code, **environment).stdout.split())


def requires_the_compiled_core() -> None:
    if run("import fastcors; print(fastcors.IMPLEMENTATION)").stdout.strip() != "rust":
        pytest.skip("the compiled core is not built for this interpreter")


def test_with_the_compiled_core_the_pure_core_and_importlib_metadata_are_not_imported() -> None:
    requires_the_compiled_core()
    loaded = modules_loaded_by_import_fastcors()
    assert "fastcors._fastcors" in loaded
    assert not {"fastcors._pure", "importlib.metadata"} & loaded
    # The options' interpretation and the refusal reports load with the first middleware.
    assert not {"fastcors._config", "fastcors._reasons"} & loaded


def test_the_pure_core_is_imported_when_it_serves() -> None:
    loaded = modules_loaded_by_import_fastcors(FASTCORS_NO_EXTENSIONS="1")
    assert "fastcors._pure" in loaded
    assert "fastcors._fastcors" not in loaded


def test_the_lazily_loaded_public_names_are_the_classes_they_name() -> None:
    code = "import fastcors; from fastcors import *; print(RejectEvent.__module__, Explanation.__name__)"
    assert run(code).stdout.split() == ["fastcors._reasons", "Explanation"]
    assert {"Explanation", "RejectEvent"} <= set(dir(fastcors))
    with pytest.raises(AttributeError, match="module 'fastcors' has no attribute 'Missing'"):
        fastcors.Missing  # noqa: B018


def test_the_version_is_the_installed_distributions() -> None:
    code = "import fastcors, importlib.metadata as m; print(fastcors.__version__, m.version('fastcors'))"
    constant, metadata = run(code).stdout.split()
    assert constant == metadata


def import_fastcors_microseconds() -> int:
    """``-X importtime``'s cumulative time of ``import fastcors`` after the app's imports."""
    report = run(f"{APP_IMPORTS}; import fastcors", "-X", "importtime").stderr
    (line,) = (line for line in report.splitlines() if line.endswith("| fastcors"))
    return int(line.split("|")[1])


def test_import_fastcors_in_an_app_with_starlette_and_uvicorn_costs_under_5_ms() -> None:
    requires_the_compiled_core()
    import_fastcors_microseconds()  # writes the bytecode of an editable install
    best = min(import_fastcors_microseconds() for _ in range(RUNS))
    assert best < BUDGET_US, f"import fastcors took {best} µs at best of {RUNS} runs"

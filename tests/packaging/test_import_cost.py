"""What ``import fastcors`` costs an application that already imported its framework and server.

Each case runs a fresh interpreter that imports Starlette and uvicorn first, as an application's
process has, then fastcors: the modules it loads beyond theirs, as ``sys.modules`` and
``-X importtime`` report them. The compiled core needs neither the pure-Python core nor
``importlib.metadata``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import fastcors

APP_IMPORTS = "import starlette.applications, starlette.middleware, uvicorn"


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
    assert not {"fastcors._checks", "fastcors._config", "fastcors._reporting", "fastcors._explain"} & loaded


def test_the_pure_core_is_imported_when_it_serves() -> None:
    loaded = modules_loaded_by_import_fastcors(FASTCORS_NO_EXTENSIONS="1")
    assert "fastcors._pure" in loaded
    assert "fastcors._fastcors" not in loaded


def test_the_lazily_loaded_public_names_are_the_classes_they_name() -> None:
    names = "RejectEvent.__module__, Explanation.__name__, CORSConfigWarning.__module__"
    code = f"from fastcors import *; print({names})"
    assert run(code).stdout.split() == ["fastcors._reporting", "Explanation", "fastcors._checks"]
    assert {"Explanation", "RejectEvent"} <= set(dir(fastcors))
    with pytest.raises(AttributeError, match="module 'fastcors' has no attribute 'Missing'"):
        fastcors.Missing  # noqa: B018


def test_the_version_is_the_installed_distributions() -> None:
    code = "import fastcors, importlib.metadata as m; print(fastcors.__version__, m.version('fastcors'))"
    constant, metadata = run(code).stdout.split()
    assert constant == metadata


#: Every module ``import fastcors`` loads into such an app with the compiled core: the package's
#: own, and nothing of the standard library's the app did not already load. What this costs in time
#: is measured by ``scripts/import-cost`` (medians of ``-X importtime``, next to Starlette's module).
LOADED_WITH_THE_COMPILED_CORE = {
    "fastcors",
    "fastcors._callbacks",
    "fastcors._core",
    "fastcors._coroutine_marks",
    "fastcors._fastcors",
    "fastcors._guards",
    "fastcors._middleware",
    "fastcors._types",
    "fastcors._version",
}


def test_import_fastcors_in_an_app_with_starlette_and_uvicorn_loads_only_the_serving_modules() -> None:
    requires_the_compiled_core()
    assert modules_loaded_by_import_fastcors() == LOADED_WITH_THE_COMPILED_CORE


def test_import_time_reports_the_same_modules_under_import_fastcors() -> None:
    """``-X importtime``'s tree, the measure ``scripts/import-cost`` reads, nests those modules."""
    requires_the_compiled_core()
    report = run(f"{APP_IMPORTS}; import fastcors", "-X", "importtime").stderr
    lines = report.splitlines()
    first = next(index for index, line in enumerate(lines) if line.endswith("| uvicorn")) + 1
    names = {line.split("|")[2].strip() for line in lines[first:] if line.startswith("import time:")}
    assert names == LOADED_WITH_THE_COMPILED_CORE

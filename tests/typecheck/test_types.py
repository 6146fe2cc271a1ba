"""fastcors' public types, as users' type checkers see them.

``user_code.py`` uses fastcors with FastAPI, Starlette and direct wrapping: it must type-check cleanly
under ``mypy --strict`` and pyright in strict mode. ``mistakes.py`` holds the mistakes users make
(a misspelt option, values of the wrong type): both checkers must report each of them, and nothing
else. ``pyright --verifytypes`` must find every public name fully typed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
USER_CODE = HERE / "user_code.py"
MISTAKES = HERE / "mistakes.py"


def marked_lines(path: Path) -> set[int]:
    lines = path.read_text().splitlines()
    return {number for number, line in enumerate(lines, 1) if line.endswith("# expected error")}


def mypy_error_lines(path: Path) -> set[int]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    pattern = re.compile(rf"^{re.escape(str(path.relative_to(ROOT)))}:(\d+): error:", re.MULTILINE)
    lines = {int(number) for number in pattern.findall(result.stdout)}
    assert result.returncode == (1 if lines else 0), result.stdout + result.stderr
    return lines


def pyright(*arguments: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("pyright", reason="pyright is in the lint group: pip install --group lint")
    # --verifytypes finds the package through the active environment only, not --pythonpath.
    environment = {
        **os.environ,
        "VIRTUAL_ENV": sys.prefix,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        [sys.executable, "-m", "pyright", "--pythonpath", sys.executable, "--outputjson", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def pyright_error_lines(path: Path) -> set[int]:
    result = pyright(str(path))
    report = json.loads(result.stdout)
    # pyright counts lines from 0
    return {
        diagnostic["range"]["start"]["line"] + 1
        for diagnostic in report["generalDiagnostics"]
        if diagnostic["severity"] == "error"
    }


def test_the_user_code_passes_mypy_strict() -> None:
    assert mypy_error_lines(USER_CODE) == set()


def test_the_user_code_passes_pyright_strict() -> None:
    assert pyright_error_lines(USER_CODE) == set()


def test_mypy_strict_reports_each_mistake_and_nothing_else() -> None:
    assert marked_lines(MISTAKES), "mistakes.py marks no line"
    assert mypy_error_lines(MISTAKES) == marked_lines(MISTAKES)


def test_pyright_strict_reports_each_mistake_and_nothing_else() -> None:
    assert pyright_error_lines(MISTAKES) == marked_lines(MISTAKES)


def test_every_public_name_is_fully_typed() -> None:
    result = pyright("--verifytypes", "fastcors", "--ignoreexternal")
    completeness = json.loads(result.stdout)["typeCompleteness"]
    problems = [
        f"{symbol['name']}: {diagnostic['message']}"
        for symbol in completeness["symbols"]
        for diagnostic in symbol["diagnostics"]
        if diagnostic["severity"] == "error"
    ]
    assert completeness["packageRootDirectory"], "pyright did not find the installed package"
    assert problems == []
    assert completeness["completenessScore"] == 1

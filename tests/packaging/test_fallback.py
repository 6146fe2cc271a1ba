"""Which core serves, and what is said about it, when the compiled extension is absent or broken.

Each case runs in a fresh interpreter on a copy of the package's Python sources: with no extension
at all (as a pure wheel installs it), or with a stand-in ``_fastcors`` that cannot be loaded.
"""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import fastcors

PACKAGE = Path(fastcors.__file__).parent

# Imports fastcors with every warning recorded, imports it again, serves one preflight and one
# simple request, and prints the core, the warnings and the answers.
PROBE = """
import asyncio, importlib, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import fastcors
    import fastcors._core
    importlib.import_module("fastcors._middleware")
sent = []
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
async def send(message):
    sent.append(message)
cors = fastcors.CORSMiddleware(app, allow_origins=["https://a.org"])
for method, extra in (("OPTIONS", [(b"access-control-request-method", b"GET")]), ("GET", [])):
    scope = {"type": "http", "method": method, "headers": [(b"origin", b"https://a.org"), *extra]}
    asyncio.run(cors(scope, None, send))
print(fastcors.IMPLEMENTATION)
print(len(caught))
for warning in caught:
    print(warning.category.__name__, warning.message)
print(sent[0]["status"], dict(sent[0]["headers"])[b"access-control-allow-origin"])
print(sent[2]["status"], dict(sent[2]["headers"])[b"access-control-allow-origin"])
"""


def python_sources(tmp_path: Path) -> Path:
    """A copy of the package without its compiled extension, importable from the returned folder."""
    shutil.copytree(
        PACKAGE, tmp_path / "fastcors", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__")
    )
    return tmp_path


def probe(path: Path, **environment: str) -> list[str]:
    env = {key: value for key, value in os.environ.items() if key != "FASTCORS_NO_EXTENSIONS"}
    env.update(PYTHONPATH=str(path), **environment)
    output = subprocess.run(
        [sys.executable, "-W", "error", "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=path,
    )
    assert output.stderr == ""
    return output.stdout.splitlines()


def test_without_the_extension_the_pure_core_serves_silently(tmp_path: Path) -> None:
    lines = probe(python_sources(tmp_path))
    assert lines == ["python", "0", "200 b'https://a.org'", "200 b'https://a.org'"]


def test_an_extension_that_fails_to_load_is_reported_once_and_the_pure_core_serves(tmp_path: Path) -> None:
    path = python_sources(tmp_path)
    (path / "fastcors" / f"_fastcors{importlib.machinery.EXTENSION_SUFFIXES[0]}").write_bytes(b"not ELF")
    core, count, warning, *answers = probe(path)
    assert (core, count) == ("python", "1")
    assert warning.startswith("RuntimeWarning fastcors: the compiled core fastcors._fastcors is installed")
    assert "ImportError" in warning
    assert "FASTCORS_NO_EXTENSIONS=1" in warning
    assert answers == ["200 b'https://a.org'", "200 b'https://a.org'"]


@pytest.mark.parametrize(
    "name", ["_fastcors.cpython-39-x86_64-linux-gnu.so", "_fastcors.cp39-win_amd64.pyd", "_fastcors.abi3.pyd"]
)
def test_an_extension_built_for_another_interpreter_is_reported_with_its_file_and_this_interpreter(
    tmp_path: Path, name: str
) -> None:
    path = python_sources(tmp_path)
    (path / "fastcors" / name).write_bytes(b"\x7fELF built for another interpreter")
    core, count, warning, *answers = probe(path)
    assert (core, count) == ("python", "1")
    assert warning.startswith(f"RuntimeWarning fastcors: the compiled core fastcors/{name} is installed")
    assert f"this interpreter, {sys.implementation.name} {sys.version.split()[0]}," in warning
    assert f"_fastcors{importlib.machinery.EXTENSION_SUFFIXES[0]}" in warning
    assert "FASTCORS_NO_EXTENSIONS=1" in warning
    assert answers == ["200 b'https://a.org'", "200 b'https://a.org'"]


def test_an_extension_for_another_interpreter_is_not_reported_when_no_extensions_is_set(
    tmp_path: Path,
) -> None:
    path = python_sources(tmp_path)
    (path / "fastcors" / "_fastcors.cpython-39-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    assert probe(path, FASTCORS_NO_EXTENSIONS="1")[:2] == ["python", "0"]


def test_an_extension_truncated_past_its_elf_header_kills_the_interpreter_before_any_warning(
    tmp_path: Path,
) -> None:
    """The README's FAQ: the dynamic loader maps the file and faults inside ``dlopen``, where no
    Python code runs, so nothing can be caught or reported; reinstalling is the cure."""
    extension = Path(fastcors._core.__file__).parent / f"_fastcors{importlib.machinery.EXTENSION_SUFFIXES[0]}"
    if not extension.exists():
        pytest.skip("the compiled core is not built for this interpreter")
    path = python_sources(tmp_path)
    (path / "fastcors" / extension.name).write_bytes(extension.read_bytes()[:65536])
    env = {key: value for key, value in os.environ.items() if key != "FASTCORS_NO_EXTENSIONS"}
    crashed = subprocess.run(
        [sys.executable, "-c", "import fastcors"], env={**env, "PYTHONPATH": str(path)}, capture_output=True
    )
    assert crashed.returncode in (-signal.SIGBUS, -signal.SIGSEGV)


def test_an_extension_without_the_core_classes_is_reported_with_the_reason(tmp_path: Path) -> None:
    path = python_sources(tmp_path)
    (path / "fastcors" / "_fastcors.py").write_text("Policy = None\n")
    core, count, warning, *_ = probe(path)
    assert (core, count) == ("python", "1")
    assert "ImportError: cannot import name 'Middleware'" in warning


def test_an_extension_that_raises_while_loading_is_reported_with_the_reason(tmp_path: Path) -> None:
    path = python_sources(tmp_path)
    (path / "fastcors" / "_fastcors.py").write_text("raise SystemError('initialisation failed')\n")
    core, count, warning, *_ = probe(path)
    assert (core, count) == ("python", "1")
    assert "SystemError: initialisation failed" in warning


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_no_extensions_forces_the_pure_core_without_a_warning_even_when_the_extension_is_broken(
    tmp_path: Path, value: str
) -> None:
    path = python_sources(tmp_path)
    (path / "fastcors" / f"_fastcors{importlib.machinery.EXTENSION_SUFFIXES[0]}").write_bytes(b"not ELF")
    assert probe(path, FASTCORS_NO_EXTENSIONS=value)[:2] == ["python", "0"]


@pytest.mark.parametrize("value", ["", "0"])
def test_no_extensions_empty_or_zero_keeps_the_compiled_core(value: str) -> None:
    if fastcors._core.NO_EXTENSIONS:
        pytest.skip("FASTCORS_NO_EXTENSIONS is set for the whole run")
    code = "import fastcors; print(fastcors.IMPLEMENTATION)"
    env = {**os.environ, "FASTCORS_NO_EXTENSIONS": value}
    output = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], env=env, capture_output=True, text=True
    )
    assert (output.stdout.strip(), output.stderr) == ("rust", "")

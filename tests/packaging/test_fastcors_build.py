"""The build backend (``build_backend/fastcors_build.py``): maturin's, which answers in three lines
where Rust is missing, before it fetches anything, and says how to get the pure-Python wheel."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
MISSING_RUST = [
    "fastcors: building from source compiles its Rust core, and cargo is not on PATH.",
    "For the pure-Python wheel (same answers, no compiler): pip install --only-binary fastcors fastcors",
    "For the compiled core: install Rust (https://rustup.rs), then install fastcors again.",
]
HOOKS = [
    ("get_requires_for_build_wheel", ()),
    ("get_requires_for_build_editable", ()),
    ("get_requires_for_build_sdist", ()),
    ("prepare_metadata_for_build_wheel", ("metadata",)),
    ("prepare_metadata_for_build_editable", ("metadata",)),
    ("build_wheel", ("wheels",)),
    ("build_editable", ("wheels",)),
    ("build_sdist", ("sdists",)),
]


@pytest.fixture
def implementation() -> str:
    """Building and installing does not depend on the core the other tests switch between."""
    return "build"


def maturin_command() -> str:
    maturin = shutil.which("maturin", path=str(Path(sys.executable).parent))
    if maturin is None:
        pytest.skip("maturin is in the test group: pip install --group test")
    return maturin


def backend() -> ModuleType:
    maturin_command()
    spec = importlib.util.spec_from_file_location(
        "fastcors_build", ROOT / "build_backend" / "fastcors_build.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("hook", "arguments"), HOOKS)
def test_every_hook_stops_with_three_lines_when_cargo_is_missing(
    hook: str, arguments: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = backend()
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    with pytest.raises(SystemExit) as stopped:
        getattr(module, hook)(*arguments)
    assert stopped.value.code == 1
    assert capsys.readouterr().err.splitlines() == MISSING_RUST


def test_the_backend_offers_every_hook_of_maturins() -> None:
    import maturin

    module = backend()
    assert sorted(module.__all__) == sorted(name for name, _ in HOOKS)
    assert all(getattr(module, name).__name__ == getattr(maturin, name).__name__ for name in module.__all__)


def test_installing_the_sdist_without_cargo_fails_in_three_lines_that_name_the_pure_wheel(
    tmp_path: Path,
) -> None:
    maturin = maturin_command()
    subprocess.run([maturin, "sdist", "--out", str(tmp_path)], cwd=ROOT, check=True, capture_output=True)
    (sdist,) = tmp_path.glob("fastcors-*.tar.gz")
    # This environment's maturin builds it (no package index needed); PATH holds no cargo.
    install = [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--no-build-isolation"]
    env = {"PATH": str(Path(sys.executable).parent), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        [*install, "--target", str(tmp_path / "installed"), str(sdist)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "[3 lines of output]" in result.stdout + result.stderr
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
    at = lines.index(MISSING_RUST[0])
    assert lines[at : at + 3] == MISSING_RUST
    assert not (tmp_path / "installed").exists()

"""The release artefacts of ``scripts/wheels``, installed as a user installs them.

Each artefact in ``dist/`` goes into a fresh virtual environment of the interpreter it is for,
offline (``--no-index``), and must serve a real preflight and a simple request with the core it
promises: ``rust`` for the compiled wheels and the sdist, ``python`` for the pure wheel. pip must
pick the per-interpreter wheel where there is one, the abi3 wheel for a later CPython, and the pure
wheel on a platform with no compiled wheel. The compiled extensions are stripped; every artefact
carries the licence.

CPython 3.14 and 3.15, where no such interpreter is here, are Debian sid's, in the chroot of
``scripts/sid`` (which needs root): their venvs are made and run there, under ``/tmp``, which the
chroot shares.

Slow (a virtual environment per artefact, and the sdist compiles the Rust core): marked ``wheels``
and left out of the default run. ``scripts/wheels && .venv/bin/python -m pytest -m wheels``.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
VERSIONS = ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
SID = str(ROOT / "scripts" / "sid")

pytestmark = pytest.mark.wheels


@pytest.fixture
def implementation() -> str:
    """Installing an artefact does not depend on the core the other tests switch between."""
    return "installed"


def interpreter(version: str) -> list[str]:
    """The command that runs CPython ``version``: found as the scripts find it, else Debian sid's."""
    found = subprocess.run([ROOT / "scripts" / "find-python", version], capture_output=True, text=True)
    if found.returncode == 0:
        return [found.stdout.strip()]
    sid_versions = subprocess.run(
        [SID, "versions"], capture_output=True, text=True, check=True
    ).stdout.split()
    if version not in sid_versions:
        pytest.fail(found.stderr)
    return [SID, "run", f"python{version}"]


def artefact(pattern: str) -> Path:
    matches = sorted(DIST.glob(pattern))
    if len(matches) != 1:
        pytest.fail(f"dist/ should hold exactly one {pattern} (run scripts/wheels), found {matches}")
    return matches[0]


# Serves a preflight and a simple request through the installed fastcors, and prints what it saw.
PROBE = """
import asyncio, warnings
warnings.simplefilter("error")
import fastcors
sent = []
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"app"})
async def send(message):
    sent.append(message)
cors = fastcors.CORSMiddleware(app, allow_origins=["https://a.org"], allow_methods=["PUT"])
for method, extra in (("OPTIONS", [(b"access-control-request-method", b"PUT")]), ("GET", [])):
    scope = {"type": "http", "method": method, "headers": [(b"origin", b"https://a.org"), *extra]}
    asyncio.run(cors(scope, None, send))
print(fastcors.IMPLEMENTATION, fastcors.__file__)
print(sent[0]["status"], sorted(dict(sent[0]["headers"])), sent[1]["body"])
print(sent[2]["status"], sent[2]["headers"], sent[3]["body"])
"""


def install_and_probe(python: list[str], venv: Path, target: Path, *pip_options: str) -> list[str]:
    """Installs ``target`` alone, offline, into a new virtual environment ``venv`` of ``python``."""
    inside = python[:2] if python[0] == SID else []  # the chroot's venv runs in the chroot
    subprocess.run([*python, "-m", "venv", str(venv)], check=True)
    pip = [
        *inside,
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-index",
        *pip_options,
    ]
    subprocess.run([*pip, str(target)], check=True)
    # Run from the venv, so that the source tree is not on the path.
    output = subprocess.run(
        [*inside, "env", "-C", str(venv), str(venv / "bin" / "python"), "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
    )
    assert output.stderr == ""
    return output.stdout.splitlines()


def assert_served(lines: list[str], venv: Path, core: str) -> None:
    implementation, location = lines[0].split()
    assert implementation == core
    assert location.startswith(str(venv))
    assert lines[1] == (
        "200 [b'access-control-allow-headers', b'access-control-allow-methods', "
        "b'access-control-allow-origin', b'access-control-max-age', b'content-length', b'content-type', "
        "b'vary'] b'OK'"
    )
    assert lines[2] == "200 [(b'access-control-allow-origin', b'https://a.org'), (b'vary', b'Origin')] b'app'"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_per_interpreter_wheel_serves_with_the_rust_core(version: str, tmp_path: Path) -> None:
    tag = "cp" + version.replace(".", "")
    wheel = artefact(f"fastcors-*-{tag}-{tag}-*manylinux2014_x86_64*.whl")
    assert_served(
        install_and_probe(interpreter(version), tmp_path / "venv", wheel), tmp_path / "venv", "rust"
    )


@pytest.mark.parametrize("version", ["3.10", "3.13", "3.15"])
def test_the_abi3_wheel_serves_with_the_rust_core_on_every_version(version: str, tmp_path: Path) -> None:
    wheel = artefact("fastcors-*-cp310-abi3-*manylinux2014_x86_64*.whl")
    assert_served(
        install_and_probe(interpreter(version), tmp_path / "venv", wheel), tmp_path / "venv", "rust"
    )


def test_the_pure_wheel_serves_with_the_python_core_silently(tmp_path: Path) -> None:
    wheel = artefact("fastcors-*-py3-none-any.whl")
    assert_served(
        install_and_probe(interpreter("3.12"), tmp_path / "venv", wheel), tmp_path / "venv", "python"
    )


def test_the_sdist_builds_and_serves_with_the_rust_core(tmp_path: Path) -> None:
    sdist = artefact("fastcors-*.tar.gz")
    # The build backend comes from the package index once; the sdist itself is installed offline.
    backend = tmp_path / "backend"
    tools = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:", "-d", str(backend)]
    subprocess.run([*tools, "maturin>=1.8,<2"], check=True)
    lines = install_and_probe(interpreter("3.11"), tmp_path / "venv", sdist, "--find-links", str(backend))
    assert_served(lines, tmp_path / "venv", "rust")


PICKS = [
    ("manylinux2014_x86_64", "3.10", "cp310-cp310"),
    ("manylinux2014_x86_64", "3.11", "cp311-cp311"),
    ("manylinux2014_x86_64", "3.12", "cp312-cp312"),
    ("manylinux2014_x86_64", "3.13", "cp313-cp313"),
    ("manylinux2014_x86_64", "3.14", "cp314-cp314"),
    ("manylinux2014_x86_64", "3.15", "cp315-cp315"),
    ("manylinux2014_x86_64", "3.16", "cp310-abi3"),
    ("musllinux_1_2_aarch64", "3.12", "py3-none-any"),
    ("macosx_11_0_arm64", "3.13", "py3-none-any"),
    ("win_amd64", "3.11", "py3-none-any"),
]  # fmt: skip


@pytest.mark.parametrize(("platform", "version", "tags"), PICKS)
def test_pip_picks_the_fastest_wheel_that_fits(
    platform: str, version: str, tags: str, tmp_path: Path
) -> None:
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--no-index", "--find-links", str(DIST)]
    target = [
        "--only-binary",
        ":all:",
        "--platform",
        platform,
        "--python-version",
        version,
        "-d",
        str(tmp_path),
    ]
    subprocess.run([*download, *target, "--implementation", "cp", "fastcors"], check=True)
    (picked,) = (path.name for path in tmp_path.iterdir())
    assert re.fullmatch(rf"fastcors-[^-]+-{tags}(-.+)?\.whl", picked), picked


@pytest.mark.parametrize("version", ["3.14", "3.15"])
def test_pip_gives_a_free_threaded_cpython_the_pure_wheel(version: str, tmp_path: Path) -> None:
    """No free-threaded build is published, and pip installs no abi3 extension there."""
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--no-index", "--find-links", str(DIST)]
    target = ["--only-binary", ":all:", "--platform", "manylinux2014_x86_64", "--python-version", version]
    abi = ["--implementation", "cp", "--abi", "cp" + version.replace(".", "") + "t", "-d", str(tmp_path)]
    subprocess.run([*download, *target, *abi, "fastcors"], check=True)
    assert [path.name for path in tmp_path.iterdir()] == [artefact("fastcors-*-py3-none-any.whl").name]


def has_symbol_table(elf: bytes) -> bool:
    """Whether a 64-bit little-endian ELF file has a ``.symtab`` section (strip removes it)."""
    (section_offset,) = struct.unpack_from("<Q", elf, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", elf, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", elf, section_offset + i * entry_size) for i in range(count)]
    names_offset = headers[names_index][4]
    names = [elf[names_offset + name : elf.index(b"\0", names_offset + name)] for name, *_ in headers]
    return b".symtab" in names


def compiled_wheels() -> list[Path]:
    return sorted(DIST.glob("fastcors-*-cp*.whl"))


def test_every_compiled_wheel_is_stripped_and_every_artefact_carries_the_licence() -> None:
    assert len(compiled_wheels()) == len(VERSIONS) + 1
    for wheel in [*compiled_wheels(), artefact("fastcors-*-py3-none-any.whl")]:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), wheel.name
            for name in names:
                if name.endswith(".so"):
                    assert not has_symbol_table(archive.read(name)), f"{wheel.name}: {name} is not stripped"
    with tarfile.open(artefact("fastcors-*.tar.gz")) as sdist:
        assert any(name.endswith("/LICENSE") for name in sdist.getnames())


def test_every_artefact_carries_cargo_tomls_version_and_the_same_metadata() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check-artefacts"), str(DIST)], capture_output=True, text=True
    )
    assert (checked.returncode, checked.stderr) == (0, "")


def test_the_pure_wheel_holds_no_compiled_code() -> None:
    with zipfile.ZipFile(artefact("fastcors-*-py3-none-any.whl")) as archive:
        assert not [name for name in archive.namelist() if name.endswith((".so", ".pyd"))]
        assert "fastcors/_pure/policy.py" in archive.namelist()

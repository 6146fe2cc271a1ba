"""What the distributions carry besides the code: the licence, the project's URLs, a security contact."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - CPython 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_wheel_carries_the_license_file() -> None:
    files = metadata.files("fastcors") or []
    licenses = [file for file in files if file.name == "LICENSE"]
    assert [file.read_text() for file in licenses] == [(ROOT / "LICENSE").read_text()]


def test_the_metadata_declares_the_mit_license_and_its_file() -> None:
    info = metadata.metadata("fastcors")
    assert info["License-Expression"] == "MIT"
    assert info.get_all("License-File") == ["LICENSE"]


def test_the_metadata_names_the_source_changelog_issues_and_security_policy() -> None:
    labels = {url.split(",")[0] for url in metadata.metadata("fastcors").get_all("Project-URL") or []}
    assert {"Source", "Changelog", "Issues", "Security"} <= labels


def test_the_published_extras_are_the_users_and_the_development_tools_are_groups() -> None:
    info = metadata.metadata("fastcors")
    assert sorted(info.get_all("Provides-Extra") or []) == ["cli", "redis"]
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    assert {"test", "lint", "bench"} <= set(groups)


def test_the_metadata_names_the_authors() -> None:
    assert metadata.metadata("fastcors")["Author"] == "The fastcors authors"


def test_the_classifiers_name_every_supported_cpython_and_a_development_status() -> None:
    classifiers = metadata.metadata("fastcors").get_all("Classifier") or []
    versions = [
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert versions == ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
    assert len([c for c in classifiers if c.startswith("Development Status :: ")]) == 1


def test_the_source_distribution_carries_the_license_changelog_and_security_policy(tmp_path: Path) -> None:
    maturin = shutil.which("maturin", path=str(Path(sys.executable).parent))
    if maturin is None:
        pytest.skip("maturin is in the test group: pip install --group test")
    subprocess.run([maturin, "sdist", "--out", str(tmp_path)], cwd=ROOT, check=True, capture_output=True)
    (sdist,) = tmp_path.glob("fastcors-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "CHANGELOG.md", "SECURITY.md"} <= names

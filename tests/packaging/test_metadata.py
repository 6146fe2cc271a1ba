"""What the distributions carry besides the code: the licence, the project's URLs, a security contact."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - CPython 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


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
    assert sorted(info.get_all("Provides-Extra") or []) == ["cli", "prometheus", "redis"]
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


def check_artefacts(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "scripts" / "check-artefacts"), *arguments]
    return subprocess.run(command, capture_output=True, text=True)


def test_a_release_tag_must_name_cargo_tomls_version() -> None:
    version = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
    assert check_artefacts("--manifests-only", "--tag", f"v{version}").returncode == 0
    refused = check_artefacts("--manifests-only", "--tag", f"v{version}.1")
    assert refused.returncode == 1
    assert (
        f"the tag v{version}.1 does not name Cargo.toml's version {version}: tag v{version}" in refused.stderr
    )


def test_artefacts_of_another_version_or_with_other_metadata_are_refused(tmp_path: Path) -> None:
    version = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]

    def wheel(name: str, metadata: str) -> None:
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr(f"fastcors-{version}.dist-info/METADATA", metadata)

    header = "Metadata-Version: 2.4\nName: fastcors\n"
    wheel(f"fastcors-{version}-py3-none-any.whl", f"{header}Version: {version}\n\nThe README.\n")
    wheel(f"fastcors-{version}-cp312-cp312-linux_x86_64.whl", f"{header}Version: {version}\n\nThe README.\n")
    assert check_artefacts(str(tmp_path)).returncode == 0
    wheel(f"fastcors-{version}-cp313-cp313-linux_x86_64.whl", f"{header}Version: 9.9\n\nThe README.\n")
    wheel(f"fastcors-{version}-cp314-cp314-linux_x86_64.whl", f"{header}Version: {version}\n\nAnother.\n")
    problems = check_artefacts(str(tmp_path)).stderr.splitlines()
    assert len(problems) == 3
    assert any("cp313" in line and f"version 9.9, not {version}" in line for line in problems)
    assert any("cp314" in line and "differ from" in line for line in problems)

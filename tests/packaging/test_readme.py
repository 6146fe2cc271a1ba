"""The README shows what is true: its examples are the files the tests serve, its links resolve."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_every_python_block_of_the_examples_is_taken_from_a_served_example_file() -> None:
    blocks = re.findall(r"```python\n(.*?)```", section("Examples"), re.DOTALL)
    sources = [path.read_text() for path in sorted((ROOT / "examples").glob("*.py"))]
    assert len(blocks) >= 3
    assert [block for block in blocks if not any(block in source for source in sources)] == []


def test_every_served_example_file_is_linked_from_the_examples() -> None:
    served = {path.name for path in (ROOT / "examples").glob("*_app.py")} | {"raw_asgi.py"}
    linked = set(re.findall(r"/blob/main/examples/([\w.]+\.py)", section("Examples")))
    assert served - linked == set()


#: The README is the users' page (and the PyPI page): what fastcors is, how to install and use it,
#: each feature in short. The deep material (performance, reliability, the browser suite, the
#: drop-in details) lives in docs/, linked from it.
LONGEST_README = 470


def test_the_readme_stays_a_users_page() -> None:
    assert len(README.splitlines()) <= LONGEST_README


REPOSITORY = "https://github.com/fastcors/fastcors"
#: Where the repository's files are shown, and where images are served from.
FILE_URL = re.compile(
    r"https://github\.com/fastcors/fastcors/(?:blob|tree)/main/([^)#\s]+)"
    r"|https://raw\.githubusercontent\.com/fastcors/fastcors/main/([^)#\s]+)"
)


def test_every_link_and_image_is_absolute_so_that_it_works_on_pypi_too() -> None:
    # PyPI shows the README as the project's page, with no repository to resolve a relative link
    # against and no anchors on its headings.
    targets = re.findall(r"\]\(([^)]*)\)", README)
    assert targets
    assert [target for target in targets if not target.startswith("https://")] == []


def test_every_link_into_the_repository_names_one_of_its_files() -> None:
    paths = [blob or raw for blob, raw in FILE_URL.findall(README)]
    assert len(paths) >= 10
    assert [path for path in paths if not (ROOT / path).exists()] == []


def test_the_chart_is_served_as_an_image_from_the_repository() -> None:
    assert (
        "![overhead per request](https://raw.githubusercontent.com/fastcors/fastcors/main/docs/benchmark.png)"
        in README
    )


def slugs_of(markdown: str) -> set[str]:
    headings = re.findall(r"(?m)^#+ (.+)$", re.sub(r"(?s)```.*?```", "", markdown))
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_every_link_into_docs_names_a_file_and_one_of_its_headings() -> None:
    pages = [README, *(path.read_text() for path in sorted((ROOT / "docs").glob("*.md")))]
    links = [
        link for page in pages for link in re.findall(r"/blob/main/(docs/[\w.-]+\.md)(?:#([^)\s]+))?", page)
    ]
    assert len(links) >= 10
    missing = [path for path, _ in links if not (ROOT / path).exists()]
    assert missing == []
    unnamed = [
        f"{path}#{slug}" for path, slug in links if slug and slug not in slugs_of((ROOT / path).read_text())
    ]
    assert unnamed == []


def test_every_anchor_names_a_heading() -> None:
    headings = re.findall(r"(?m)^#+ (.+)$", README)
    slugs = {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}
    anchors = set(re.findall(rf"\]\({re.escape(REPOSITORY)}#([^)]+)\)", README))
    assert anchors
    assert anchors - slugs == set()

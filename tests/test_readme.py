"""The README shows what is true: its examples are the files the tests serve, its links resolve."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_every_python_block_of_the_examples_is_taken_from_a_served_example_file() -> None:
    blocks = re.findall(r"```python\n(.*?)```", section("Examples"), re.DOTALL)
    sources = [path.read_text() for path in sorted((ROOT / "examples").glob("*.py"))]
    assert len(blocks) >= 5
    assert [block for block in blocks if not any(block in source for source in sources)] == []


def test_every_relative_link_points_to_a_file_of_the_repository() -> None:
    targets = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README)
    assert targets
    assert [target for target in targets if not (ROOT / target).exists()] == []


def test_every_internal_anchor_names_a_heading() -> None:
    headings = re.findall(r"(?m)^#+ (.+)$", README)
    slugs = {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}
    anchors = set(re.findall(r"\]\(#([^)]+)\)", README))
    assert anchors
    assert anchors - slugs == set()

"""The type checks read files; they do not depend on the core, so they run once."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def implementation() -> str:
    """Overrides the per-core fixture of ``tests/conftest.py``: no core is involved here."""
    return "none"

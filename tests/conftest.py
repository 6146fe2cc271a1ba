"""Every test runs once per core: ``rust`` (the extension) and ``python`` (the pure twin)."""

from __future__ import annotations

import pytest

from fastcors import _implementation, _middleware, _pure

try:
    from fastcors import _fastcors
except ImportError:  # pragma: no cover - only where the extension was not built
    _fastcors = None  # type: ignore[assignment]

IMPLEMENTATIONS = ("rust", "python")


@pytest.fixture(params=IMPLEMENTATIONS, autouse=True)
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Switches the core that every ``CORSMiddleware`` built during the test uses."""
    name: str = request.param
    if name == "python":
        monkeypatch.setattr(_middleware, "Policy", _pure.Policy)
    elif _fastcors is None:
        if not _implementation.NO_EXTENSIONS:
            pytest.fail("the Rust extension fastcors._fastcors is not built; run `maturin develop`")
        pytest.skip("FASTCORS_NO_EXTENSIONS is set")
    else:
        monkeypatch.setattr(_middleware, "Policy", _fastcors.Policy)
    return name

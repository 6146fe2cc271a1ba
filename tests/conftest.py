"""Every test runs once per core: ``rust`` (the extension) and ``python`` (the pure twin)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest

from fastcors import _core, _pure
from fastcors._middleware import CORSMiddleware

try:
    from fastcors import _fastcors
except ImportError:  # pragma: no cover - only where the extension was not built
    _fastcors = None  # type: ignore[assignment]

IMPLEMENTATIONS = ("rust", "python")
#: Where the cores cannot be swapped in one process, what tests the other core.
SEPARATE_RUN = "scripts/test runs the suite again with FASTCORS_NO_EXTENSIONS=1 there"


@pytest.fixture(params=IMPLEMENTATIONS, autouse=True)
def implementation(request: pytest.FixtureRequest) -> Iterator[str]:
    """Makes ``CORSMiddleware`` the class each core's import builds, for the whole test."""
    name: str = request.param
    if name == "rust" and _fastcors is None:
        if not _core.NO_EXTENSIONS:
            pytest.fail("the Rust extension fastcors._fastcors is not built; run `maturin develop`")
        pytest.skip("FASTCORS_NO_EXTENSIONS is set")
    with serving_on(_pure if name == "python" else _fastcors):
        yield name


@contextmanager
def serving_on(core: ModuleType) -> Iterator[None]:
    """``CORSMiddleware`` with ``core``'s ``Middleware`` as its base, as ``core``'s import makes it:
    the core's own ``__call__`` serves requests (the pure core's included) and builds the core's
    policies. Neither base adds to an instance's layout, so the class changes its base in place,
    and the subclasses a test makes follow."""
    bases = CORSMiddleware.__bases__
    swapped = tuple(core.Middleware if "_policy_type" in vars(base) else base for base in bases)
    try:
        type.__setattr__(CORSMiddleware, "__bases__", swapped)
    except TypeError as refused:
        # CPython 3.15 refuses to put a Python-defined base where the compiled one is ("object
        # layout differs"): there each core is tested in a process of its own, scripts/test running
        # the suite again with FASTCORS_NO_EXTENSIONS=1 for the pure core.
        pytest.skip(f"this interpreter cannot swap the cores in one process ({refused}); {SEPARATE_RUN}")
    try:
        yield
    finally:
        type.__setattr__(CORSMiddleware, "__bases__", bases)

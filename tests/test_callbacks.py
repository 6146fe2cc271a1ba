"""The Python the Rust core calls back is one module, ``fastcors._callbacks``, which names exactly
what the core reads from it (``_fastcors.CALLBACK_NAMES``)."""

from __future__ import annotations

import pytest

from fastcors import _callbacks

_fastcors = pytest.importorskip("fastcors._fastcors")


def test_callbacks_exports_exactly_the_names_the_rust_core_reads() -> None:
    assert sorted(_callbacks.__all__) == sorted(_fastcors.CALLBACK_NAMES)


def test_callbacks_defines_every_name_it_exports_and_no_other() -> None:
    public = {name for name in vars(_callbacks) if not name.startswith("_")} - {"annotations"}
    assert public == set(_callbacks.__all__)

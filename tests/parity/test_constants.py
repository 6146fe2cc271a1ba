"""The constants both cores share: ``fastcors._constants`` (the pure-Python core's table) holds
exactly the Rust core's table (``rust/constants.rs``, exported as ``_fastcors.CONSTANTS``)."""

from __future__ import annotations

from typing import Any

import pytest

from fastcors import _constants

_fastcors = pytest.importorskip("fastcors._fastcors")


def python_table() -> dict[str, Any]:
    return {name: getattr(_constants, name) for name in _constants.__all__}


def test_every_rust_constant_is_in_the_python_table() -> None:
    missing = set(_fastcors.CONSTANTS) - set(python_table())
    assert not missing, f"add to fastcors/_constants.py: {sorted(missing)}"


def test_every_python_constant_is_in_the_rust_table() -> None:
    missing = set(python_table()) - set(_fastcors.CONSTANTS)
    assert not missing, f"add to rust/constants.rs (and its TABLE): {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(_fastcors.CONSTANTS))
def test_a_shared_constant_is_equal_and_of_the_same_type_in_both_cores(name: str) -> None:
    python_value = getattr(_constants, name)
    rust_value = _fastcors.CONSTANTS[name]
    assert (type(python_value), python_value) == (type(rust_value), rust_value)


def test_the_python_table_exports_every_constant_it_defines() -> None:
    defined = {name for name in vars(_constants) if name.isupper()}
    assert defined == set(_constants.__all__)

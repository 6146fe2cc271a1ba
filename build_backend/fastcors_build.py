"""The build backend: maturin's, with a three-line answer where Rust is missing.

Building fastcors from its source distribution compiles the Rust core. Without ``cargo`` on PATH,
maturin would download a whole Rust toolchain (over a gigabyte) where the network allows, and fail
with a long traceback where it does not. This backend stops first, before anything is fetched,
and says how to get the pure-Python wheel (the same answers, no compiler) or the compiled core.
Every hook is maturin's own once ``cargo`` is found.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from typing import Any

import maturin

MISSING_RUST = (
    "fastcors: building from source compiles its Rust core, and cargo is not on PATH.\n"
    "For the pure-Python wheel (same answers, no compiler): pip install --only-binary fastcors fastcors\n"
    "For the compiled core: install Rust (https://rustup.rs), then install fastcors again.\n"
)


def _require_cargo() -> None:
    if shutil.which("cargo") is None:
        sys.stderr.write(MISSING_RUST)
        raise SystemExit(1)


def _checked(hook: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        _require_cargo()
        return hook(*args, **kwargs)

    checked.__name__ = hook.__name__
    checked.__doc__ = hook.__doc__
    return checked


get_requires_for_build_wheel = _checked(maturin.get_requires_for_build_wheel)
get_requires_for_build_editable = _checked(maturin.get_requires_for_build_editable)
get_requires_for_build_sdist = _checked(maturin.get_requires_for_build_sdist)
prepare_metadata_for_build_wheel = _checked(maturin.prepare_metadata_for_build_wheel)
prepare_metadata_for_build_editable = _checked(maturin.prepare_metadata_for_build_editable)
build_wheel = _checked(maturin.build_wheel)
build_editable = _checked(maturin.build_editable)
build_sdist = _checked(maturin.build_sdist)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

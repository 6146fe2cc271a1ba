"""The one switch between the Rust core and its pure-Python twin.

The compiled core is used when it is installed and loads. Setting ``FASTCORS_NO_EXTENSIONS`` to any
non-empty value other than ``0`` forces the pure-Python core. A pure wheel (no extension) uses the
pure-Python core silently; an extension that is present but cannot be used (built for another
interpreter, a missing symbol, a damaged file) is reported once with a ``RuntimeWarning`` that gives
the reason, and the pure-Python core serves the same answers, more slowly. The pure-Python core is
imported only when it serves: an application on the compiled core never pays for loading it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import warnings
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from fastcors._fastcors import Middleware as Middleware
    from fastcors._fastcors import Policy as Policy

NO_EXTENSIONS = os.environ.get("FASTCORS_NO_EXTENSIONS", "") not in ("", "0")
_FALLING_BACK = (
    "using the pure-Python core, which gives the same answers more slowly. Reinstall fastcors for "
    "this interpreter, or set FASTCORS_NO_EXTENSIONS=1 to choose the pure-Python core without this warning."
)


def _unusable_extensions() -> list[str]:
    """The compiled cores in the package that this interpreter does not load (a ``cp311`` build in
    a 3.12 environment, say): a pure install has none, so it stays silent."""
    try:
        names = os.listdir(os.path.dirname(__file__))
    except OSError:
        return []
    return sorted(name for name in names if name.startswith("_fastcors.") and name.endswith((".so", ".pyd")))


IMPLEMENTATION: Literal["rust", "python"]
if NO_EXTENSIONS or importlib.util.find_spec("fastcors._fastcors") is None:
    if not NO_EXTENSIONS and (unusable := _unusable_extensions()):
        warnings.warn(
            f"fastcors: the compiled core {', '.join(f'fastcors/{name}' for name in unusable)} is "
            f"installed but not built for this interpreter, {sys.implementation.name} "
            f"{sys.version.split()[0]}, which loads only "
            f"{', '.join(f'_fastcors{suffix}' for suffix in importlib.machinery.EXTENSION_SUFFIXES)}; "
            + _FALLING_BACK,
            RuntimeWarning,
            stacklevel=2,
        )
    from fastcors._pure import Middleware, Policy  # type: ignore[assignment]  # same interface, see _fastcors.pyi

    IMPLEMENTATION = "python"
else:
    try:
        from fastcors._fastcors import Middleware, Policy
    except Exception as error:  # whatever stops the extension loading, say it and go on
        warnings.warn(
            f"fastcors: the compiled core fastcors._fastcors is installed but failed to load "
            f"({type(error).__name__}: {error}); " + _FALLING_BACK,
            RuntimeWarning,
            stacklevel=2,
        )
        from fastcors._pure import Middleware, Policy  # type: ignore[assignment]  # same interface

        IMPLEMENTATION = "python"
    else:
        IMPLEMENTATION = "rust"

__all__ = ["IMPLEMENTATION", "NO_EXTENSIONS", "Middleware", "Policy"]

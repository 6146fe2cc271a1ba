"""The one switch between the Rust core and its pure-Python twin.

The compiled core is used when it is installed and loads. Setting ``FASTCORS_NO_EXTENSIONS`` to any
non-empty value other than ``0`` forces the pure-Python core. A pure wheel (no extension) uses the
pure-Python core silently; an extension that is present but fails to load (built for another
interpreter, a missing symbol, a damaged file) is reported once with a ``RuntimeWarning`` that gives
the reason, and the pure-Python core serves the same answers, more slowly.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from typing import TYPE_CHECKING, Literal

from fastcors import _pure

if TYPE_CHECKING:
    from fastcors._fastcors import Middleware as Middleware
    from fastcors._fastcors import Policy as Policy

NO_EXTENSIONS = os.environ.get("FASTCORS_NO_EXTENSIONS", "") not in ("", "0")

IMPLEMENTATION: Literal["rust", "python"]
if NO_EXTENSIONS or importlib.util.find_spec("fastcors._fastcors") is None:
    Middleware = _pure.Middleware  # type: ignore[assignment,misc]  # same interface, see _fastcors.pyi
    Policy = _pure.Policy  # type: ignore[assignment,misc]
    IMPLEMENTATION = "python"
else:
    try:
        from fastcors._fastcors import Middleware, Policy
    except Exception as error:  # whatever stops the extension loading, say it and go on
        warnings.warn(
            f"fastcors: the compiled core fastcors._fastcors is installed but failed to load "
            f"({type(error).__name__}: {error}); using the pure-Python core, which gives the same "
            "answers more slowly. Reinstall fastcors for this interpreter, or set "
            "FASTCORS_NO_EXTENSIONS=1 to choose the pure-Python core without this warning.",
            RuntimeWarning,
            stacklevel=2,
        )
        Middleware = _pure.Middleware  # type: ignore[assignment,misc]  # same interface, see _fastcors.pyi
        Policy = _pure.Policy  # type: ignore[assignment,misc]
        IMPLEMENTATION = "python"
    else:
        IMPLEMENTATION = "rust"

__all__ = ["IMPLEMENTATION", "NO_EXTENSIONS", "Middleware", "Policy"]

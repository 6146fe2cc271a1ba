"""The one switch between the Rust core and its pure-Python twin.

Set ``FASTCORS_NO_EXTENSIONS=1`` to use the pure-Python core even where the extension is built.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from fastcors import _pure

if TYPE_CHECKING:
    from fastcors._fastcors import Middleware as Middleware
    from fastcors._fastcors import Policy as Policy

NO_EXTENSIONS = os.environ.get("FASTCORS_NO_EXTENSIONS", "") not in ("", "0")

IMPLEMENTATION: Literal["rust", "python"]
if NO_EXTENSIONS:
    Middleware = _pure.Middleware  # type: ignore[assignment,misc]  # same interface, see _fastcors.pyi
    Policy = _pure.Policy  # type: ignore[assignment,misc]
    IMPLEMENTATION = "python"
else:
    try:
        from fastcors._fastcors import Middleware, Policy
    except ImportError:
        Middleware = _pure.Middleware  # type: ignore[assignment,misc]  # same interface, see _fastcors.pyi
        Policy = _pure.Policy  # type: ignore[assignment,misc]
        IMPLEMENTATION = "python"
    else:
        IMPLEMENTATION = "rust"

__all__ = ["IMPLEMENTATION", "NO_EXTENSIONS", "Middleware", "Policy"]

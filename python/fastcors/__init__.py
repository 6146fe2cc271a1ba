"""fastcors: Starlette's ``CORSMiddleware``, byte for byte, with a Rust core.

Change one import::

    from fastcors import CORSMiddleware  # was: from starlette.middleware.cors import CORSMiddleware
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastcors._checks import CORSConfigError, CORSConfigWarning
from fastcors._implementation import IMPLEMENTATION
from fastcors._middleware import CORSMiddleware
from fastcors._reasons import Explanation, RejectEvent

try:
    __version__ = version("fastcors")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "IMPLEMENTATION",
    "CORSConfigError",
    "CORSConfigWarning",
    "CORSMiddleware",
    "Explanation",
    "RejectEvent",
    "__version__",
]

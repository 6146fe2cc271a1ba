"""fastcors: Starlette's ``CORSMiddleware``, byte for byte, with a Rust core.

Change one import::

    from fastcors import CORSMiddleware  # was: from starlette.middleware.cors import CORSMiddleware

The public names:

- ``CORSMiddleware``: the middleware, with Starlette's arguments, defaults and attributes.
- ``IMPLEMENTATION``: which core serves requests, ``"rust"`` (the compiled extension) or
  ``"python"`` (the pure-Python twin, used where the extension cannot be loaded or when the
  environment variable ``FASTCORS_NO_EXTENSIONS=1`` is set); both give the same answers.
- ``CORSConfigWarning``: warned at construction, once per configuration problem (a ``UserWarning``).
- ``CORSConfigError``: raised with ``strict=True``, listing every problem (a ``ValueError``).
- ``RejectEvent``: what an ``on_reject`` callback receives when a request is refused.
- ``Explanation``: ``CORSMiddleware.explain``'s verdict on a hypothetical request.
- ``__version__``: the installed distribution's version.

>>> import fastcors
>>> fastcors.IMPLEMENTATION in ("rust", "python")
True
>>> fastcors.__version__ == __import__("importlib.metadata").metadata.version("fastcors")
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastcors._checks import CORSConfigError, CORSConfigWarning
from fastcors._implementation import IMPLEMENTATION
from fastcors._middleware import CORSMiddleware
from fastcors._reasons import Explanation, RejectEvent

__version__: str
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

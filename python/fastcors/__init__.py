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
- ``ShadowDifference``: what ``on_shadow_difference`` receives when the ``shadow`` configuration
  would have answered a request otherwise; ``ShadowOutcome``: each configuration's answer in it.
- ``__version__``: the installed distribution's version (a constant written at build time).

>>> import fastcors
>>> fastcors.IMPLEMENTATION in ("rust", "python")
True
>>> fastcors.__version__ == __import__("importlib.metadata").metadata.version("fastcors")
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastcors._core import IMPLEMENTATION
from fastcors._middleware import CORSMiddleware
from fastcors._version import __version__

if TYPE_CHECKING:
    from fastcors._checks import CORSConfigError, CORSConfigWarning
    from fastcors._explain import Explanation
    from fastcors._reporting import RejectEvent
    from fastcors._shadow import ShadowDifference, ShadowOutcome

#: The public names loaded when first asked for, and their modules: ``import fastcors`` inside an
#: application costs little more than the classes it serves requests with.
_LAZY = {
    "CORSConfigError": "fastcors._checks",
    "CORSConfigWarning": "fastcors._checks",
    "Explanation": "fastcors._explain",
    "RejectEvent": "fastcors._reporting",
    "ShadowDifference": "fastcors._shadow",
    "ShadowOutcome": "fastcors._shadow",
}


def __getattr__(name: str) -> object:
    if (module := _LAZY.get(name)) is None:
        raise AttributeError(f"module 'fastcors' has no attribute {name!r}")
    value = getattr(__import__(module, fromlist=[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "IMPLEMENTATION",
    "CORSConfigError",
    "CORSConfigWarning",
    "CORSMiddleware",
    "Explanation",
    "RejectEvent",
    "ShadowDifference",
    "ShadowOutcome",
    "__version__",
]

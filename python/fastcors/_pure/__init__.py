"""The pure-Python core: the same decisions as the Rust core, for where it cannot be loaded.

It has the compiled core's surface (``fastcors._fastcors``, see ``_fastcors.pyi``): ``Middleware``,
the base class that gives ``CORSMiddleware`` its ``__call__``, ``Policy``, built once from a
``CorsConfig`` and serving each request, and ``CorsSend``, the ``send`` handed to the app. Its
modules carry the names of their Rust twins (``rust/*.rs`` and ``rust/bindings/*.rs``): a change to
one rule opens files of the same name on each side.
"""

from fastcors._pure.cors_send import CorsSend
from fastcors._pure.middleware import Middleware
from fastcors._pure.policy import Policy

__all__ = ["CorsSend", "Middleware", "Policy"]

"""The Python the Rust core calls back, named in one place: the functions it calls, the class
attributes of its ``send``, and the logging level of refusals.

``rust/bindings/callbacks.rs`` imports this module once and reads exactly these names (they are
``fastcors._fastcors.CALLBACK_NAMES``; a test keeps the two lists equal). The functions load with
the first policy, not with the compiled core: ``import fastcors`` stays cheap.
"""

from __future__ import annotations

import importlib
from logging import DEBUG
from typing import TYPE_CHECKING

from fastcors._coroutine_marks import SEND_ATTRIBUTES

if TYPE_CHECKING:
    from fastcors._errors import serve_with_cors_on_errors
    from fastcors._origin_func import continue_preflight, continue_response_start
    from fastcors._preflight import denial_send, send_preflight
    from fastcors._shadow import (
        compare_later,
        compare_shadow,
        not_compared,
        served_then_compared,
        shadow_failed,
        tell_shadow_difference,
    )
    from fastcors._websocket import refuse_websocket

#: Where each function is defined.
_DEFINED_IN = {
    "continue_preflight": "fastcors._origin_func",
    "continue_response_start": "fastcors._origin_func",
    "compare_later": "fastcors._shadow",
    "compare_shadow": "fastcors._shadow",
    "tell_shadow_difference": "fastcors._shadow",
    "shadow_failed": "fastcors._shadow",
    "not_compared": "fastcors._shadow",
    "denial_send": "fastcors._preflight",
    "refuse_websocket": "fastcors._websocket",
    "send_preflight": "fastcors._preflight",
    "serve_with_cors_on_errors": "fastcors._errors",
    "served_then_compared": "fastcors._shadow",
}


def __getattr__(name: str) -> object:
    if name in _DEFINED_IN:
        return getattr(importlib.import_module(_DEFINED_IN[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEBUG",
    "SEND_ATTRIBUTES",
    "compare_later",
    "compare_shadow",
    "continue_preflight",
    "continue_response_start",
    "denial_send",
    "not_compared",
    "refuse_websocket",
    "send_preflight",
    "serve_with_cors_on_errors",
    "served_then_compared",
    "shadow_failed",
    "tell_shadow_difference",
]

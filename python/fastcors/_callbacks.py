"""The Python the Rust core calls back, named in one place: the functions it calls, the class
attributes of its ``send``, and the logging level of refusals.

``rust/bindings/callbacks.rs`` imports this module once and reads exactly these names (they are
``fastcors._fastcors.CALLBACK_NAMES``; a test keeps the two lists equal).
"""

from __future__ import annotations

from logging import DEBUG

from fastcors._coroutine_marks import SEND_ATTRIBUTES
from fastcors._errors import serve_with_cors_on_errors
from fastcors._origin_func import continue_preflight, continue_response_start
from fastcors._preflight import denial_send, send_preflight
from fastcors._websocket import refuse_websocket

__all__ = [
    "DEBUG",
    "SEND_ATTRIBUTES",
    "continue_preflight",
    "continue_response_start",
    "denial_send",
    "refuse_websocket",
    "send_preflight",
    "serve_with_cors_on_errors",
]

"""A configuration's answer to a request, worked out without serving, counting or reporting it,
for ``fastcors._shadow`` to compare (the twin of ``rust/bindings/shadow.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fastcors._pure.dispatch import is_options
from fastcors._pure.headers import ALLOW_ORIGIN, ORIGIN, REQUEST_METHOD
from fastcors._pure.origin import ask_origin_func, judge_origin
from fastcors._pure.preflight import preflight_headers_of, preflight_messages
from fastcors._pure.response_start import edit_response_start
from fastcors._pure.state import PolicyState


def outcome(
    self: PolicyState,
    request_headers: list[Any],
    method: Any,
    middleware: Any = None,
    origin_allowed: bool | None = None,
) -> tuple[bool, list[Any]] | Awaitable[bool]:
    """``(allowed, headers)``: whether the browser may read the response, and the CORS headers
    this policy sends (a preflight's, without its body's; or those it adds to an app's response
    that sets none of its own). Or the verdict of an async ``allow_origin_func`` to await first:
    then ``origin_allowed`` is that verdict."""
    if is_options(method, request_headers):
        first = preflight_headers_of(self, request_headers)
        origin = first.get(ORIGIN)
        if origin is not None and first.get(REQUEST_METHOD) is not None:
            if origin_allowed is None:
                if self._only_listed_origins is not None:
                    origin_allowed = origin in self._only_listed_origins
                else:
                    origin_allowed = judge_origin(self, origin, middleware)
                if not origin_allowed and self._origin_func is not None:
                    asked = ask_origin_func(self, origin)
                    if not isinstance(asked, bool):
                        return asked
                    origin_allowed = asked
            start, _ = preflight_messages(self, first, origin_allowed, False)
            # The body's `Content-Length` and `Content-Type` come last: no CORS headers.
            return (start["status"] == 200, start["headers"][:-2])
    message: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": []}
    pending = edit_response_start(self, message, request_headers, middleware, None, origin_allowed)
    if pending is not None:
        return pending
    headers = message["headers"]
    return (any(name == ALLOW_ORIGIN for name, _ in headers), headers)

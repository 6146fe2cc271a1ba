"""A configuration's answer to a request, worked out without serving, counting or reporting it,
and the comparison of the live and the shadow configuration's answers (the twin of
``rust/bindings/shadow.rs`` and ``rust/shadow.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fastcors._pure.asgi_headers import exact_bytes, first_origin, is_options
from fastcors._pure.headers import ALLOW_ORIGIN, ORIGIN, REQUEST_METHOD, VARY_ORIGIN
from fastcors._pure.origin import ask_origin_func, judge_origin
from fastcors._pure.preflight import preflight_headers_of, preflight_messages
from fastcors._pure.state import PolicyState
from fastcors._shadow import (
    INTERRUPTS,
    LaterComparison,
    Pending,
    Shadow,
    compare_shadow,
    concluded,
    not_compared,
    report_shadow_difference,
    settled,
    shadow_failed,
)
from fastcors._types import Message

Answer = tuple[bool, list[Any]]
#: A request compared under an inline shadow: the shadow, the request's path as it arrived (or
#: ``NO_PATH``) and its method.
Shadowed = tuple[Shadow, Any, Any]


def outcome(
    self: PolicyState,
    request_headers: list[Any],
    method: Any,
    middleware: Any = None,
    origin_allowed: bool | None = None,
) -> Answer | Awaitable[bool]:
    """``(allowed, headers)``: whether the browser may read the response, and the CORS headers
    this policy sends (a preflight's, without its body's; or those it adds to an app's response
    that sets none of its own). Or the verdict of an async ``allow_origin_func`` to await first:
    then ``origin_allowed`` is that verdict."""
    origin = first_origin(request_headers)
    if origin is None:
        return (False, [VARY_ORIGIN])
    return answer(self, preflight_of(self, request_headers, method), origin, middleware, origin_allowed)


def preflight_of(self: PolicyState, request_headers: list[Any], method: Any) -> dict[bytes, Any] | None:
    """The first value of each CORS request header of a preflight; ``None`` for any other request."""
    if not is_options(method, request_headers):
        return None
    first = preflight_headers_of(self, request_headers)
    if first.get(ORIGIN) is None or first.get(REQUEST_METHOD) is None:
        return None
    return first


def answer(
    self: PolicyState,
    preflight: dict[bytes, Any] | None,
    origin: bytes,
    middleware: Any,
    origin_allowed: bool | None = None,
) -> Answer | Awaitable[bool]:
    """``outcome`` for a request whose ``Origin`` and preflight headers are read already."""
    if preflight is not None:
        origin = preflight[ORIGIN]
    if origin_allowed is None:
        if preflight is None and self._allow_all_origins:
            # Credentials forbid `*`, so the origin is echoed instead.
            origin_allowed = self._allow_credentials
        else:
            if self._only_listed_origins is not None:
                origin_allowed = origin in self._only_listed_origins
            else:
                origin_allowed = judge_origin(self, origin, middleware)
            if not origin_allowed and self._origin_func is not None and not self._allow_all_origins:
                asked = ask_origin_func(self, origin)
                if not isinstance(asked, bool):
                    return asked
                origin_allowed = asked
    if preflight is not None:
        # The live preflight's own steps, unsplit: a call more would cost every preflight.
        return preflight_answer(preflight_messages(self, preflight, origin_allowed, False)[0])
    return simple_answer(self, origin, origin_allowed)


def preflight_answer(start: Message) -> Answer:
    """A preflight's answer, from the start of its response."""
    # The body's `Content-Length` and `Content-Type` come last: no CORS headers.
    return (start["status"] == 200, start["headers"][:-2])


def simple_answer(self: PolicyState, origin: bytes, echoed: bool) -> Answer:
    """What ``edit_response_start`` appends to a response without CORS headers of its own."""
    if echoed:
        before, after = self._appended_when_echoed
        return (True, [*before, (ALLOW_ORIGIN, exact_bytes(origin)), *after])
    # Not echoed: only `*` (in the simple headers) lets the browser read the response.
    return (self._allow_all_origins, list(self._appended_when_not_echoed))


#: The path of a request whose scope has none (or fails to give it).
NO_PATH = object()


def arrived(path: object) -> dict[str, Any]:
    """A scope of its own holding the request's path as it arrived (``{}`` without one), which
    the comparison reads when the response starts: the app may rewrite ``scope["path"]`` in place
    by then. Only the path is kept (by ``dispatch``, when the request arrives): a send that kept
    the whole scope would make a cycle of a scope that keeps its send."""
    return {} if path is NO_PATH else {"path": path}


def compare_decided(
    shadowed: Shadowed,
    middleware: Any,
    request_headers: list[Any],
    live_answer: Answer,
    preflight: dict[bytes, Any] | None,
    origin: bytes,
) -> None:
    """Compares the live answer to a request, decided as it is served, with the candidate's, and
    reports a difference: the comparison of an inline shadow (``Shadow.inline``). A verdict the
    candidate's function would have to await is not awaited: that request is logged as not
    compared. Nothing of it can fail the request."""
    shadow, path, method = shadowed
    scope = arrived(path)
    try:
        _, shadow_answer = candidate_answer(shadow, scope, preflight, origin, middleware)
        if not settled(shadow_answer):
            not_compared(shadow_answer)
            return
        if live_answer != shadow_answer:
            request = (middleware, scope, request_headers, method, shadow)
            report_shadow_difference(request, live_answer, shadow_answer)
    except Exception as error:
        shadow_failed(error)


def compared(middleware: Any, scope: Any, live: Any, shadow: Shadow) -> LaterComparison | None:
    """Compares the answers to a request, if it is an HTTP request, under the live policy
    ``live`` (a ``Policy``; ``None``: CORS is off) and the shadow's, reports a difference, and
    returns the comparison to await after the response when a verdict must be awaited first.
    Nothing of it can fail the request."""
    try:
        return _compared(middleware, scope, live, shadow)
    except Exception as error:
        shadow_failed(error)
        return None


def _compared(middleware: Any, scope: Any, live: Any, shadow: Shadow) -> LaterComparison | None:
    # Asked as `dispatch` asks it, so that every request the live policy serves is compared; a
    # scope whose type cannot be read or compared is not (the live answer alone stands).
    if scope["type"] != "http":
        return None
    request_headers = scope["headers"]
    if request_headers.__class__ is not list:
        return compare_shadow(middleware, scope, live, shadow)
    origin = first_origin(request_headers)
    if origin is None:
        return None
    method = scope["method"]
    # Either policy reads a preflight's headers alike: the live one, or the candidate's if none.
    reader: Any = shadow.policy if live is None else live
    preflight = preflight_of(reader, request_headers, method)
    live_answer = (False, []) if live is None else answer(live, preflight, origin, middleware)
    candidate, shadow_answer = candidate_answer(shadow, scope, preflight, origin, middleware)
    return concluded(
        (middleware, scope, request_headers, method, shadow), (live, candidate, live_answer, shadow_answer)
    )


def candidate_answer(
    shadow: Shadow, scope: Any, preflight: dict[bytes, Any] | None, origin: bytes, middleware: Any
) -> tuple[Any, Pending]:
    """The candidate's policy for the request (``None``: CORS is off there) and its answer; what
    its ``allow_origin_func`` raised is its answer too (served alone, it would fail the request)."""
    candidate: Any = shadow.policy if shadow.routes is None else shadow.policy_for(scope)
    if candidate is None:
        return None, (False, [])
    try:
        return candidate, answer(candidate, preflight, origin, middleware)
    except INTERRUPTS:
        raise
    except BaseException as error:  # see `INTERRUPTS`
        return candidate, error

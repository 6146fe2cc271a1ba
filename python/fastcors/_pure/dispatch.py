"""The request's entry into the policy: non-http scopes, preflights, the ``send`` for the app (the twin
of ``rust/bindings/dispatch.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any

from fastcors._errors import serve_with_cors_on_errors
from fastcors._origin_func import continue_preflight
from fastcors._preflight import denial_send, send_preflight
from fastcors._pure.asgi_headers import first_origin, is_options
from fastcors._pure.cors_send import CorsSend, ShadowedCorsSend
from fastcors._pure.headers import ORIGIN
from fastcors._pure.origin import ask_origin_func, judge_origin
from fastcors._pure.preflight import preflight, preflight_headers_of
from fastcors._pure.reporting import listening, report_refusal
from fastcors._pure.shadow import NO_PATH, Shadowed, compare_decided, preflight_answer
from fastcors._pure.state import PolicyState
from fastcors._shadow import Shadow, not_compared
from fastcors._types import ASGIApp, Message, Receive, Scope, Send
from fastcors._websocket import refuse_websocket


def dispatch(
    self: PolicyState,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    middleware: Any = None,
    shadow: Shadow | None = None,
) -> Awaitable[None]:
    """The whole middleware for one ASGI call: returns the awaitable that serves the request.

    Non-http scopes go straight to ``app``; a preflight is answered here (``app`` never runs);
    any other request runs ``app`` with a ``send`` that adds the CORS headers. ``middleware`` is
    the one whose ``is_allowed_origin`` a judged policy asks. ``shadow``: the inline shadow that
    compares the request where it is decided.
    """
    kind = scope["type"]
    if kind != "http":
        if self._check_websocket_origin and kind == "websocket":
            refused = websocket_refused_origin(self, scope["headers"], middleware)
            if refused is not None:
                next(self._counters.websocket_refused)
                if listening(self):
                    report_refusal(self, "websocket", refused, "GET", None, 1, None)
                return refuse_websocket(scope, receive, send)
        return app(scope, receive, send)
    next(self._requests_count)
    method = scope["method"]
    request_headers = scope["headers"]
    if request_headers.__class__ is not list:
        # Starlette's `Headers(scope=scope)` leaves a list in the scope.
        request_headers = scope["headers"] = list(request_headers)
    # A plain `str` answers without a call; another method is asked only with an Origin.
    options = method == "OPTIONS" if method.__class__ is str else is_options(method, request_headers)
    if shadow is not None:
        # The path as the request arrived (see `arrived`), read here: a call would cost every
        # shadowed request. Nothing of reading it fails the request: without routes, the live
        # answer does not read it.
        try:
            path = scope["path"]
        except Exception:
            path = NO_PATH
        if not options and not self._cors_on_errors:
            # The usual request, as below, with the send that compares its response start.
            cors_send = ShadowedCorsSend(self, send, request_headers, middleware, method)
            cors_send._shadowed = (shadow, path, method)
            return app(scope, receive, cors_send)
        answer = handle_request(
            self, method, request_headers, send, middleware, False, kind, options, (shadow, path, method)
        )
    elif not options and not self._cors_on_errors:
        # The usual request, as `handle` answers it, without its call.
        return app(scope, receive, CorsSend(self, send, request_headers, middleware, method))
    else:
        answer = handle_request(self, method, request_headers, send, middleware, False, kind, options)
    if isinstance(answer, tuple):
        if answer[0] is None:
            return answer[1]  # a preflight waiting for allow_origin_func
        # A `str` type sends as it is (see `denial_send`), asked here as the compiled core asks
        # it: a call would cost every preflight more than the check.
        return send_preflight(
            send if kind.__class__ is str else denial_send(kind, send), answer[0], answer[1]
        )
    if self._cors_on_errors:
        return serve_with_cors_on_errors(self, middleware, app, scope, receive, answer, send)
    return app(scope, receive, answer)


def request_origin_allowed(self: PolicyState, request_headers: Iterable[Any], middleware: Any = None) -> bool:
    """Whether the request has an ``Origin`` that responses may be shared with."""
    origin = first_origin(list(request_headers))
    if origin is None:
        return False
    return self._allow_all_origins or judge_origin(self, origin, middleware)


def origin_func_verdict(self: PolicyState, request_headers: Iterable[Any]) -> bool | Awaitable[bool]:
    """``allow_origin_func``'s verdict on the request's ``Origin``: ``True``, ``False`` or an
    awaitable of one; ``False`` without an ``Origin`` or a function."""
    origin = first_origin(list(request_headers))
    if origin is None:
        return False
    return ask_origin_func(self, origin)


def websocket_refused_origin(
    self: PolicyState, request_headers: Iterable[Any], middleware: Any
) -> bytes | None:
    # Browsers always send Origin with a websocket handshake; other clients carry no user's
    # cookies to hijack, so a handshake without one passes.
    origin = first_origin(list(request_headers))
    if origin is None or self._allow_all_origins or judge_origin(self, origin, middleware):
        return None
    return origin


def handle(
    self: PolicyState, scope: Scope, send: Send, middleware: Any = None, *, quiet: bool = False
) -> tuple[Message, Message] | tuple[None, Awaitable[None]] | Send:
    """Answers a preflight with its two messages, or returns the ``send`` for the app. ``quiet``:
    a hypothetical request (``explain``), whose refusal is not reported. A preflight waiting for
    an async ``allow_origin_func`` gets ``(None, awaitable that answers it)``."""
    method = scope["method"]
    request_headers = scope["headers"]
    if request_headers.__class__ is not list:
        # Starlette's `Headers(scope=scope)` leaves a list in the scope.
        request_headers = scope["headers"] = list(request_headers)
    return handle_request(self, method, request_headers, send, middleware, quiet)


def handle_request(
    self: PolicyState,
    method: Any,
    request_headers: list[Any],
    send: Send,
    middleware: Any,
    quiet: bool,
    scope_type: Any = "http",
    options: bool | None = None,
    shadowed: Shadowed | None = None,
) -> tuple[Message, Message] | tuple[None, Awaitable[None]] | CorsSend:
    """``options``: whether the request is an ``OPTIONS`` one, if the caller asked already;
    ``shadowed``: the inline shadow that compares it."""
    if is_options(method, request_headers) if options is None else options:
        first = preflight_headers_of(self, request_headers)
        answer = preflight(self, first, middleware, not quiet)
        if answer is not None:
            if answer[0] is None:
                if shadowed is not None:
                    not_compared()
                denial = denial_send(scope_type, send)
                pending = continue_preflight(answer[1], self, request_headers, denial)
                return (None, pending)
            if shadowed is not None:
                # Once the response is built: a request the live policy fails is not compared.
                live = preflight_answer(answer[0])
                compare_decided(shadowed, middleware, request_headers, live, first, first[ORIGIN])
            return answer
    if shadowed is not None:
        cors_send = ShadowedCorsSend(self, send, request_headers, middleware, method)
        cors_send._shadowed = shadowed
        return cors_send
    return CorsSend(self, send, request_headers, middleware, None if quiet else method)

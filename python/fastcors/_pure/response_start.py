"""Starlette's edits of the app's ``http.response.start`` (the twin of
``rust/bindings/response_start.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from fastcors._pure.asgi_headers import exact_bytes, first_origin, raise_for_malformed, refuse_if_among
from fastcors._pure.headers import ALLOW_ORIGIN, EDITED_NAMES, VARY_ORIGIN
from fastcors._pure.origin import ask_origin_func, judge_origin
from fastcors._pure.reporting import listening, report_refusal
from fastcors._pure.response_headers import apply_edits
from fastcors._pure.shadow import compare_decided, simple_answer
from fastcors._pure.state import PolicyState
from fastcors._types import Message

if TYPE_CHECKING:
    from fastcors._pure.cors_send import ShadowedCorsSend


def finish_response_start(
    self: PolicyState,
    message: Message,
    request_headers: list[Any],
    origin_allowed: bool,
    reported_method: Any = None,
) -> None:
    """Edits a response start whose origin ``allow_origin_func`` has judged; a refusal is
    reported with ``reported_method``, the request's method, when given."""
    edit_response_start(self, message, request_headers, None, reported_method, origin_allowed)


def edit_response_start(
    self: PolicyState,
    message: Message,
    request_headers: list[Any],
    middleware: Any,
    reported_method: Any = None,
    origin_allowed: bool | None = None,
    shadowed_by: ShadowedCorsSend | None = None,
) -> Awaitable[bool] | None:
    """Starlette's edits of the app's ``http.response.start``, in place in ``message``; or, when
    the origin waits for an async ``allow_origin_func``, its verdict to await (``origin_allowed``
    is that verdict, once awaited). ``shadowed_by``: the send of a request an inline shadow compares."""
    if message.__class__ is not dict or "headers" not in message:
        # A subclass's own `setdefault` is called, as Starlette calls it.
        message.setdefault("headers", [])
    headers = list(message["headers"])
    origin = first_origin(request_headers)
    if origin is None:
        echoes = False
    elif origin_allowed is not None:
        echoes = origin_allowed
    elif self._allow_all_origins:
        # Credentials forbid `*`, so the origin is echoed instead.
        echoes = self._allow_credentials
    else:
        if self._only_listed_origins is not None:
            echoes = origin in self._only_listed_origins
        else:
            remembered = None
            if self._origin_verdicts is not None and origin.__class__ is bytes:
                remembered = self._origin_verdicts.get(origin)
            echoes = judge_origin(self, origin, middleware) if remembered is None else remembered
        if not echoes and self._origin_func is not None:
            verdict = ask_origin_func(self, origin)
            if verdict.__class__ is not bool:
                return verdict  # type: ignore[return-value]  # an awaitable of the verdict
            echoes = verdict
    if reported_method is not None:
        # Counted with the request it reports on: not for `explain`'s hypothetical requests.
        counters = self._counters
        if origin is None:
            next(counters.no_origin)
        elif echoes or self._allow_all_origins:
            next(counters.simple_allowed)
        else:
            next(counters.simple_refused)
    if (
        reported_method is not None
        and origin is not None
        and not echoes
        and not self._allow_all_origins
        and listening(self)
    ):
        report_refusal(self, "request", origin, reported_method, None, 1, None)
    edits_existing = False
    try:
        # Every item is read: a name that is not bytes but equals an edited one (a
        # `memoryview`, say) is refused wherever it stands, as Starlette would edit it.
        for name, _ in headers:
            if isinstance(name, bytes):
                if not edits_existing and name in EDITED_NAMES:
                    edits_existing = True
            elif name.__class__ is not str:
                refuse_if_among(name, EDITED_NAMES)
    except (TypeError, ValueError):
        raise_for_malformed(headers)
        raise
    if not edits_existing:
        # Nothing of the app's to merge or replace: the edits only append.
        if origin is None:
            headers.append(VARY_ORIGIN)
        elif echoes:
            before, after = self._appended_when_echoed
            headers += before
            headers.append((ALLOW_ORIGIN, exact_bytes(origin)))
            headers += after
        else:
            headers += self._appended_when_not_echoed
    elif origin is None:
        apply_edits(headers, ())
    elif echoes:
        apply_edits(headers, (*self._simple_headers, (ALLOW_ORIGIN, exact_bytes(origin))))
    else:
        apply_edits(headers, self._simple_headers)
    message["headers"] = headers
    if shadowed_by is not None and origin is not None and shadowed_by._shadowed is not None:
        # Once the response start is edited: a request the live policy fails is not compared.
        shadowed, shadowed_by._shadowed = shadowed_by._shadowed, None
        compare_decided(
            shadowed, middleware, request_headers, simple_answer(self, origin, echoes), None, origin
        )
    return None

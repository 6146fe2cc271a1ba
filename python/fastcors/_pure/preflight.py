"""Answering a preflight: origin, method, headers and private network, each checked as Starlette does
(the twin of ``rust/preflight.rs`` and ``rust/bindings/preflight.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fastcors._pure.asgi_headers import checked_value, exact_bytes, raise_for_malformed, refuse_if_among
from fastcors._pure.headers import (
    ALLOW_HEADERS,
    ALLOW_ORIGIN,
    ORIGIN,
    PLAIN_TEXT,
    PREFLIGHT_NAMES,
    PREFLIGHT_NAMES_IN_ORDER,
    PRIVATE_NETWORK_GRANTED,
    REQUEST_HEADERS,
    REQUEST_METHOD,
    REQUEST_PRIVATE_NETWORK,
)
from fastcors._pure.origin import ask_origin_func, judge_origin
from fastcors._pure.reporting import listening, report_refusal
from fastcors._pure.request_headers import headers_allowed, refused_request_header
from fastcors._pure.state import PolicyState
from fastcors._types import Message


def finish_preflight(
    self: PolicyState, request_headers: list[Any], origin_allowed: bool
) -> tuple[Message, Message]:
    """The messages of a preflight whose origin ``allow_origin_func`` has judged."""
    first = preflight_headers_of(self, request_headers)
    if first.get(ORIGIN) is None or first.get(REQUEST_METHOD) is None:
        raise ValueError("not a preflight request")
    return preflight_messages(self, first, origin_allowed, True)


def preflight(
    self: PolicyState, first: dict[bytes, Any], middleware: Any, report: bool
) -> tuple[Message, Message] | tuple[None, Awaitable[bool]] | None:
    """The answer to a preflight whose CORS request headers are ``first``
    (``preflight_headers_of``); ``None`` when the request is none (no ``Origin`` or no requested
    method)."""
    origin = first.get(ORIGIN)
    if origin is None or first.get(REQUEST_METHOD) is None:
        return None
    if self._only_listed_origins is not None:
        origin_allowed = origin in self._only_listed_origins
    else:
        origin_allowed = judge_origin(self, origin, middleware)
    if not origin_allowed and self._origin_func is not None:
        verdict = ask_origin_func(self, origin)
        if verdict.__class__ is not bool:
            return (None, verdict)  # type: ignore[return-value]  # an awaitable of the verdict
        origin_allowed = verdict
    return preflight_messages(self, first, origin_allowed, report)


def preflight_headers_of(self: PolicyState, request_headers: list[Any]) -> dict[bytes, Any]:
    # The first value of each CORS request header, as Starlette's `Headers.get` finds it.
    first: dict[bytes, Any] = {}
    try:
        for name, value in request_headers:
            if name.__class__ is bytes or isinstance(name, bytes):
                if name in PREFLIGHT_NAMES and name not in first:
                    first[name] = value
            elif name.__class__ is not str:
                refuse_if_among(name, PREFLIGHT_NAMES_IN_ORDER)
    except (TypeError, ValueError):
        raise_for_malformed(request_headers)
        raise
    for value in first.values():
        if value.__class__ is not bytes:
            for name in PREFLIGHT_NAMES_IN_ORDER:  # values are checked in the Rust core's order
                if name in first:
                    checked_value(first[name])
            break
    return first


def preflight_messages(
    self: PolicyState, first: dict[bytes, Any], origin_allowed: bool, report: bool
) -> tuple[Message, Message]:
    origin = first[ORIGIN]
    method = first[REQUEST_METHOD]
    requested_headers = first.get(REQUEST_HEADERS)
    private_network = REQUEST_PRIVATE_NETWORK in first

    failures = 0
    if not origin_allowed:
        failures |= 1
    if not method_allowed(self, method):
        failures |= 2
    if (
        requested_headers is not None
        and not self._allow_all_headers
        and not headers_allowed(self, requested_headers)
    ):
        failures |= 4
    if private_network and not self._allow_private_network:
        failures |= 8

    if report:
        next(self._counters.preflight_by_failures[failures])
    if failures and report and listening(self):
        refused_header = None
        if failures & 4 and requested_headers is not None:
            refused_header = refused_request_header(self, requested_headers)
        report_refusal(self, "preflight", origin, method, requested_headers, failures, refused_header)

    headers = list(self._preflight_headers)
    if origin_allowed and self._echo_preflight_origin:
        headers.append((ALLOW_ORIGIN, exact_bytes(origin)))
    if self._allow_all_headers and requested_headers is not None:
        headers.append((ALLOW_HEADERS, exact_bytes(requested_headers)))
    if private_network and self._allow_private_network:
        headers.append(PRIVATE_NETWORK_GRANTED)
    body, content_length = self._preflight_bodies[failures]
    headers.append(content_length)
    headers.append(PLAIN_TEXT)
    return (
        {"type": "http.response.start", "status": 400 if failures else 200, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


def method_allowed(self: PolicyState, method: bytes) -> bool:
    if self._methods_collection is not None:
        return method.decode("latin-1") in self._methods_collection
    if self._methods_are_substrings:
        return any(method in run for run in self._methods)
    return method in self._methods

"""``CORSMiddleware.explain``: the verdict on a hypothetical request, without serving one.

The request is the one a browser would send (``fastcors._fetch`` says whether it preflights); the
answer is the core's own, for a request made up of it, so that ``explain`` and the middleware
never disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastcors._constants import FAILURE_HEADERS, PREFLIGHT_BODIES
from fastcors._fetch import NORMALIZED_METHODS, SAFELISTED_METHODS, unsafe_header_names
from fastcors._reporting import reasons_for
from fastcors._types import Message, Scope

if TYPE_CHECKING:
    from fastcors._config import CorsConfig
    from fastcors._core import CorePolicy

#: A value of each CORS-safelisted request header that keeps it safelisted: ``explain`` takes
#: header names alone, each "with a safelisted value" (any other header makes a preflight).
_SAFELISTED_VALUES = {
    "accept": "*/*",
    "accept-language": "en",
    "content-language": "en",
    "content-type": "text/plain",
}
_CONTENT_HEADERS = frozenset({"content-length", "content-type"})
_CANNOT_WAIT = (
    "explain() cannot wait for the awaitable allow_origin_func returned: serve a request through "
    "the middleware to see its verdict, or make the function return True or False"
)


@dataclass(frozen=True)
class Explanation:
    """The verdict on a hypothetical request: ``CORSMiddleware.explain``'s answer."""

    allowed: bool
    #: Whether the browser would send (and the middleware answer) a preflight first.
    preflight: bool
    reasons: tuple[str, ...]
    #: The CORS headers the response would carry (the preflight's, for a preflight).
    headers: tuple[tuple[str, str], ...]
    #: The preflight's status (200 or 400); ``None`` for a request the app answers.
    status: int | None
    #: The prefix of the route whose options decided (``routes``); ``None`` for the top level.
    route: str | None = None

    def __repr__(self) -> str:
        what = "preflight" if self.preflight else "request"
        if self.allowed:
            return f"<Explanation: {what} allowed>"
        return f"<Explanation: {what} refused: {'; '.join(self.reasons)}>"


def explain(
    policy: CorePolicy,
    config: CorsConfig,
    middleware: object,
    origin: str,
    method: str,
    request_headers: Collection[str],
    preflight: bool | None,
) -> Explanation:
    """See ``CORSMiddleware.explain``: ``policy`` and ``config`` are ``middleware``'s."""
    from fastcors._origin_func import verdicts_now

    func = config.origin_func
    if func is not None and func.is_async:
        raise TypeError(
            "explain() cannot wait for an async allow_origin_func: await a request through the "
            "middleware instead"
        )
    # The same refusal, in both forms, for a sync function that returns an awaitable.
    with verdicts_now(_CANNOT_WAIT):
        return _explained(policy, config, middleware, origin, method, request_headers, preflight)


def _explained(
    policy: CorePolicy,
    config: CorsConfig,
    middleware: object,
    origin: str,
    method: str,
    request_headers: Collection[str],
    preflight: bool | None,
) -> Explanation:
    method, names, preflight = _browser_request(origin, method, request_headers, preflight)
    raw_origin = origin.encode("latin-1")
    raw_method = method.encode("latin-1")
    headers = [(b"origin", raw_origin)]
    if not preflight:
        headers += [(name.encode("latin-1"), b"") for name in names]
        send = policy.handle(_scope(method, headers), _discard, middleware, quiet=True)
        assert callable(send)
        start: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": []}
        _run_to_completion(send(start))
        cors_headers = _decoded(start["headers"])
        allowed = any(name == "access-control-allow-origin" for name, _ in cors_headers)
        reasons: tuple[str, ...] = () if allowed else (f"origin {origin!r} is not allowed",)
        return Explanation(allowed, False, reasons, cors_headers, None)
    headers.append((b"access-control-request-method", raw_method))
    if names:
        headers.append((b"access-control-request-headers", ",".join(sorted(set(names))).encode("latin-1")))
    answer = policy.handle(_scope("OPTIONS", headers), _discard, middleware, quiet=True)
    assert isinstance(answer, tuple)
    response_start, body = answer
    # `verdicts_now` leaves nothing to wait for.
    assert response_start is not None
    assert isinstance(body, dict)
    # The failed checks, by the body the core chose for them from the shared table.
    failures = PREFLIGHT_BODIES.index(body["body"])
    refused = None
    if failures & FAILURE_HEADERS and not config.allow_all_headers:
        allowed_names = frozenset(config.allowed_headers)
        refused = next((n for n in sorted(set(names)) if n.encode("latin-1") not in allowed_names), "")
    reasons = reasons_for(failures, origin, method, refused)  # the core's verdict, in words
    cors_headers = tuple(
        (name, value) for name, value in _decoded(response_start["headers"]) if name not in _CONTENT_HEADERS
    )
    return Explanation(response_start["status"] == 200, True, reasons, cors_headers, response_start["status"])


def explain_cors_off(
    prefix: str, origin: str, method: str, request_headers: Collection[str], preflight: bool | None
) -> Explanation:
    """The verdict on a request under a route whose options are ``None``: the app answers it
    alone, preflight included, with no CORS headers, so a browser shares nothing with ``origin``."""
    _, _, preflight = _browser_request(origin, method, request_headers, preflight)
    reason = f"CORS is off under {prefix!r} (its route is None): the app answers with no CORS headers"
    return Explanation(False, preflight, (reason,), (), None, prefix)


def _browser_request(
    origin: str, method: str, request_headers: Collection[str], preflight: bool | None
) -> tuple[str, list[str], bool]:
    """The request a browser sends: its method, its header names, and whether it preflights."""
    if isinstance(request_headers, str):
        raise TypeError(
            "explain(): request_headers must be a list of header names, not the str "
            f"{request_headers!r}; write [{request_headers!r}]"
        )
    if method.upper() in NORMALIZED_METHODS:
        method = method.upper()  # as browsers normalise what the page wrote
    names = [_latin1("request_headers", name).strip().lower() for name in request_headers]
    _latin1("origin", origin)
    _latin1("method", method)
    if preflight is None:
        sent = [(name, _SAFELISTED_VALUES.get(name, "")) for name in names]
        preflight = method not in SAFELISTED_METHODS or bool(unsafe_header_names(sent))
    return method, names, preflight


def _scope(method: str, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": method, "path": "/", "headers": headers}


async def _discard(message: Message) -> None:
    return None


def _run_to_completion(awaitable: Awaitable[Any]) -> None:
    """Runs ``_discard``'s awaitable, which never suspends."""
    iterator = awaitable.__await__()
    try:
        iterator.send(None)
    except StopIteration:
        return


def _decoded(headers: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)


def _latin1(argument: str, value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"explain(): {argument} must be a str, not {value!r}")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"explain(): {argument} {value!r} cannot be sent in an HTTP header (not latin-1)"
        ) from None
    return value

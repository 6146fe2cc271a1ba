"""Why a request was refused, told to whoever listens: a ``DEBUG`` record on the ``fastcors``
logger, and the ``on_reject`` callback.

The core works out which checks failed (the bits of Starlette's preflight body, and the first
refused request header) and calls ``Reporter.report`` only when it refuses something; the report
formats nothing unless the logger wants ``DEBUG`` records or there is a callback.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RejectEvent",
    "Reporter",
    "logger",
    "reasons_for",
]

from fastcors._constants import FAILURE_HEADERS, FAILURE_METHOD, FAILURE_ORIGIN, FAILURE_PRIVATE_NETWORK

logger = logging.getLogger("fastcors")


@dataclass(frozen=True)
class RejectEvent:
    """One refusal, as ``on_reject`` receives it."""

    #: ``"preflight"``, ``"request"`` (a simple request whose origin is not allowed: the app runs,
    #: but the browser will not let the page read the response) or ``"websocket"``.
    kind: str
    origin: str
    method: str
    #: The names of ``Access-Control-Request-Headers``, as sent (a preflight's only).
    request_headers: tuple[str, ...]
    #: Why, in plain words: one reason per failed check.
    reasons: tuple[str, ...]
    #: The prefix of the route whose options refused it (``routes``); ``None`` for the top level.
    route: str | None = None


def reasons_for(failures: int, origin: str, method: str, refused_header: str | None) -> tuple[str, ...]:
    """The plain-words reasons for a combination of failed checks."""
    reasons = []
    if failures & FAILURE_ORIGIN:
        reasons.append(f"origin {origin!r} is not allowed")
    if failures & FAILURE_METHOD:
        reasons.append(f"method {method!r} is not allowed")
    if failures & FAILURE_HEADERS:
        reasons.append(f"request header {refused_header or ''!r} is not allowed")
    if failures & FAILURE_PRIVATE_NETWORK:
        reasons.append("private network access is not allowed")
    return tuple(reasons)


def _text(value: object) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


class Reporter:
    """What the core calls when it refuses a request."""

    __slots__ = ("on_reject", "route")

    def __init__(self, on_reject: Callable[[RejectEvent], object] | None, route: str | None = None) -> None:
        self.on_reject = on_reject
        #: The prefix of the route these options serve (``routes``), named in every report.
        self.route = route

    def report(
        self,
        kind: str,
        origin: bytes,
        method: Any,
        requested_headers: bytes | None,
        failures: int,
        refused_header: bytes | None,
    ) -> None:
        """Logs the refusal at ``DEBUG`` and tells ``on_reject``; does nothing when neither listens."""
        logging_wanted = logger.isEnabledFor(logging.DEBUG)
        if not logging_wanted and self.on_reject is None:
            return
        origin_text = _text(origin)
        method_text = _text(method)
        reasons = reasons_for(
            failures, origin_text, method_text, None if refused_header is None else _text(refused_header)
        )
        if logging_wanted and self.route is None:
            logger.debug(
                "refused %s %s from origin %r: %s", kind, method_text, origin_text, "; ".join(reasons)
            )
        elif logging_wanted:
            logger.debug(
                "refused %s %s from origin %r under route %r: %s",
                kind,
                method_text,
                origin_text,
                self.route,
                "; ".join(reasons),
            )
        if self.on_reject is not None:
            names: tuple[str, ...] = ()
            if requested_headers is not None:
                names = tuple(name.strip() for name in _text(requested_headers).split(","))
            result = self.on_reject(RejectEvent(kind, origin_text, method_text, names, reasons, self.route))
            if result is not None and inspect.isawaitable(result):
                close = getattr(result, "close", None)
                if callable(close):
                    close()
                raise TypeError(
                    f"on_reject returned an awaitable ({result!r}), which fastcors never awaits: make "
                    "on_reject a plain function that returns nothing, and have it schedule any async "
                    "work itself (asyncio.get_running_loop().create_task(...))"
                )

"""The ``send`` handed to the app (the twin of ``rust/bindings/cors_send.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from fastcors._coroutine_marks import SendShape
from fastcors._origin_func import continue_response_start
from fastcors._pure.response_start import edit_response_start
from fastcors._shadow import not_compared
from fastcors._types import Message, Send

if TYPE_CHECKING:
    from fastcors._pure.shadow import Shadowed
    from fastcors._pure.state import PolicyState


class CorsSend(SendShape):
    """The ``send`` handed to the app: edits ``http.response.start``, reading the request's
    headers then, as Starlette does, and forwards every message. It passes as a coroutine function,
    as Starlette's (a partial of an ``async def``) does."""

    __slots__ = ("_middleware", "_policy", "_reported_method", "_request_headers", "_send")

    def __init__(
        self,
        policy: PolicyState,
        send: Send,
        request_headers: list[Any],
        middleware: Any,
        reported_method: Any = None,
    ) -> None:
        self._policy = policy
        self._send = send
        self._request_headers = request_headers
        self._middleware = middleware
        #: The request's method, to report a refused origin with (``None``: nothing is reported).
        self._reported_method = reported_method

    def __call__(self, message: Message) -> Awaitable[None]:
        # `!=`, as Starlette asks: a `str` subclass may answer it otherwise than `==`.
        if message["type"] != "http.response.start":
            return self._send(message)
        verdict = edit_response_start(
            self._policy, message, self._request_headers, self._middleware, self._reported_method
        )
        if verdict is not None:
            return self._continued(verdict, message)
        return self._send(message)

    def finish_allowed_start(self, message: Message, request_headers: list[Any]) -> None:
        """Edits ``message``, a response start whose origin ``allow_origin_func`` allowed where it
        was asked (the 500 ``fastcors._errors`` sends for a failed app, through the server's
        ``send``), as this ``send`` would have."""
        edit_response_start(
            self._policy, message, request_headers, self._middleware, self._reported_method, True
        )

    def _continued(self, verdict: Awaitable[bool], message: Message) -> Awaitable[None]:
        """The response start, once the verdict of ``allow_origin_func`` is awaited."""
        return continue_response_start(
            verdict, self._policy, message, self._request_headers, self._send, self._reported_method
        )


class ShadowedCorsSend(CorsSend):
    """The ``send`` of a request an inline shadow compares: the live policy's answer is compared
    when the response starts, where it is decided. Built as a ``CorsSend``, then given
    ``_shadowed``."""

    __slots__ = ("_shadowed",)

    #: The request as its shadow compares it; ``None`` once compared (or given up): one
    #: comparison a request, however many response starts its app sends, made on the first one
    #: edited with an ``Origin``, as the compiled core makes it.
    _shadowed: Shadowed | None

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] != "http.response.start":
            return self._send(message)
        verdict = edit_response_start(
            self._policy,
            message,
            self._request_headers,
            self._middleware,
            self._reported_method,
            None,
            self,
        )
        if verdict is not None:
            if self._shadowed is not None:
                self._shadowed = None  # one comparison a request: this one is given up
                not_compared()
            return self._continued(verdict, message)
        return self._send(message)

    def finish_allowed_start(self, message: Message, request_headers: list[Any]) -> None:
        """As ``CorsSend``'s, and compared as the response start it stands for."""
        edit_response_start(
            self._policy,
            message,
            request_headers,
            self._middleware,
            self._reported_method,
            True,
            self,
        )

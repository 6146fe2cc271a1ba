"""``cors_on_errors=True``: a plain 500 that carries the CORS headers when the app fails before it
starts its response, so that the browser shows the real error instead of a misleading CORS failure.

The exception is re-raised afterwards, so the server and ``ServerErrorMiddleware`` still log it
(they see that a response has started and send no second one).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from fastcors._types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from fastcors._core import CoreSend

INTERNAL_SERVER_ERROR = b"Internal Server Error"
#: Starlette's ``PlainTextResponse("Internal Server Error", status_code=500)``, header for header.
ERROR_START_HEADERS = (
    (b"content-length", str(len(INTERNAL_SERVER_ERROR)).encode()),
    (b"content-type", b"text/plain; charset=utf-8"),
)


async def serve_with_cors_on_errors(
    policy: Any,
    middleware: Any,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: CoreSend,
    server_send: Send,
) -> None:
    """Runs ``app`` with the core's ``send``; answers its failure before ``http.response.start``
    with a 500 that carries the CORS headers, when the origin is allowed (by the static rules or by
    ``allow_origin_func``). ``server_send`` is the server's own, under the core's."""
    started = False

    async def send_tracking_start(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, receive, send_tracking_start)
    except Exception:
        if not started:
            await _send_error_response(policy, middleware, scope, send, server_send)
        raise


async def _send_error_response(
    policy: Any, middleware: Any, scope: Scope, send: CoreSend, server_send: Send
) -> None:
    """The 500, when the browser may read it; nothing otherwise."""
    request_headers = scope["headers"]
    if request_headers.__class__ is not list:
        # The app left another iterable (a tuple, say) in the scope: read once, as the cores read
        # request headers.
        request_headers = list(request_headers)
    start: Message = {"type": "http.response.start", "status": 500, "headers": list(ERROR_START_HEADERS)}
    if policy.request_origin_allowed(request_headers, middleware):
        forward: Send = send  # the core's send adds the CORS headers
    else:
        verdict = policy.origin_func_verdict(request_headers)
        if not isinstance(verdict, bool):
            verdict = await verdict
        if not verdict:
            return
        # The function was asked once, here: the edits of an allowed origin, made (counted, and
        # compared under a shadow) as the core's send would make them, then sent as they are.
        send.finish_allowed_start(start, request_headers)
        forward = server_send
    # The client may be gone: the app's exception is the one to report, whatever happens here.
    with contextlib.suppress(Exception):
        await forward(start)
        await forward({"type": "http.response.body", "body": INTERNAL_SERVER_ERROR})

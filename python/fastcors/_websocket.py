"""``check_websocket_origin=True``: refusing a websocket handshake from an origin the policy does
not allow, before the app runs.

CORS does not cover websockets: a browser opens a websocket to any server, with the user's cookies,
from any page, and only tells the server the page's ``Origin``. Checking it blocks cross-site
websocket hijacking.
"""

from __future__ import annotations

from fastcors._types import Receive, Scope, Send

REFUSED_BODY = b"Disallowed websocket origin"
#: RFC 6455's "policy violation": the close code when the server cannot send a 403.
POLICY_VIOLATION = 1008


async def refuse_websocket(scope: Scope, receive: Receive, send: Send) -> None:
    """Refuses the handshake: a 403 where the server offers ``websocket.http.response``, otherwise
    ``websocket.close`` with code 1008 (which servers send as a 403 before the handshake)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return  # the client has gone already
    extensions = scope.get("extensions") or {}
    if "websocket.http.response" in extensions:
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 403,
                "headers": [
                    (b"content-length", str(len(REFUSED_BODY)).encode()),
                    (b"content-type", b"text/plain; charset=utf-8"),
                ],
            }
        )
        await send({"type": "websocket.http.response.body", "body": REFUSED_BODY})
        return
    await send({"type": "websocket.close", "code": POLICY_VIOLATION})

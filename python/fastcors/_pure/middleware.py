"""The base class of ``CORSMiddleware`` on the pure core (the twin of ``rust/bindings/middleware.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from fastcors._types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from fastcors._pure.policy import Policy


class Middleware:
    """The base class of ``CORSMiddleware``: ``self._policy`` serves each request for ``self.app``."""

    app: ASGIApp
    _policy: Policy

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self._policy.dispatch(self.app, scope, receive, send, self)

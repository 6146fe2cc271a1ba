"""The base class of ``CORSMiddleware`` on the pure core (the twin of ``rust/bindings/middleware.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastcors._pure.policy import Policy
from fastcors._types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from typing_extensions import Self


class Middleware:
    """The base class of ``CORSMiddleware``: ``self._policy`` serves each request for ``self.app``.
    It adds nothing to an instance's layout (as the compiled core's does not), so that subclasses
    combine with other bases, ``__slots__`` mixins included."""

    __slots__ = ()
    #: The policy class of this core: ``CORSMiddleware`` builds its policies with it.
    _policy_type = Policy

    app: ASGIApp
    _policy: Policy
    # Provided by `CORSMiddleware`, the one subclass of this base.
    is_allowed_origin: Callable[..., bool]
    _class_changed: Callable[[], None]

    def __new__(cls, *args: object, **kwargs: object) -> Self:
        """The subclass's ``__init__`` takes the arguments."""
        return object.__new__(cls)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        policy = self._policy
        watch = policy._class_watch
        if watch is not None:
            # Whether the class changed since the policy was built (see `ClassWatch`): a plain
            # loop, as a generator or `tuple(map(len, ...))` costs several times as much per request.
            changed = type(self).__mro__ is not watch.method_order
            for attributes, size in watch.dicts:
                changed = changed or len(attributes) != size
            if changed:
                self._class_changed()
                policy = self._policy
        routes = policy._routes
        if routes is not None:
            position = routes.find(scope)
            if position >= 0:
                policy = routes.policies[position]
                if policy is None:  # CORS is off under this prefix
                    return self.app(scope, receive, send)
        return policy.dispatch(self.app, scope, receive, send, self)

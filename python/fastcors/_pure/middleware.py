"""The base class of ``CORSMiddleware`` on the pure core (the twin of ``rust/bindings/middleware.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastcors._pure.policy import Policy
from fastcors._pure.routes import CORS_OFF, path_of
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
        node = policy._route_tree
        if node is not None:
            # `Routes.find`, walked here: a call would cost more than the walk.
            path = scope.get("path", "") if scope.__class__ is dict else path_of(scope)
            if path.__class__ is str:
                for segment in path.split("/", policy._route_splits):
                    if segment not in node:
                        break
                    node = node[segment]
            route = node[None]
            if route is CORS_OFF:
                return self.app(scope, receive, send)
            if route is not None:
                policy = route
        return policy.dispatch(self.app, scope, receive, send, self)

"""The base class of ``CORSMiddleware`` on the pure core (the twin of ``rust/bindings/middleware.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastcors._pure.counters import Counters
from fastcors._pure.policy import Policy
from fastcors._pure.routes import CorsOff
from fastcors._pure.shadow import compared
from fastcors._shadow import Shadow, served_then_compared
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
    #: The counters class of this core: a route where CORS is off counts its requests in one.
    _counters_type = Counters

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
        if policy._route_tree is not None:
            # Routes or a shadow (whose tree without routes ends on the top level at once).
            node = policy._route_tree
            shadow = policy._shadow
            if policy._route_splits:  # routes, not a shadow alone
                # `Routes.find`, walked here: a call would cost more than the walk.
                try:
                    path = scope["path"]
                except KeyError:
                    path = ""  # a scope without a path (lifespan) is matched as the empty path
                if path.__class__ is str:
                    for segment in path.split("/", policy._route_splits):
                        if segment not in node:
                            break
                        node = node[segment]
            route = node[None]
            if route is not None:
                if route.__class__ is CorsOff:
                    count_cors_off(route, scope)
                    if shadow is not None:
                        return with_shadow(self, scope, receive, send, None, shadow)
                    return self.app(scope, receive, send)
                policy = route
            if shadow is not None:
                if not shadow.inline:
                    return with_shadow(self, scope, receive, send, policy, shadow)
                # An inline shadow is compared where `policy` decides (see `with_shadow`).
                return policy.dispatch(self.app, scope, receive, send, self, shadow)
        return policy.dispatch(self.app, scope, receive, send, self)


def count_cors_off(route: CorsOff, scope: Scope) -> None:
    """Counts an HTTP request under a route where CORS is off, where its app alone answers: a
    scope whose ``type`` cannot be read or compared is not counted, and does not fail the request
    (an interrupt still does)."""
    try:
        http = not scope["type"] != "http"  # noqa: SIM202 - asked as `dispatch` asks it
    except Exception:
        return
    if http:
        next(route.requests)


def with_shadow(
    middleware: Middleware, scope: Scope, receive: Receive, send: Send, live: Policy | None, shadow: Shadow
) -> Awaitable[None]:
    """The request served by ``live`` (``None``: CORS is off) under a shadow that is not inline
    (an async ``allow_origin_func`` may have to be awaited), or where CORS is off: an HTTP
    request with an ``Origin`` is compared first, then served as without a shadow. An inline
    shadow is compared where the live policy decides (``dispatch``): a request without an
    ``Origin`` is not compared."""
    comparison = compared(middleware, scope, live, shadow)
    try:
        if live is None:
            served = middleware.app(scope, receive, send)
        else:
            served = live.dispatch(middleware.app, scope, receive, send, middleware)
    except BaseException:
        if comparison is not None:
            comparison.close()  # never to be awaited: the verdicts it waits for with it
        raise
    return served if comparison is None else served_then_compared(served, comparison)

"""The base class of ``CORSMiddleware`` on the pure core (the twin of ``rust/bindings/middleware.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastcors._pure.policy import Policy
from fastcors._types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from typing_extensions import Self

    from fastcors._guards import ClassWatch


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
        if class_changed(type(self), policy._class_watch):
            self._class_changed()
            policy = self._policy
        return policy.dispatch(self.app, scope, receive, send, self)


def class_changed(cls: type[Middleware], watch: ClassWatch | None) -> bool:
    """Whether ``cls`` changed since ``watch`` was taken (see ``ClassWatch``)."""
    if watch is None:
        return False
    if cls.__mro__ is not watch.method_order:
        return True
    return any(len(attributes) != size for attributes, size in watch.dicts)

"""Makes the plain callables that stand in for Starlette's coroutine functions look like ones.

Starlette's ``send`` wrapper is a partial of an ``async def``, and its middleware's ``__call__`` is an
``async def``: code that decides how to call them inspects them (asgiref's ``WsgiToAsgi`` warns on
every request when ``send`` is not async; uvicorn and hypercorn tell ASGI 3 from ASGI 2 by
``app.__call__``). fastcors' stand-ins are plain callables returning an awaitable, which saves a
coroutine per call; these class attributes make ``inspect.iscoroutinefunction``,
``asyncio.iscoroutinefunction`` and Starlette's ``is_async_callable`` say what is true of them: a
call returns an awaitable.
"""

from __future__ import annotations

import asyncio.coroutines
import inspect
import weakref
from typing import TYPE_CHECKING, Any


async def _send(message: Any) -> None:
    """The shape of an ASGI ``send``."""


async def _application(scope: Any, receive: Any, send: Any) -> None:
    """The shape of an ASGI application."""


def coroutine_function_attributes(shape: Any) -> dict[str, Any]:
    """Class attributes that make instances pass as coroutine functions with ``shape``'s signature.

    ``_is_coroutine_marker`` is what ``inspect`` looks for from CPython 3.12 on, ``_is_coroutine``
    what ``asyncio`` looks for; before 3.12 ``inspect`` accepts an object that looks like a function
    (``__code__``, ``__name__``, ``__defaults__``, ...) whose code is a coroutine's.
    """
    attributes: dict[str, Any] = {
        "_is_coroutine": getattr(asyncio.coroutines, "_is_coroutine", None),
        "__code__": shape.__code__,
        "__name__": shape.__name__.lstrip("_"),
        "__defaults__": None,
        "__kwdefaults__": None,
        "__annotations__": {},
    }
    marker = getattr(inspect, "_is_coroutine_mark", None)
    if marker is not None:
        attributes["_is_coroutine_marker"] = marker
    return attributes


SEND_ATTRIBUTES = coroutine_function_attributes(_send)
APPLICATION_ATTRIBUTES = coroutine_function_attributes(_application)


if TYPE_CHECKING:

    class SendShape:
        """A base class whose instances pass as ASGI ``send`` coroutine functions."""

    class ApplicationShape:
        """A base class whose instances pass as ASGI application coroutine functions."""

else:
    # Built with `type()`: a class body cannot hold `__name__` without renaming the class.
    SendShape = type("SendShape", (), {"__slots__": (), "__module__": __name__, **SEND_ATTRIBUTES})
    ApplicationShape = type(
        "ApplicationShape", (), {"__slots__": (), "__module__": __name__, **APPLICATION_ATTRIBUTES}
    )


class ApplicationEntry(ApplicationShape):
    """An application's ``__call__`` as servers inspect it (uvicorn, hypercorn and asgiref tell
    ASGI 3 from ASGI 2 by ``app.__call__``): a coroutine function in all but cost. Requests never
    go through it: they call the application, whose class has the core's ``__call__``. It holds its
    application weakly, so that a middleware is freed by reference counting, as Starlette's is, not
    by the cyclic garbage collector."""

    __slots__ = ("_application",)

    def __init__(self, application: object) -> None:
        self._application = weakref.ref(application)

    def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        application = self._application()
        if application is None:  # pragma: no cover - whoever calls this holds the application
            raise ReferenceError("the application of this __call__ no longer exists")
        return application(scope, receive, send)  # type: ignore[operator]  # an ASGI application

"""Read-only snapshots of the options, for the attributes Starlette exposes.

fastcors reads the options once, at construction; a change made in place through an attribute
(``middleware.allow_headers.append("x-new")``) would be seen by Starlette and silently not by
fastcors, so the attributes hold snapshots that refuse to change. They are ``list``/``dict``
subclasses so that they compare, serialise and type-check as Starlette's values do.
"""

from __future__ import annotations

from typing import Any, NoReturn, SupportsIndex, TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")
_T = TypeVar("_T")


def _refuse(option: str) -> NoReturn:
    raise TypeError(
        f"CORSMiddleware.{option} is read once, at construction, and cannot be changed in place: "
        "build a new middleware with the new value, or pass a collection with its own __contains__ "
        "(asked on every request) where you need a live one"
    )


class FrozenList(list[_T]):
    """A ``list`` that refuses to change; ``option`` names it in the error."""

    __slots__ = ("_option",)
    _option: str

    def __init__(self, option: str, items: Any = ()) -> None:
        if hasattr(self, "_option"):
            _refuse(self._option)
        list.__init__(self, items)
        self._option = option

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._option, list(self)))

    def _refused(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        _refuse(self._option)

    append = extend = insert = remove = clear = sort = reverse = _refused
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refused

    def pop(self, index: SupportsIndex = -1) -> _T:
        _refuse(self._option)


class FrozenDict(dict[_K, _V]):
    """A ``dict`` that refuses to change; ``option`` names it in the error."""

    __slots__ = ("_option",)
    _option: str

    def __init__(self, option: str, items: Any = ()) -> None:
        if hasattr(self, "_option"):
            _refuse(self._option)
        dict.__init__(self, items)
        self._option = option

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._option, dict(self)))

    def _refused(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        _refuse(self._option)

    update = clear = setdefault = popitem = _refused
    __setitem__ = __delitem__ = __ior__ = _refused

    def pop(self, key: Any, default: Any = None) -> Any:
        _refuse(self._option)

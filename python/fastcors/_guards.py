"""The drop-in guards: what Starlette's ``CORSMiddleware`` lets a subclass or a user change, which
fastcors obeys or refuses loudly, never ignores.

Starlette's middleware reads its options from ``self`` and calls its own methods on every
request; fastcors reads the options once and its core does the methods' work. So a class that
overrides an option with a property, or a method the core never calls, is refused when the class is
made (``class_problems``, from ``__init_subclass__``) and when a middleware is built or
reconfigured; an option attribute cannot be assigned (``ReadAtConstruction``); a write into
``vars(middleware)`` goes through the middleware's own rules (``GuardedAttributes``). An
``is_allowed_origin`` that is not Starlette's is followed: the core asks it on every request.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, overload

if TYPE_CHECKING:
    from fastcors._config import StarletteView

_T = TypeVar("_T")

#: The attributes Starlette's middleware sets from its options and reads on every request. fastcors
#: reads the options once, at construction, so a subclass (or mixin) that makes one of them live
#: (a property revoking an origin) would silently not be obeyed: it is refused instead.
OPTION_ATTRIBUTES = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_all_origins",
    "allow_all_headers",
    "allow_credentials",
    "allow_origin_regex",
    "allow_private_network",
    "simple_headers",
    "preflight_headers",
    "preflight_explicit_allow_origin",
)
#: Methods Starlette's middleware calls on itself, which a subclass may override there; fastcors'
#: core does their work, so an override would silently do nothing.
STARLETTE_INTERNALS = ("preflight_response", "simple_response", "send", "allow_explicit_origin")
#: Every name whose lookup on a middleware fastcors settles at construction (the options and
#: Starlette's internals), follows (``is_allowed_origin``) or cannot follow (``__getattribute__``,
#: through which Starlette's middleware reads all of them on every request).
WATCHED_NAMES = frozenset((*OPTION_ATTRIBUTES, *STARLETTE_INTERNALS, "is_allowed_origin", "__getattribute__"))


def unsupported(name: str) -> str:
    """Why overriding ``name`` is refused, and what to do instead."""
    if name == "__getattribute__":
        return (
            "__getattribute__, which Starlette's CORSMiddleware goes through for is_allowed_origin and "
            "every option on every request, but fastcors does not (its core reads the options once, "
            "at construction): override is_allowed_origin, which fastcors calls as Starlette does"
        )
    if name in STARLETTE_INTERNALS:
        return (
            f"{name}, which Starlette's CORSMiddleware calls but fastcors does not (its core builds the "
            "responses): override is_allowed_origin, which fastcors calls as Starlette does, or wrap "
            "the middleware instead"
        )
    return (
        f"{name}, which Starlette's CORSMiddleware reads on every request but fastcors reads once, "
        "at construction: pass the value to the constructor; to decide origins on every request, "
        "override is_allowed_origin or pass allow_origins a collection with its own __contains__"
    )


def class_problems(cls: type, base: type) -> list[str]:
    """What ``cls`` overrides that fastcors cannot obey, wherever in its bases it comes from:
    ``base`` is ``CORSMiddleware``, which defines the options and nothing else of these."""
    refused = []
    for name in (*OPTION_ATTRIBUTES, *STARLETTE_INTERNALS):
        owner = next(klass for klass in cls.__mro__ if name in vars(klass) or klass is base)
        replaced = (
            owner is base and name in OPTION_ATTRIBUTES and type(vars(base)[name]) is not ReadAtConstruction
        )
        if owner is not base or replaced or (name in STARLETTE_INTERNALS and name in vars(base)):
            refused.append(
                f"{cls.__qualname__} overrides {unsupported(name)} (defined by {owner.__qualname__})"
            )
    # Starlette's class defines no __getattribute__, so one anywhere in the bases would be used.
    owner = next(klass for klass in cls.__mro__ if "__getattribute__" in vars(klass))
    if owner is not object:
        why = unsupported("__getattribute__")
        refused.append(f"{cls.__qualname__} overrides {why} (defined by {owner.__qualname__})")
    return refused


class ClassWatch:
    """What a policy notes of its middleware's class when it is built, so that each request can
    see, at the cost of a few reads, whether the class changed since (Starlette's middleware looks
    its attributes up on every request; a plain class tells no one when it changes): its MRO, and
    the size of the attribute dict of each class of it that can change. A name added anywhere (a
    patch, a mixin that gains a method, ``CORSMiddleware.is_allowed_origin`` assigned: Starlette's
    lives in a private base) grows one. The core then calls the middleware's
    ``_class_changed()``, which refuses what fastcors cannot obey and follows the rest. (What it
    cannot see: a name replaced where it already was, the private bases, and a name added while
    another goes in the same class between two requests.)"""

    __slots__ = ("dicts", "method_order")

    def __init__(
        self, method_order: tuple[type, ...], dicts: tuple[tuple[MappingProxyType[str, Any], int], ...]
    ) -> None:
        self.method_order = method_order
        self.dicts = dicts

    @classmethod
    def of(cls, klass: type, private: tuple[type, ...]) -> ClassWatch:
        """The watch of ``klass``, leaving out fastcors' ``private`` bases and immutable types
        (``object``), which nothing changes."""
        dicts = tuple(
            (vars(base), len(vars(base)))
            for base in klass.__mro__
            if not base.__flags__ & _IMMUTABLE_TYPE and base not in private
        )
        return cls(klass.__mro__, dicts)


#: ``Py_TPFLAGS_IMMUTABLETYPE``: a type whose attributes cannot be set.
_IMMUTABLE_TYPE = 1 << 8


def judge_beside_func(cls: type) -> TypeError:
    return TypeError(
        f"{cls.__qualname__}.is_allowed_origin is not Starlette's, and its verdict replaces every origin "
        "check, so allow_origin_func would never be asked: call your function from is_allowed_origin, "
        "or keep Starlette's is_allowed_origin"
    )


def judge_beside_routes(cls: type) -> TypeError:
    return TypeError(
        f"{cls.__qualname__}.is_allowed_origin is not Starlette's, and a route's requests would ask it "
        "while it (and its super()) sees the top-level options, not the route's: give each route the "
        "origins it allows (allow_origins, allow_origin_regex, allow_origin_patterns or "
        "allow_origin_func in its options), or keep Starlette's is_allowed_origin"
    )


#: The options ``is_allowed_origin`` reads: a shadow that changes one cannot ask an override of it.
ORIGIN_OPTIONS = frozenset({"allow_origins", "allow_origin_regex", "allow_origin_patterns"})


def judge_beside_shadow(cls: type) -> TypeError:
    return TypeError(
        f"{cls.__qualname__}.is_allowed_origin is not Starlette's, and the shadow would ask it while "
        "it (and its super()) sees the live options, not the candidate's origins: try the origins in "
        "a middleware of Starlette's is_allowed_origin, or leave allow_origins, allow_origin_regex "
        "and allow_origin_patterns out of shadow"
    )


class ReadAtConstruction(Generic[_T]):
    """One of Starlette's option attributes: readable, but the options are read at construction,
    so assigning one is an error rather than a silent no-op."""

    def __init__(self, read: Callable[[StarletteView], _T]) -> None:
        self._read = read
        self._name = ""

    def __set_name__(self, owner: type[object], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type[object]) -> ReadAtConstruction[_T]: ...
    @overload
    def __get__(self, instance: Any, owner: type[object]) -> _T: ...
    def __get__(self, instance: Any | None, owner: type[object]) -> ReadAtConstruction[_T] | _T:
        if instance is None:
            return self
        return self._read(instance._view)

    def __set__(self, instance: Any, value: object) -> NoReturn:
        raise AttributeError(
            f"CORSMiddleware.{self._name} is read once, at construction: build a new middleware to "
            "change it, or pass a collection with its own __contains__ to decide per request"
        )


class InstanceAttributes:
    """The base that gives a middleware its attribute dict (``CORSMiddleware.__dict__`` hands it
    out as an ``InstanceDict``)."""


ATTRIBUTES = InstanceAttributes.__dict__["__dict__"]


class InstanceDict(dict[str, Any]):
    """A middleware's attribute dict, once code asks for it (``vars(middleware)``): a write of a
    name fastcors settles at construction or follows goes through the middleware's own attribute
    rules, as ``setattr`` does, so that it is obeyed or refused, never silently ignored. (The
    interpreter's own attribute writes go to the dict directly.)"""

    __slots__ = ("_middleware",)
    _middleware: weakref.ref[Any]

    def _owner(self) -> Any:
        middleware = self._middleware()
        if middleware is None:  # pragma: no cover - whoever writes holds the middleware
            raise ReferenceError("the middleware of this dict no longer exists")
        return middleware

    def __setitem__(self, name: str, value: Any) -> None:
        if name in WATCHED_NAMES:
            setattr(self._owner(), name, value)
        else:
            super().__setitem__(name, value)

    def __delitem__(self, name: str) -> None:
        if name in WATCHED_NAMES and name in self:
            delattr(self._owner(), name)
        else:
            super().__delitem__(name)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def __ior__(self, other: Any) -> InstanceDict:  # type: ignore[override,misc]
        self.update(other)
        return self

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name not in self:
            self[name] = default
        return self[name]

    def pop(self, name: str, *default: Any) -> Any:
        if name in WATCHED_NAMES and name in self:
            value = self[name]
            del self[name]
            return value
        return super().pop(name, *default)

    def popitem(self) -> tuple[str, Any]:
        if not self:
            raise KeyError("popitem(): dictionary is empty")
        name = next(reversed(self))
        return name, self.pop(name)

    def clear(self) -> None:
        for name in [name for name in self if name in WATCHED_NAMES]:
            del self[name]
        super().clear()


class GuardedAttributes:
    """``CORSMiddleware.__dict__``: the instance's attribute dict, as an ``InstanceDict``. The
    dict is made one only when asked for, so that the usual middleware keeps its attributes where
    the interpreter reads them fastest."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:  # pragma: no cover - a class's own __dict__ is found first
            return self
        attributes = ATTRIBUTES.__get__(instance, owner)
        if type(attributes) is not InstanceDict:
            attributes = InstanceDict(attributes)
            attributes._middleware = weakref.ref(instance)
            ATTRIBUTES.__set__(instance, attributes)
        return attributes

    def __set__(self, instance: Any, value: Any) -> None:
        if not isinstance(value, dict):
            raise TypeError(f"__dict__ must be set to a dictionary, not a '{type(value).__name__}'")
        attributes = self.__get__(instance)
        for name in [name for name in attributes if name not in value]:
            del attributes[name]
        attributes.update(value)

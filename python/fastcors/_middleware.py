"""The ASGI middleware: Starlette's ``CORSMiddleware`` interface over a precomputed policy."""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator
from dataclasses import replace
from types import MethodType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NoReturn, Protocol, TypeVar, overload

from fastcors._checks import check_configuration, configuration_problems
from fastcors._coroutine_marks import ApplicationShape
from fastcors._implementation import Middleware
from fastcors._implementation import Policy as Policy  # the core in use: the one seam tests swap
from fastcors._types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from fastcors._config import CorsConfig, StarletteView
    from fastcors._reasons import Explanation, RejectEvent

# `_config` and `_reasons` (dataclasses, regexes, the origin rules) load with the first middleware,
# inside the functions below, not with `import fastcors`: an app pays for them once, at start-up.

_T = TypeVar("_T")

#: The attributes Starlette's middleware sets from its options and reads on every request. fastcors
#: reads the options once, at construction, so a subclass (or mixin) that makes one of them live
#: (a property revoking an origin) would silently not be obeyed: it is refused instead.
_OPTION_ATTRIBUTES = (
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
_STARLETTE_INTERNALS = ("preflight_response", "simple_response", "send", "allow_explicit_origin")
#: What an instance holds that is worked out from its arguments, rebuilt rather than copied.
_DERIVED_STATE = ("_config", "_options", "_policy", "__call__")
#: The constructor's options after ``app``: Starlette's, by position, then fastcors' own.
_STARLETTE_OPTIONS = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "allow_origin_regex",
    "allow_private_network",
    "expose_headers",
    "max_age",
)
_FEATURE_OPTIONS = ("cors_on_errors", "check_websocket_origin", "on_reject")
_OWN_OPTIONS = (
    "allow_origin_patterns",
    "allow_origin_func",
    "allow_origin_func_cache_size",
    "allow_origin_func_cache_ttl",
)
#: One reconfiguration at a time, so that concurrent ones compose rather than lose an update.
_RECONFIGURING = threading.Lock()
#: Every name whose lookup on a middleware fastcors settles at construction (the options and
#: Starlette's internals), follows (``is_allowed_origin``) or cannot follow (``__getattribute__``,
#: through which Starlette's middleware reads all of them on every request).
_WATCHED_NAMES = frozenset(
    (*_OPTION_ATTRIBUTES, *_STARLETTE_INTERNALS, "is_allowed_origin", "__getattribute__")
)


def _unsupported(name: str) -> str:
    """Why overriding ``name`` is refused, and what to do instead."""
    if name == "__getattribute__":
        return (
            "__getattribute__, which Starlette's CORSMiddleware goes through for is_allowed_origin and "
            "every option on every request, but fastcors does not (its core reads the options once, "
            "at construction): override is_allowed_origin, which fastcors calls as Starlette does"
        )
    if name in _STARLETTE_INTERNALS:
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


class _CORSMiddlewareType(type):
    """The class of ``CORSMiddleware`` and its subclasses: it watches the class attributes that
    Starlette's middleware looks up on every request, so that a patch is obeyed or refused."""

    def __setattr__(cls, name: str, value: Any) -> None:
        if name in _WATCHED_NAMES and name != "is_allowed_origin":
            raise TypeError(f"{cls.__qualname__}.{name} cannot be assigned: it is {_unsupported(name)}")
        if name == "is_allowed_origin":
            _LIVE.refuse_judges_beside_funcs(cls)
        if name == "__bases__":
            _rebase(cls, value)
            return
        if name == "__call__" and getattr(cls, "_mixins_seen", None) is not None:
            value = _watching(value)
        super().__setattr__(name, value)
        if name == "is_allowed_origin":
            _LIVE.refresh_origin_judges(cls)

    def __delattr__(cls, name: str) -> None:
        if name in _WATCHED_NAMES and name != "is_allowed_origin":
            raise TypeError(f"{cls.__qualname__}.{name} cannot be deleted: it is {_unsupported(name)}")
        super().__delattr__(name)
        if name == "is_allowed_origin":
            _LIVE.refresh_origin_judges(cls)


class _LiveMiddlewares:
    """Every middleware alive, so that patching ``is_allowed_origin`` on a class reaches the
    middlewares already built from it, as it reaches Starlette's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._members: weakref.WeakSet[CORSMiddleware] = weakref.WeakSet()

    def add(self, middleware: CORSMiddleware) -> None:
        with self._lock:
            self._members.add(middleware)

    def refuse_judges_beside_funcs(self, cls: type) -> None:
        """Refuses to patch ``is_allowed_origin`` where a middleware has ``allow_origin_func``,
        before anything changes."""
        with self._lock:
            members = list(self._members)
        for middleware in members:
            if isinstance(middleware, cls) and middleware._config.origin_func is not None:
                raise _judge_beside_func(type(middleware))

    def refresh_origin_judges(self, cls: type) -> None:
        with self._lock:
            members = list(self._members)
        for middleware in members:
            if isinstance(middleware, cls):
                middleware._refresh_origin_judge()


_LIVE = _LiveMiddlewares()


def _class_problems(cls: type) -> list[str]:
    """What ``cls`` overrides that fastcors cannot obey, wherever in its bases it comes from."""
    refused = []
    for name in (*_OPTION_ATTRIBUTES, *_STARLETTE_INTERNALS):
        owner = next(klass for klass in cls.__mro__ if name in vars(klass) or klass is CORSMiddleware)
        if owner is not CORSMiddleware:
            refused.append(
                f"{cls.__qualname__} overrides {_unsupported(name)} (defined by {owner.__qualname__})"
            )
    # Starlette's class defines no __getattribute__, so one anywhere in the bases would be used.
    owner = next(klass for klass in cls.__mro__ if "__getattribute__" in vars(klass))
    if owner is not object:
        why = _unsupported("__getattribute__")
        refused.append(f"{cls.__qualname__} overrides {why} (defined by {owner.__qualname__})")
    return refused


class _ForeignBases:
    """The bases of a class that are not ``CORSMiddleware`` classes (mixins), and the watched
    names each defined when last looked at: their changes bypass the metaclass, so the class's
    middlewares look again at every request."""

    __slots__ = ("bases", "names")

    def __init__(self, bases: tuple[type, ...]) -> None:
        self.bases = bases
        self.names = _watched_names_of(bases)


def _watched_names_of(bases: tuple[type, ...]) -> tuple[frozenset[str], ...]:
    return tuple(_WATCHED_NAMES.intersection(vars(base)) for base in bases)


def _watch_bases(cls: type) -> None:
    """Records ``cls``'s mixins, if it has any, and has its middlewares check them per request."""
    foreign = tuple(
        klass
        for klass in cls.__mro__
        if klass not in (object, Middleware, _InstanceAttributes)
        and not isinstance(klass, _CORSMiddlewareType)
    )
    type.__setattr__(cls, "_mixins_seen", _ForeignBases(foreign) if foreign else None)
    call = cls.__call__
    if foreign and getattr(call, "_watches_bases", None) is None:
        type.__setattr__(cls, "__call__", _watching(call))


def _check_bases(cls: Any) -> None:
    """Raises if a mixin of ``cls`` gained what fastcors cannot obey since it was last looked at;
    rebuilds its middlewares' policies if ``is_allowed_origin`` moved. Cheap when nothing changed."""
    seen = cls._mixins_seen
    if seen is None:
        return
    names = _watched_names_of(seen.bases)
    if names == seen.names:
        return
    problems = _class_problems(cls)
    if problems:
        raise TypeError(
            f"a base class of {cls.__qualname__} changed after it was built: " + "; ".join(problems)
        )
    seen.names = names
    _LIVE.refresh_origin_judges(cls)


def _watching(call: Any) -> Any:
    """``call``, after checking the class's mixins (see ``_check_bases``). A plain function: the
    awaitable is ``call``'s own, and servers inspect the instance's ``__call__`` (see ``_build``)."""

    def __call__(self: CORSMiddleware, scope: Scope, receive: Receive, send: Send) -> Any:
        seen = type(self)._mixins_seen
        if seen is not None:
            for base, names in zip(seen.bases, seen.names, strict=True):
                if _WATCHED_NAMES.intersection(base.__dict__) != names:
                    _check_bases(type(self))
                    break
        return call(self, scope, receive, send)

    __call__._watches_bases = call  # type: ignore[attr-defined]
    return __call__


def _rebase(cls: _CORSMiddlewareType, bases: Any) -> None:
    """``cls.__bases__ = bases``, or a ``TypeError`` if the new bases override what fastcors cannot
    obey; the classes' mixins and middlewares then follow the new bases."""
    previous = cls.__bases__
    type.__setattr__(cls, "__bases__", bases)
    classes: list[type] = [cls]
    for klass in classes:
        classes.extend(klass.__subclasses__())
    problems = [problem for klass in classes for problem in _class_problems(klass)]
    if problems:
        type.__setattr__(cls, "__bases__", previous)
        raise TypeError("; ".join(problems))
    for klass in classes:
        _watch_bases(klass)
    _LIVE.refresh_origin_judges(cls)


class _InstanceAttributes:
    """The base that gives a middleware its attribute dict (``CORSMiddleware.__dict__`` hands it
    out as an ``_InstanceDict``)."""


_ATTRIBUTES = _InstanceAttributes.__dict__["__dict__"]


class _InstanceDict(dict[str, Any]):
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
        if name in _WATCHED_NAMES:
            setattr(self._owner(), name, value)
        else:
            super().__setitem__(name, value)

    def __delitem__(self, name: str) -> None:
        if name in _WATCHED_NAMES and name in self:
            delattr(self._owner(), name)
        else:
            super().__delitem__(name)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def __ior__(self, other: Any) -> _InstanceDict:  # type: ignore[override,misc]
        self.update(other)
        return self

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name not in self:
            self[name] = default
        return self[name]

    def pop(self, name: str, *default: Any) -> Any:
        if name in _WATCHED_NAMES and name in self:
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
        for name in [name for name in self if name in _WATCHED_NAMES]:
            del self[name]
        super().clear()


class _GuardedAttributes:
    """``CORSMiddleware.__dict__``: the instance's attribute dict, as an ``_InstanceDict``. The
    dict is made one only when asked for, so that the usual middleware keeps its attributes where
    the interpreter reads them fastest."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:  # pragma: no cover - a class's own __dict__ is found first
            return self
        attributes = _ATTRIBUTES.__get__(instance, owner)
        if type(attributes) is not _InstanceDict:
            attributes = _InstanceDict(attributes)
            attributes._middleware = weakref.ref(instance)
            _ATTRIBUTES.__set__(instance, attributes)
        return attributes

    def __set__(self, instance: Any, value: Any) -> None:
        if not isinstance(value, dict):
            raise TypeError(f"__dict__ must be set to a dictionary, not a '{type(value).__name__}'")
        attributes = self.__get__(instance)
        for name in [name for name in attributes if name not in value]:
            del attributes[name]
        attributes.update(value)


def _judge_beside_func(cls: type) -> TypeError:
    return TypeError(
        f"{cls.__qualname__}.is_allowed_origin is not Starlette's, and its verdict replaces every origin "
        "check, so allow_origin_func would never be asked: call your function from is_allowed_origin, "
        "or keep Starlette's is_allowed_origin"
    )


class _ASGICall(Protocol):
    """An ASGI 3 application's call, parameter names included (callers may pass them by name)."""

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]: ...


class _ReadAtConstruction(Generic[_T]):
    """One of Starlette's option attributes: readable, but the options are read at construction,
    so assigning one is an error rather than a silent no-op."""

    def __init__(self, read: Callable[[StarletteView], _T]) -> None:
        self._read = read
        self._name = ""

    def __set_name__(self, owner: type[object], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type[object]) -> _ReadAtConstruction[_T]: ...
    @overload
    def __get__(self, instance: CORSMiddleware, owner: type[object]) -> _T: ...
    def __get__(self, instance: CORSMiddleware | None, owner: type[object]) -> _ReadAtConstruction[_T] | _T:
        if instance is None:
            return self
        return self._read(instance._options)

    def __set__(self, instance: CORSMiddleware, value: object) -> NoReturn:
        raise AttributeError(
            f"CORSMiddleware.{self._name} is read once, at construction: build a new middleware to "
            "change it, or pass a collection with its own __contains__ to decide per request"
        )


class _ApplicationEntry(ApplicationShape):
    """``middleware.__call__`` as servers inspect it (uvicorn, hypercorn and asgiref tell ASGI 3
    from ASGI 2 by it): a coroutine function in all but cost. Requests never go through it: they
    call the middleware, whose class has the core's ``__call__``. It holds its middleware weakly, so
    that a middleware is freed by reference counting, as Starlette's is, not by the cyclic GC."""

    __slots__ = ("_middleware",)

    def __init__(self, middleware: CORSMiddleware) -> None:
        self._middleware = weakref.ref(middleware)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        middleware = self._middleware()
        if middleware is None:  # pragma: no cover - whoever calls this holds the middleware
            raise ReferenceError("the middleware of this __call__ no longer exists")
        return middleware(scope, receive, send)


class CORSMiddleware(Middleware, _InstanceAttributes, metaclass=_CORSMiddlewareType):
    """A drop-in replacement for ``starlette.middleware.cors.CORSMiddleware``.

    Same arguments, same defaults, same positional order, and byte for byte the same messages for
    every request. All the work is done here, once; each request costs one call into the core.
    A subclass may override ``is_allowed_origin``: it is called wherever Starlette calls it.

    >>> async def app(scope, receive, send): ...
    >>> cors = CORSMiddleware(app, allow_origins=["https://example.org"])
    >>> cors.is_allowed_origin("https://example.org"), cors.is_allowed_origin("https://evil.com")
    (True, False)
    """

    allow_origins: _ReadAtConstruction[Collection[str]] = _ReadAtConstruction(
        lambda options: options.allow_origins
    )
    allow_methods: _ReadAtConstruction[Collection[str]] = _ReadAtConstruction(
        lambda options: options.allow_methods
    )
    allow_headers: _ReadAtConstruction[list[str]] = _ReadAtConstruction(lambda options: options.allow_headers)
    allow_all_origins: _ReadAtConstruction[bool] = _ReadAtConstruction(
        lambda options: options.allow_all_origins
    )
    allow_all_headers: _ReadAtConstruction[bool] = _ReadAtConstruction(
        lambda options: options.allow_all_headers
    )
    allow_credentials: _ReadAtConstruction[bool] = _ReadAtConstruction(
        lambda options: options.allow_credentials
    )
    preflight_explicit_allow_origin: _ReadAtConstruction[bool] = _ReadAtConstruction(
        lambda options: options.preflight_explicit_allow_origin
    )
    allow_origin_regex: _ReadAtConstruction[re.Pattern[Any] | None] = _ReadAtConstruction(
        lambda options: options.allow_origin_regex
    )
    allow_private_network: _ReadAtConstruction[bool] = _ReadAtConstruction(
        lambda options: options.allow_private_network
    )
    simple_headers: _ReadAtConstruction[dict[str, str]] = _ReadAtConstruction(
        lambda options: options.simple_headers
    )
    preflight_headers: _ReadAtConstruction[dict[str, str]] = _ReadAtConstruction(
        lambda options: options.preflight_headers
    )
    allow_origin_patterns: _ReadAtConstruction[tuple[str, ...]] = _ReadAtConstruction(
        lambda options: options.allow_origin_patterns
    )
    allow_origin_func: _ReadAtConstruction[Callable[[str], Any] | None] = _ReadAtConstruction(
        lambda options: options.allow_origin_func
    )
    allow_origin_func_cache_size: _ReadAtConstruction[int | None] = _ReadAtConstruction(
        lambda options: options.allow_origin_func_cache_size
    )
    allow_origin_func_cache_ttl: _ReadAtConstruction[float | None] = _ReadAtConstruction(
        lambda options: options.allow_origin_func_cache_ttl
    )

    __dict__ = _GuardedAttributes()  # see _GuardedAttributes

    #: The class's mixins and what they define, where it has any (see ``_watch_bases``).
    _mixins_seen: ClassVar[_ForeignBases | None] = None
    _arguments: tuple[Any, ...]
    _own_options: dict[str, Any]
    #: ``strict`` is part of the configuration: ``reconfigure`` checks with it unless given again.
    _strict: bool = False
    _config: CorsConfig
    _options: StarletteView

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The whole MRO: an override may come from a mixin listed before CORSMiddleware.
        refused = _class_problems(cls)
        if refused:
            raise TypeError("; ".join(refused))
        _watch_bases(cls)

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
        *,
        strict: bool = False,
        cors_on_errors: bool = False,
        check_websocket_origin: bool = False,
        on_reject: Callable[[RejectEvent], object] | None = None,
        allow_origin_patterns: Iterable[str] = (),
        allow_origin_func: Callable[[str], bool | Awaitable[bool]] | None = None,
        allow_origin_func_cache_size: int | None = None,
        allow_origin_func_cache_ttl: float | None = None,
    ) -> None:
        _require_bool("strict", strict)
        _require_bool("cors_on_errors", cors_on_errors)
        _require_bool("check_websocket_origin", check_websocket_origin)
        _require_on_reject(on_reject)
        allow_origin_patterns = _listed_once(allow_origin_patterns)
        problems = configuration_problems(
            allow_origins,
            allow_methods,
            allow_headers,
            allow_credentials,
            allow_origin_regex,
            expose_headers,
            max_age,
            check_websocket_origin,
            allow_origin_patterns,
        )
        check_configuration(problems, strict=strict, stacklevel=2)
        self._strict = strict
        self._features = (cors_on_errors, check_websocket_origin, on_reject)
        # Kept as given, as Starlette keeps them, to rebuild the policy for copies and pickles.
        self._arguments = (
            allow_origins,
            allow_methods,
            allow_headers,
            allow_credentials,
            allow_origin_regex,
            allow_private_network,
            expose_headers,
            max_age,
        )
        self._own_options = {
            "allow_origin_patterns": allow_origin_patterns,
            "allow_origin_func": allow_origin_func,
            "allow_origin_func_cache_size": allow_origin_func_cache_size,
            "allow_origin_func_cache_ttl": allow_origin_func_cache_ttl,
        }
        self._build()
        self.app = app

    def _build(self) -> None:
        """Reads the options and builds the policy the core serves requests with."""
        from fastcors._config import interpret_options, kept, reading
        from fastcors._reasons import Reporter, logger

        read = reading(self._arguments)
        config, self._options = interpret_options(*read, **self._own_options)
        self._arguments = kept(read, self._arguments)
        cors_on_errors, check_websocket_origin, on_reject = self._features
        self._config = replace(
            config,
            cors_on_errors=cors_on_errors,
            check_websocket_origin=check_websocket_origin,
            reporter=Reporter(on_reject).report,
            log_enabled_for=logger.isEnabledFor if on_reject is None else None,
        )
        self._policy = Policy(self._judged(self._config))
        call = type(self).__call__
        if call is Middleware.__call__ or getattr(call, "_watches_bases", None) is Middleware.__call__:
            # Calls go through the base class's `__call__` (in Rust, where the extension is built),
            # which returns the app's own awaitable: no coroutine frame of the middleware's own.
            self.__call__: _ASGICall = _ApplicationEntry(self)  # see _ApplicationEntry
        _LIVE.add(self)

    def _origin_judged(self) -> bool:
        """Whether ``is_allowed_origin`` is not Starlette's own, so that requests must ask it."""
        if type(self).is_allowed_origin is not _STARLETTE_IS_ALLOWED_ORIGIN:
            return True
        # As attribute lookup finds it: the instance's own, or else Starlette's check bound to this
        # instance. Not `"is_allowed_origin" in vars(self)`: on CPython 3.11 and 3.12, `vars`
        # moves the instance's attributes into a dict, which makes the core's reads of `app` and
        # `_policy`, on every request, dict lookups.
        found = object.__getattribute__(self, "is_allowed_origin")
        bound_here = type(found) is MethodType and found.__self__ is self
        return not (bound_here and found.__func__ is _STARLETTE_IS_ALLOWED_ORIGIN)

    def _judged(self, config: CorsConfig) -> CorsConfig:
        """``config`` for a policy that asks ``is_allowed_origin`` where it is not Starlette's."""
        judged = self._origin_judged()
        if judged and config.origin_func is not None:
            raise _judge_beside_func(type(self))
        if config.check_websocket_origin and config.origin_func is not None:
            raise TypeError(
                "check_websocket_origin checks handshakes against the static origin rules only, so it "
                "would refuse origins that allow_origin_func allows: drop one of the two, or check "
                "websocket origins in your app with the same function"
            )
        return replace(config, origin_judged=judged)

    def _refresh_origin_judge(self) -> None:
        """Rebuilds the policy after ``is_allowed_origin`` was patched on the instance or a class."""
        self._policy = type(self._policy)(self._judged(self._config))

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _STARLETTE_INTERNALS:
            raise TypeError(
                f"{type(self).__qualname__}.{name} cannot be assigned: it is {_unsupported(name)}"
            )
        if name == "is_allowed_origin" and self._config.origin_func is not None:
            raise _judge_beside_func(type(self))
        super().__setattr__(name, value)
        if name in ("is_allowed_origin", "__class__"):
            self._refresh_origin_judge()

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if name == "is_allowed_origin":
            self._refresh_origin_judge()

    def __getstate__(self) -> dict[str, Any]:
        """What ``pickle`` and ``copy`` keep: the app, the arguments and anything a subclass added;
        the policy is rebuilt from the arguments."""
        attributes = _ATTRIBUTES.__get__(self)
        return {name: value for name, value in attributes.items() if name not in _DERIVED_STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        dict.update(_ATTRIBUTES.__get__(self), state)  # as it was: the policy is built from it next
        self._build()

    def reconfigure(self, **options: Any) -> None:
        """Changes options while serving: any constructor option but ``app``, by name; the others
        keep their values, ``strict`` included.

        A complete new policy is built first, then swapped in at once: requests in flight finish on
        the policy they started with, new ones get the new one, none sees half of each. Invalid
        options raise, and the old policy keeps serving. Safe to call from any thread. The option
        attributes read the new values afterwards; ``allow_origin_func``'s cache starts empty.

        >>> async def app(scope, receive, send): ...
        >>> cors = CORSMiddleware(app, allow_origins=["https://a.example"])
        >>> cors.reconfigure(allow_origins=["https://b.example"])
        >>> cors.is_allowed_origin("https://a.example"), cors.is_allowed_origin("https://b.example")
        (False, True)
        """
        unknown = sorted(set(options) - {*_STARLETTE_OPTIONS, "strict", *_FEATURE_OPTIONS, *_OWN_OPTIONS})
        if unknown:
            if "app" in unknown:
                raise TypeError("reconfigure() changes options, not the app: build a new middleware for that")
            raise TypeError(
                f"reconfigure() got unknown option(s) {', '.join(map(repr, unknown))}; "
                "it takes the constructor's: "
                f"{', '.join((*_STARLETTE_OPTIONS, 'strict', *_FEATURE_OPTIONS, *_OWN_OPTIONS))}"
            )
        with _RECONFIGURING:
            arguments = tuple(
                options.get(name, current)
                for name, current in zip(_STARLETTE_OPTIONS, self._arguments, strict=False)
            )
            own_options = {**self._own_options, **{k: v for k, v in options.items() if k in _OWN_OPTIONS}}
            own_options["allow_origin_patterns"] = _listed_once(own_options["allow_origin_patterns"])
            cors_on_errors, check_websocket_origin, on_reject = self._features
            cors_on_errors = options.get("cors_on_errors", cors_on_errors)
            check_websocket_origin = options.get("check_websocket_origin", check_websocket_origin)
            on_reject = options.get("on_reject", on_reject)
            strict = options.get("strict", self._strict)
            _require_bool("strict", strict)
            _require_bool("cors_on_errors", cors_on_errors)
            _require_bool("check_websocket_origin", check_websocket_origin)
            _require_on_reject(on_reject)
            problems = configuration_problems(
                arguments[0],
                arguments[1],
                arguments[2],
                arguments[3],
                arguments[4],
                arguments[6],
                arguments[7],
                check_websocket_origin,
                own_options["allow_origin_patterns"],
            )
            check_configuration(problems, strict=strict, stacklevel=2)
            from fastcors._config import interpret_options, kept, reading
            from fastcors._reasons import Reporter, logger

            read = reading(arguments)
            config, view = interpret_options(*read, **own_options)
            config = replace(
                config,
                cors_on_errors=cors_on_errors,
                check_websocket_origin=check_websocket_origin,
                reporter=Reporter(on_reject).report,
                log_enabled_for=logger.isEnabledFor if on_reject is None else None,
            )
            policy = type(self._policy)(self._judged(config))
            # Requests read `_policy` once; the attributes follow, the policy last.
            self._strict = strict
            self._features = (cors_on_errors, check_websocket_origin, on_reject)
            self._arguments = kept(read, arguments)
            self._own_options = own_options
            self._config = config
            self._options = view
            self._policy = policy

    @property
    def origin_regex_engine(self) -> str | None:
        r"""Which engine evaluates ``allow_origin_regex``: ``"rust"`` (linear time, immune to
        catastrophic backtracking), ``"python"`` (Python's ``re``), or ``None`` without one.

        A pattern the Rust engine cannot express (here a look-behind) stays with Python's ``re``:

        >>> async def app(scope, receive, send): ...
        >>> CORSMiddleware(app, allow_origins=["https://example.org"]).origin_regex_engine is None
        True
        >>> CORSMiddleware(app, allow_origin_regex=r"https://[a-z]+(?<!evil)\.example\.org").origin_regex_engine
        'python'
        """
        return self._policy.origin_regex_engine

    def explain(
        self,
        origin: str,
        method: str = "GET",
        request_headers: Collection[str] = (),
        preflight: bool | None = None,
    ) -> Explanation:
        """The verdict on a hypothetical request, without serving one: whether it is allowed, why
        not, and the CORS headers the response would carry.

        ``preflight=None`` decides as a browser does: a preflight for a method other than GET,
        HEAD and POST or a header other than the safelisted ``Accept``, ``Accept-Language``,
        ``Content-Language`` and ``Content-Type`` (taken with a safelisted value: pass
        ``preflight=True`` for, say, ``application/json``).

        >>> async def app(scope, receive, send): ...
        >>> cors = CORSMiddleware(app, allow_origins=["https://example.org"], allow_headers=["X-Token"])
        >>> cors.explain("https://example.org", "PUT", ["X-Token"])
        <Explanation: preflight refused: method 'PUT' is not allowed>
        """
        from fastcors._origin_func import verdicts_now

        func = self._config.origin_func
        if func is not None and func.is_async:
            raise TypeError(
                "explain() cannot wait for an async allow_origin_func: await a request through the "
                "middleware instead"
            )
        # The same refusal, in both forms, for a sync function that returns an awaitable.
        with verdicts_now(_EXPLAIN_CANNOT_WAIT):
            return self._explain(origin, method, request_headers, preflight)

    def _explain(
        self, origin: str, method: str, request_headers: Collection[str], preflight: bool | None
    ) -> Explanation:
        from fastcors._reasons import Explanation, reasons_for

        if isinstance(request_headers, str):
            raise TypeError(
                "explain(): request_headers must be a list of header names, not the str "
                f"{request_headers!r}; write [{request_headers!r}]"
            )
        if method.upper() in _NORMALIZED_METHODS:
            method = method.upper()  # as browsers normalise what the page wrote
        names = [_latin1("request_headers", name).strip().lower() for name in request_headers]
        raw_origin = _latin1("origin", origin).encode("latin-1")
        raw_method = _latin1("method", method).encode("latin-1")
        if preflight is None:
            preflight = method not in _SAFELISTED_METHODS or any(n not in _SAFELISTED_NAMES for n in names)
        headers = [(b"origin", raw_origin)]
        if not preflight:
            headers += [(name.encode("latin-1"), b"") for name in names]
            send = self._policy.handle(_explained_scope(method, headers), _discard, self, quiet=True)
            assert callable(send)
            start: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": []}
            _run_to_completion(send(start))
            cors_headers = _decoded(start["headers"])
            allowed = any(name == "access-control-allow-origin" for name, _ in cors_headers)
            reasons: tuple[str, ...] = () if allowed else (f"origin {origin!r} is not allowed",)
            return Explanation(allowed, False, reasons, cors_headers, None)
        headers.append((b"access-control-request-method", raw_method))
        if names:
            headers.append(
                (b"access-control-request-headers", ",".join(sorted(set(names))).encode("latin-1"))
            )
        answer = self._policy.handle(_explained_scope("OPTIONS", headers), _discard, self, quiet=True)
        assert isinstance(answer, tuple)
        response_start, body = answer
        # `verdicts_now` leaves nothing to wait for.
        assert response_start is not None
        assert isinstance(body, dict)
        failed = body["body"].decode().removeprefix("Disallowed CORS ").split(", ")
        failures = sum(bit for bit, name in _FAILURE_NAMES.items() if name in failed)
        refused = None
        if "headers" in failed and not self._config.allow_all_headers:
            allowed_names = frozenset(self._config.allowed_headers)
            refused = next((n for n in sorted(set(names)) if n.encode("latin-1") not in allowed_names), "")
        reasons = reasons_for(failures, origin, method, refused)  # the core's verdict, in words
        cors_headers = tuple(
            (name, value)
            for name, value in _decoded(response_start["headers"])
            if name not in _CONTENT_HEADERS
        )
        return Explanation(
            response_start["status"] == 200, True, reasons, cors_headers, response_start["status"]
        )

    def is_allowed_origin(self, origin: str) -> bool:
        r"""Whether responses may be shared with ``origin``, as Starlette decides it.

        >>> async def app(scope, receive, send): ...
        >>> cors = CORSMiddleware(app, allow_origin_regex=r"https://[a-z]+\.example\.org")
        >>> cors.is_allowed_origin("https://api.example.org")
        True
        >>> cors.is_allowed_origin("https://api.example.org.evil.com")  # the regex must match it all
        False
        """
        if origin.__class__ is str:
            try:
                raw = origin.encode("latin-1")
            except UnicodeEncodeError:
                pass  # no request can carry this origin
            else:
                return self._policy.is_allowed_origin(raw)
        return self._starlettes_answer(origin)

    def _starlettes_answer(self, origin: Any) -> bool:
        """Starlette's own check, for what no request carries (``None``, a ``str`` subclass, a str
        beyond latin-1): the same answer, or the same exception."""
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        if origin in self.allow_origins:
            return True
        if not isinstance(origin, str):
            return False
        # fastcors' own rules read the text a request would carry, whatever the str's class.
        text = str.__str__(origin)
        patterns = self._config.origin_patterns
        if patterns and text.isascii():
            from fastcors._pure.origin_patterns import OriginPatterns

            if OriginPatterns(patterns).matches(text.encode("ascii")):
                return True
        func = self._config.origin_func
        return func is not None and func.decide_now(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app={self.app!r})"


_STARLETTE_IS_ALLOWED_ORIGIN = CORSMiddleware.__dict__["is_allowed_origin"]

_EXPLAIN_CANNOT_WAIT = (
    "explain() cannot wait for the awaitable allow_origin_func returned: serve a request through "
    "the middleware to see its verdict, or make the function return True or False"
)

_SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
_NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
_SAFELISTED_NAMES = frozenset({"accept", "accept-language", "content-language", "content-type"})
_CONTENT_HEADERS = frozenset({"content-length", "content-type"})
#: The failure bits of the core (origin 1, method 2, headers 4, private network 8), by body word.
_FAILURE_NAMES = {1: "origin", 2: "method", 4: "headers", 8: "private-network"}


def _explained_scope(method: str, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": method, "path": "/", "headers": headers}


async def _discard(message: Message) -> None:
    return None


def _run_to_completion(awaitable: Awaitable[Any]) -> None:
    """Runs ``_discard``'s awaitable, which never suspends."""
    iterator = awaitable.__await__()
    try:
        iterator.send(None)
    except StopIteration:
        return


def _decoded(headers: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)


def _latin1(argument: str, value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"explain(): {argument} must be a str, not {value!r}")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"explain(): {argument} {value!r} cannot be sent in an HTTP header (not latin-1)"
        ) from None
    return value


def _listed_once(patterns: Any) -> Any:
    """``allow_origin_patterns`` given as a one-shot iterable, as a tuple: read once, kept."""
    return tuple(patterns) if isinstance(patterns, Iterator) else patterns


def _require_on_reject(on_reject: object) -> None:
    if on_reject is not None and not callable(on_reject):
        raise TypeError(
            f"on_reject must be a callable taking a fastcors.RejectEvent, or None, not {on_reject!r}"
        )
    from fastcors._origin_func import is_async_callable

    if is_async_callable(on_reject):
        raise TypeError(
            "on_reject must be a plain function: it is called while the request is served, never "
            f"awaited, so {on_reject!r} would never run; make it a plain function, and have it "
            "schedule any async work itself (asyncio.get_running_loop().create_task(...))"
        )


def _require_bool(option: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{option} must be True or False, not {value!r}; write {option}=True to turn it on")


__all__ = ["CORSMiddleware"]

"""Starlette's constructor options, read with Starlette's own Python semantics.

Everything that depends on how Python treats the options (``"*" in option``, ``", ".join(option)``,
``sorted``, ``str(max_age)``, a bare ``str`` where a list was expected) is settled here, once, in
the order Starlette does it, so that both cores receive the same plain data and any error a bad
option raises is the error Starlette raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastcors import _constants
from fastcors._origin_func import OriginFunc, build_origin_func
from fastcors._origin_patterns import validate_patterns
from fastcors._origin_set import SharedOrigins, shared_source
from fastcors._regex import translate_pattern
from fastcors._snapshots import FrozenDict, FrozenList

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}
PREFLIGHT_VARY = _constants.PREFLIGHT_VARY.decode("latin-1")

_NOT_LATIN1 = re.compile("[^\x00-\xff]+")
#: Containers whose ``in`` a snapshot answers exactly, when every item is an exact ``str``. Anything
#: else (a subclass, a view of a dict, an item that only compares equal to a str) is asked on every
#: request, as Starlette asks it.
_SNAPSHOT_CONTAINERS: tuple[type[Any], ...] = (list, tuple, set, frozenset, dict)


@dataclass(frozen=True)
class CorsConfig:
    """The options as both cores take them: memberships, flags and exact header values."""

    allow_all_origins: bool
    #: Origins compared exactly, or, when ``allowed_origins_are_substrings``, the latin-1 runs of
    #: a bare ``str`` that Python searches for a substring.
    allowed_origins: tuple[bytes, ...]
    allowed_origins_are_substrings: bool
    #: ``allow_origins`` itself when it tests membership its own way: asked on every request, as
    #: Starlette does, instead of ``allowed_origins``.
    origins_collection: Collection[str] | None
    #: ``allow_origin_regex`` compiled by Python, and its translation for the Rust engine
    #: (``None`` when only Python's ``re`` has its meaning).
    origin_pattern: re.Pattern[Any] | None
    origin_regex_translation: str | None
    allowed_methods: tuple[bytes, ...]
    allowed_methods_are_substrings: bool
    methods_collection: Collection[str] | None
    allow_all_headers: bool
    #: Allowed request headers, lowercased as Python's ``str.lower`` does.
    allowed_headers: tuple[bytes, ...]
    allow_credentials: bool
    allow_private_network: bool
    allow_methods_value: bytes
    allow_headers_value: bytes
    expose_headers_value: bytes | None
    max_age_value: bytes
    #: The middleware's ``is_allowed_origin`` is not Starlette's (a subclass overrides it, or it was
    #: patched): requests ask ``middleware.is_allowed_origin(origin=...)``, as Starlette's do.
    origin_judged: bool = False
    #: A failure of the app before its response starts gets a 500 with the CORS headers.
    cors_on_errors: bool = False
    #: A websocket handshake from an Origin the policy does not allow is refused.
    check_websocket_origin: bool = False
    #: Called with every refusal (see ``fastcors._reporting.Reporter.report``).
    reporter: Callable[..., object] | None = None
    #: ``logging.getLogger("fastcors").isEnabledFor`` where the log alone hears refusals (no
    #: ``on_reject``): asked with ``logging.DEBUG`` first, so that nobody listening costs one call.
    log_enabled_for: Callable[[int], bool] | None = None
    #: ``allow_origin_patterns``, checked (see ``fastcors._origin_patterns``), as ASCII bytes.
    origin_patterns: tuple[bytes, ...] = ()
    #: ``allow_origin_func`` with its cache: asked when the static rules refuse an origin.
    origin_func: OriginFunc | None = None
    #: ``allow_origin_func`` when it is a shared source of origins: each policy attaches a copy of
    #: its set and reads that instead of calling it.
    shared_origins: SharedOrigins | None = None
    #: What the policy noted of its middleware's class (``fastcors._guards.ClassWatch``): a request
    #: that finds the class changed since has the middleware look at it again first.
    class_watch: Any = None
    #: ``routes``: each prefix (its UTF-8 bytes, lone surrogates passed through) and the core's
    #: policy serving under it, or, where CORS is off, the core's counters of its requests;
    #: ``None`` without routes, so that a request finds no table to look up.
    routes: tuple[tuple[bytes, Any], ...] | None = None
    #: ``shadow``: the candidate configuration's policies (``fastcors._shadow.Shadow``), which a
    #: request with an ``Origin`` is compared under; ``None`` without one, so that none is.
    shadow: Any = None


@dataclass(frozen=True)
class StarletteView:
    """The attributes Starlette's middleware exposes, for code that reads them: read-only snapshots,
    or the option itself where it is asked on every request."""

    allow_origins: Collection[str]
    allow_methods: Collection[str]
    allow_headers: list[str]
    allow_all_origins: bool
    allow_all_headers: bool
    allow_credentials: bool
    preflight_explicit_allow_origin: bool
    allow_origin_regex: re.Pattern[Any] | None
    allow_private_network: bool
    simple_headers: dict[str, str]
    preflight_headers: dict[str, str]
    # fastcors' own options, beyond Starlette's.
    allow_origin_patterns: tuple[str, ...] = ()
    allow_origin_func: Callable[[str], Any] | None = None
    allow_origin_func_cache_size: int | None = None
    allow_origin_func_cache_ttl: float | None = None


#: The positions, among Starlette's options, of those it iterates (``in``, ``set``, ``join``).
_ITERATED_OPTIONS = (0, 1, 2, 6)  # allow_origins, allow_methods, allow_headers, expose_headers


class Replayed:
    """What a one-shot iterable option (an iterator, a generator) yielded while Starlette's reading
    of the options consumed it. Starlette's copies keep what that reading made of it; a reading of
    the options anew (a copy, a pickle, ``reconfigure``) gets a fresh iterator over the same items,
    and so reads what the first reading read."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = tuple(items)


class _Recording(Iterator[Any]):
    """A one-shot iterable passed on as it is read, keeping every item it yields."""

    __slots__ = ("_iterator", "items")

    def __init__(self, iterator: Iterator[Any]) -> None:
        self._iterator = iterator
        self.items: list[Any] = []

    def __next__(self) -> Any:
        item = next(self._iterator)
        self.items.append(item)
        return item


def reading(options: Sequence[Any]) -> tuple[Any, ...]:
    """Starlette's options as ``interpret_options`` is to read them: a one-shot iterable, or one
    replayed, is recorded as it is read (see ``kept``)."""
    return tuple(
        _Recording(iter(option.items) if isinstance(option, Replayed) else option)
        if index in _ITERATED_OPTIONS and isinstance(option, (Iterator, Replayed))
        else option
        for index, option in enumerate(options)
    )


def kept(read: Sequence[Any], options: Sequence[Any]) -> tuple[Any, ...]:
    """The options to keep after ``read`` was read: each one-shot iterable as what it yielded."""
    return tuple(
        Replayed(read_option.items) if isinstance(read_option, _Recording) else option
        for read_option, option in zip(read, options, strict=True)
    )


def interpret_options(
    allow_origins: Collection[str],
    allow_methods: Collection[str],
    allow_headers: Collection[str],
    allow_credentials: bool,
    allow_origin_regex: str | None,
    allow_private_network: bool,
    expose_headers: Collection[str],
    max_age: int,
    *,
    allow_origin_patterns: Iterable[str] = (),
    allow_origin_func: Callable[[str], Any] | None = None,
    allow_origin_func_cache_size: int | None = None,
    allow_origin_func_cache_ttl: float | None = None,
) -> tuple[CorsConfig, StarletteView]:
    """Reads the options step by step as Starlette 1.10's ``CORSMiddleware.__init__`` does, then
    checks fastcors' own options."""
    if "*" in allow_methods:
        allow_methods = ALL_METHODS

    origin_pattern = None
    if allow_origin_regex is not None:
        origin_pattern = _compile_origin_regex(allow_origin_regex)

    allow_all_origins = "*" in allow_origins
    allow_all_headers = "*" in allow_headers
    preflight_explicit_allow_origin = not allow_all_origins or allow_credentials

    simple_headers: dict[str, str] = {}
    if allow_all_origins:
        simple_headers["Access-Control-Allow-Origin"] = "*"
    if allow_credentials:
        simple_headers["Access-Control-Allow-Credentials"] = "true"
    if expose_headers:
        simple_headers["Access-Control-Expose-Headers"] = ", ".join(expose_headers)

    preflight_headers: dict[str, str] = {"Vary": PREFLIGHT_VARY}
    if not preflight_explicit_allow_origin:
        preflight_headers["Access-Control-Allow-Origin"] = "*"
    preflight_headers.update(
        {
            "Access-Control-Allow-Methods": ", ".join(allow_methods),
            "Access-Control-Max-Age": str(max_age),
        }
    )
    sorted_headers = sorted(SAFELISTED_HEADERS | set(allow_headers))
    if sorted_headers and not allow_all_headers:
        preflight_headers["Access-Control-Allow-Headers"] = ", ".join(sorted_headers)
    if allow_credentials:
        preflight_headers["Access-Control-Allow-Credentials"] = "true"
    lowered_headers = [h.lower() for h in sorted_headers]

    origins_snapshot = _snapshot("allow_origins", allow_origins)
    methods_snapshot = _snapshot("allow_methods", allow_methods)
    origin_patterns = validate_patterns(allow_origin_patterns)
    origin_func = build_origin_func(
        allow_origin_func, allow_origin_func_cache_size, allow_origin_func_cache_ttl
    )
    view = StarletteView(
        allow_origins=allow_origins if origins_snapshot is None else origins_snapshot,
        allow_methods=allow_methods if methods_snapshot is None else methods_snapshot,
        allow_headers=FrozenList("allow_headers", lowered_headers),
        allow_all_origins=allow_all_origins,
        allow_all_headers=allow_all_headers,
        allow_credentials=allow_credentials,
        preflight_explicit_allow_origin=preflight_explicit_allow_origin,
        allow_origin_regex=origin_pattern,
        allow_private_network=allow_private_network,
        simple_headers=FrozenDict("simple_headers", simple_headers),
        preflight_headers=FrozenDict("preflight_headers", preflight_headers),
        allow_origin_patterns=tuple(pattern.decode("ascii") for pattern in origin_patterns),
        allow_origin_func=allow_origin_func,
        allow_origin_func_cache_size=allow_origin_func_cache_size,
        allow_origin_func_cache_ttl=allow_origin_func_cache_ttl,
    )
    expose_value = simple_headers.get("Access-Control-Expose-Headers")
    config = CorsConfig(
        allow_all_origins=allow_all_origins,
        allowed_origins=_members(origins_snapshot),
        allowed_origins_are_substrings=isinstance(origins_snapshot, str),
        origins_collection=allow_origins if origins_snapshot is None else None,
        origin_pattern=origin_pattern,
        origin_regex_translation=None if origin_pattern is None else translate_pattern(origin_pattern),
        allowed_methods=_members(methods_snapshot),
        allowed_methods_are_substrings=isinstance(methods_snapshot, str),
        methods_collection=allow_methods if methods_snapshot is None else None,
        allow_all_headers=allow_all_headers,
        allowed_headers=tuple(h.encode("latin-1") for h in lowered_headers if _is_latin1(h)),
        allow_credentials=bool(allow_credentials),
        allow_private_network=bool(allow_private_network),
        allow_methods_value=_header_value("allow_methods", preflight_headers["Access-Control-Allow-Methods"]),
        allow_headers_value=(
            b""
            if allow_all_headers
            else _header_value("allow_headers", preflight_headers["Access-Control-Allow-Headers"])
        ),
        expose_headers_value=None if expose_value is None else _header_value("expose_headers", expose_value),
        max_age_value=_header_value("max_age", preflight_headers["Access-Control-Max-Age"]),
        origin_patterns=origin_patterns,
        origin_func=origin_func,
        shared_origins=shared_source(allow_origin_func),
    )
    return config, view


def _compile_origin_regex(pattern: str) -> re.Pattern[Any]:
    """``re.compile`` as Starlette calls it, with errors that name the option."""
    try:
        return re.compile(pattern)
    except re.error as error:
        message = (
            f"allow_origin_regex {pattern!r} is not a valid regular expression ({error.msg}); "
            r"write a pattern Python's re module accepts, such as r'https://.*\.example\.org'"
        )
        raise re.error(message, error.pattern, error.pos) from error
    except TypeError as error:
        raise TypeError(
            f"allow_origin_regex must be a str pattern, not {type(pattern).__name__}: {pattern!r}"
        ) from error


def _snapshot(option: str, value: Collection[str]) -> Collection[str] | None:
    """A read-only copy of ``value`` whose ``in`` answers as ``value``'s does for every str, or
    ``None`` where only ``value`` itself can answer (it is then asked on every request)."""
    kind = type(value)
    if kind is str:
        return value
    if kind not in _SNAPSHOT_CONTAINERS or any(item.__class__ is not str for item in value):
        return None
    if kind is list:
        return FrozenList(option, value)
    if kind is set:
        return frozenset(value)
    if kind is dict:
        return FrozenDict(option, value)  # a dict's `in` tests its keys
    return value  # already immutable: tuple, frozenset


def _members(snapshot: Collection[str] | None) -> tuple[bytes, ...]:
    """What ``x in option`` can be true for, among the latin-1 strings a request carries."""
    if snapshot is None:
        return ()
    if isinstance(snapshot, str):
        return tuple(run.encode("latin-1") for run in _NOT_LATIN1.split(snapshot))
    return tuple(item.encode("latin-1") for item in snapshot if _is_latin1(item))


def _is_latin1(text: str) -> bool:
    return _NOT_LATIN1.search(text) is None


def _header_value(option: str, value: str) -> bytes:
    """Encodes a header value; Starlette would fail on every response that carries it."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError as error:
        bad = value[error.start : error.end]
        raise ValueError(
            f"{option}: {value!r} cannot be sent in an HTTP header, whose values are latin-1, "
            f"and {bad!r} is not; use plain ASCII names"
        ) from None

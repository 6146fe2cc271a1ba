"""``allow_origin_func``: the application's own verdict on origins the static rules refuse.

The callable, sync or async, ``(origin: str) -> bool``, is asked only when ``allow_origins``,
``allow_origin_patterns`` and ``allow_origin_regex`` say no, at most once per request. Both cores
call the ``OriginFunc`` built here: it returns ``True`` or ``False`` at once (a sync callable, or a
cached verdict), or an awaitable of the verdict (an async callable), which the request then awaits
through ``continue_preflight`` or ``continue_response_start``.

Its exceptions propagate as the app's would; anything but ``True`` or ``False`` is a
``TypeError``: a verdict is never guessed, so an error never approves an origin.

The optional cache (``allow_origin_func_cache_size``, ``allow_origin_func_cache_ttl``) remembers
verdicts, least recently used first out, each for ``ttl`` seconds from when the function was asked;
it is shared by threads and tasks under a lock, and keeps nothing for a call that raised. It holds
at most ``cache_size`` origins of at most ``LONGEST_CACHED_ORIGIN`` bytes: a longer origin (no
browser sends one) is asked about every time, so a client sending huge ones cannot fill memory.

A verdict replaces a cached one only if its lookup started later: each lookup takes a number when
it starts, under the lock, and each entry keeps its lookup's number. A slow lookup that read
"allowed" before a revocation therefore never overwrites the refusal that a later lookup cached,
even after that refusal was evicted (``_evicted_up_to``).
"""

from __future__ import annotations

import contextlib
import inspect
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, NamedTuple

from fastcors._origin_set import SharedOrigins
from fastcors._types import Message, Send

Verdict = bool | Awaitable[bool]

FUNC = "allow_origin_func"
SIZE = "allow_origin_func_cache_size"
TTL = "allow_origin_func_cache_ttl"
#: The longest origin the cache keeps, in bytes: browsers send short origins, and an ASGI server
#: passes headers of a megabyte.
LONGEST_CACHED_ORIGIN = 512

#: Set while nobody can wait for an awaitable verdict (``CORSMiddleware.explain``): the message of
#: the ``TypeError`` raised instead of returning one.
_CANNOT_WAIT_NOW: ContextVar[str | None] = ContextVar("fastcors_cannot_wait_now", default=None)


@contextlib.contextmanager
def verdicts_now(error: str) -> Iterator[None]:
    """Within it, a verdict that would have to be awaited raises ``TypeError(error)`` instead (the
    awaitable closed, never left unawaited): for callers that cannot wait."""
    token = _CANNOT_WAIT_NOW.set(error)
    try:
        yield
    finally:
        _CANNOT_WAIT_NOW.reset(token)


class _Lookup(NamedTuple):
    """A lookup of the function: its number, in the order lookups started, and when it started."""

    number: int
    started: float


class _Entry(NamedTuple):
    verdict: bool
    expires: float
    #: The number of the lookup that gave the verdict.
    lookup: int


def monotonic() -> float:
    """The cache's clock (a function of this module, so tests can move time on)."""
    return time.monotonic()


class OriginFunc:
    """``allow_origin_func`` with its decision cache, as both cores call it."""

    __slots__ = (
        "_cache",
        "_evicted_up_to",
        "_func",
        "_lock",
        "_lookups",
        "_size",
        "_ttl",
        "counters",
        "func",
        "is_async",
    )

    def __init__(self, func: Callable[[str], Any], cache_size: int, cache_ttl: float | None) -> None:
        self.func = func
        self._func = func
        self.is_async = is_async_callable(func)
        self._size = cache_size
        self._ttl = cache_ttl
        self._cache: OrderedDict[str, _Entry] | None = OrderedDict() if cache_size else None
        self._lock = threading.Lock()
        #: Lookups started so far: the next one takes the number after it.
        self._lookups = 0
        #: The newest lookup whose verdict was evicted: an older lookup's verdict for an origin not
        #: in the cache may be older than the evicted one, and is not kept.
        self._evicted_up_to = 0
        #: The middleware's counters (its policy's ``counters``), set before the first request:
        #: the calls, the cache's answers and the failures are counted there.
        self.counters: Any = None

    def __call__(self, origin: str) -> Verdict:
        """The verdict on ``origin``: a bool, or an awaitable of one when it must be awaited."""
        return self._decide(origin, _CANNOT_WAIT_NOW.get())

    def decide_now(self, origin: str) -> bool:
        """The verdict, for ``is_allowed_origin``, which cannot wait."""
        if self.is_async:
            raise TypeError(_CANNOT_WAIT)
        verdict = self._decide(origin, _CANNOT_WAIT)
        assert isinstance(verdict, bool)  # `_decide` raises rather than return an awaitable
        return verdict

    def _decide(self, origin: str, cannot_wait: str | None) -> Verdict:
        lookup = None
        if self._cache is not None and len(origin) <= LONGEST_CACHED_ORIGIN:
            cached, lookup = self._cached_or_lookup(origin)
            if cached is not None:
                self._count("origin_func_cache_hits")
                return cached
        self._count("origin_func_calls")
        try:
            result = self._func(origin)
        except Exception:
            self._count("origin_func_errors")
            raise
        if inspect.isawaitable(result):
            if cannot_wait is not None:
                _close(result)
                raise TypeError(cannot_wait)
            return self._awaited(origin, result, lookup)
        return self._remember(origin, self._counted_check(result, origin), lookup)

    async def _awaited(self, origin: str, result: Awaitable[object], lookup: _Lookup | None) -> bool:
        try:
            answer = await result
        except Exception:  # a cancelled request is not the function's failure
            self._count("origin_func_errors")
            raise
        return self._remember(origin, self._counted_check(answer, origin), lookup)

    def _counted_check(self, verdict: object, origin: str) -> bool:
        """``_checked``, counting an answer that is no verdict as the function's error."""
        if verdict is True or verdict is False:
            return verdict
        self._count("origin_func_errors")
        return _checked(verdict, origin)

    def _count(self, key: str) -> None:
        counters = self.counters
        if counters is not None:
            counters.count(key)

    def _cached_or_lookup(self, origin: str) -> tuple[bool | None, _Lookup | None]:
        """The cached verdict, or else the number and start of the lookup about to be made."""
        assert self._cache is not None
        with self._lock:
            entry = self._cache.get(origin)
            now = monotonic()
            if entry is not None:
                if entry.expires > now:
                    self._cache.move_to_end(origin)
                    return entry.verdict, None
                del self._cache[origin]
            self._lookups += 1
            return None, _Lookup(self._lookups, now)

    def _remember(self, origin: str, verdict: bool, lookup: _Lookup | None) -> bool:
        cache = self._cache
        if cache is None or lookup is None:
            return verdict
        # From when the function was asked: what it said then is as old as the question.
        expires = math.inf if self._ttl is None else lookup.started + self._ttl
        with self._lock:
            if expires <= monotonic():
                return verdict
            entry = cache.get(origin)
            if entry is None and lookup.number < self._evicted_up_to:
                return verdict  # a newer verdict may have been cached and evicted since
            if entry is not None and entry.lookup > lookup.number:
                return verdict  # a lookup that started later has answered: it stands
            cache[origin] = _Entry(verdict, expires, lookup.number)
            cache.move_to_end(origin)
            while len(cache) > self._size:
                _, evicted = cache.popitem(last=False)
                self._evicted_up_to = max(self._evicted_up_to, evicted.lookup)
        return verdict

    def cache_len(self) -> int:
        """How many verdicts the cache holds now (expired ones included until next asked)."""
        if self._cache is None:
            return 0
        with self._lock:
            return len(self._cache)


_CANNOT_WAIT = (
    "allow_origin_func is asynchronous, and is_allowed_origin cannot wait for it: requests await it "
    "themselves; to ask it directly, await the function"
)


def is_async_callable(func: object) -> bool:
    """``async def``, or an object whose ``__call__`` is."""
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(type(func).__call__)


def _close(awaitable: object) -> None:
    """Closes an awaitable nobody will await, so that it is not reported as never awaited."""
    close = getattr(awaitable, "close", None)
    if callable(close):
        close()


def _checked(verdict: object, origin: str) -> bool:
    if verdict is True or verdict is False:
        return verdict
    raise TypeError(
        f"{FUNC} must return True or False, and returned {verdict!r} for {origin!r}; "
        "the origin is not allowed on a guess: return a bool"
    )


def build_origin_func(func: object, cache_size: object, cache_ttl: object) -> OriginFunc | None:
    """Checks the three options and builds what the cores call, or ``None`` without a callable."""
    if func is None:
        for name, value in ((SIZE, cache_size), (TTL, cache_ttl)):
            if value is not None:
                raise ValueError(
                    f"{name}={value!r} has nothing to cache without {FUNC}: pass {FUNC}, or drop {name}"
                )
        return None
    if not callable(func):
        raise TypeError(f"{FUNC} must be a callable (origin: str) -> bool, sync or async, not {func!r}")
    if isinstance(func, SharedOrigins):
        for name, value in ((SIZE, cache_size), (TTL, cache_ttl)):
            if value is not None:
                raise ValueError(
                    f"{name}={value!r} would keep the answers of {type(func).__name__}, which answers "
                    f"from memory already, after an origin is removed: drop {name}"
                )
    size = 0
    if cache_size is not None:
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise ValueError(
                f"{SIZE} must be a number of origins (an int, 0 for no cache), not {cache_size!r}; "
                f"write {SIZE}=1024"
            )
        size = cache_size
    ttl: float | None = None
    if cache_ttl is not None:
        if (
            isinstance(cache_ttl, bool)
            or not isinstance(cache_ttl, (int, float))
            or not math.isfinite(cache_ttl)
            or cache_ttl <= 0
        ):
            raise ValueError(f"{TTL} must be a positive number of seconds, not {cache_ttl!r}; write {TTL}=60")
        if not size:
            raise ValueError(
                f"{TTL}={cache_ttl!r} needs {SIZE}, the number of origins to remember: "
                f"write {SIZE}=1024 as well"
            )
        ttl = float(cache_ttl)
    return OriginFunc(func, size, ttl)


async def continue_preflight(
    verdict: Awaitable[bool], policy: Any, request_headers: list[Any], send: Send
) -> None:
    """A preflight waiting for ``allow_origin_func``: awaits the verdict, then answers."""
    start, end = policy.finish_preflight(request_headers, await verdict)
    await send(start)
    await send(end)


async def continue_response_start(
    verdict: Awaitable[bool],
    policy: Any,
    message: Message,
    request_headers: list[Any],
    send: Send,
    reported_method: Any = None,
) -> None:
    """A response start waiting for ``allow_origin_func``: awaits the verdict, edits, forwards. A
    refusal is reported with ``reported_method``, the request's method (``None``: not reported)."""
    policy.finish_response_start(message, request_headers, await verdict, reported_method)
    await send(message)

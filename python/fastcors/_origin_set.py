"""Origins kept in memory and replaced whole by a source outside the process (Redis), and read by
requests without a call: ``SharedOrigins``, the base class of such sources, and ``OriginSet``, the
pure core's copy of their set (the twin of ``rust/origin_set.rs``, which the compiled core reads).

A source passed as ``allow_origin_func`` is recognised by both cores: each policy makes its own
copy of the set (an ``OriginSet`` of its core) and ``attach``-es it, and the source replaces every
copy at each change. Requests then read the copy, as they read a static ``allow_origins``.

A set is trusted until a deadline that each successful load pushes back: past it (a source
that has not heard from its store for too long), or before the first load, nothing is allowed.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable
from time import monotonic
from typing import Protocol


class OriginCopy(Protocol):
    """A policy's copy of a shared set: ``OriginSet`` here, ``fastcors._fastcors.OriginSet``."""

    def replace(self, origins: Iterable[bytes], trusted_for: float) -> None: ...
    def expire(self) -> None: ...
    def __contains__(self, origin: bytes) -> bool: ...


class OriginSet:
    """The origins a shared source allows, as the pure core reads them: the raw (latin-1) bytes of
    each origin, and until when they may be trusted. Replaced whole, in one assignment, so a
    reader sees the old set or the new one, never a mix."""

    __slots__ = ("__weakref__", "_snapshot")

    def __init__(self) -> None:
        #: The origins, and the clock's reading until which they are trusted (``-inf``: never).
        self._snapshot: tuple[frozenset[bytes], float] = (frozenset(), -math.inf)

    def replace(self, origins: Iterable[bytes], trusted_for: float) -> None:
        """Serves ``origins`` from now on, trusted for ``trusted_for`` seconds."""
        if not trusted_for >= 0:
            raise ValueError(f"trusted_for must be a number of seconds, not {trusted_for}")
        self._snapshot = (frozenset(origins), monotonic() + trusted_for)

    def expire(self) -> None:
        """Stops trusting the set: nothing is allowed until the next ``replace``."""
        self._snapshot = (self._snapshot[0], -math.inf)

    @property
    def trusted(self) -> bool:
        """Whether the set is still trusted."""
        return monotonic() < self._snapshot[1]

    def __contains__(self, origin: bytes) -> bool:
        """Whether ``origin`` is allowed: in the set, and the set trusted."""
        origins, trusted_until = self._snapshot
        return origin in origins and monotonic() < trusted_until


class SharedOrigins:
    """A source of allowed origins that keeps them in memory: the base class that makes both
    cores answer from their own copy of its set, with no call on any request.

    Used as ``allow_origin_func``, it answers ``origin in the set`` synchronously; its answers are
    never cached (``allow_origin_func_cache_size`` is refused), so a removal takes effect at once.
    Subclasses call ``_publish`` with each new set, and ``_expire`` when it can no longer be
    trusted.
    """

    def __init__(self) -> None:
        self._own = OriginSet()
        self._copies: weakref.WeakSet[OriginCopy] = weakref.WeakSet()
        self._origins: frozenset[bytes] = frozenset()
        self._trusted_until = -math.inf
        #: Set by ``_end``: a publication already under way when the source closed (a reload that
        #: outlived ``close()``'s wait) must not trust the set again.
        self._ended = False
        #: Orders publications and attachments: a copy attached during a publication gets the
        #: newer set, never an older one after it.
        self._publishing = threading.Lock()

    def __call__(self, origin: str) -> bool:
        """Whether ``origin`` is allowed now (``allow_origin_func``'s question)."""
        try:
            raw = origin.encode("latin-1")
        except (UnicodeEncodeError, AttributeError):
            return False  # no browser's Origin, and never in the set, which holds ASCII only
        return raw in self._own

    def attach(self, copy: OriginCopy) -> None:
        """Keeps ``copy`` (a policy's) in step with the set, from now on; weakly, so that a
        policy's end ends its copy's updates."""
        with self._publishing:
            self._push(copy)
            self._copies.add(copy)

    def _publish(self, origins: Iterable[bytes], trusted_for: float) -> None:
        """Serves ``origins`` everywhere from now on, trusted for ``trusted_for`` seconds."""
        with self._publishing:
            if self._ended:
                return
            self._origins = frozenset(origins)
            self._trusted_until = monotonic() + trusted_for
            for copy in (self._own, *self._copies):
                self._push(copy)

    def _expire(self) -> None:
        """Stops trusting the set everywhere: nothing is allowed until the next ``_publish``."""
        with self._publishing:
            self._trusted_until = -math.inf
            for copy in (self._own, *self._copies):
                copy.expire()

    def _end(self) -> None:
        """Stops trusting the set everywhere, for good: later publications are ignored."""
        with self._publishing:
            self._ended = True
        self._expire()

    def _push(self, copy: OriginCopy) -> None:
        remaining = self._trusted_until - monotonic()
        if remaining > 0:
            copy.replace(self._origins, remaining)
        else:
            copy.expire()


def shared_source(func: object) -> SharedOrigins | None:
    """``func`` when the cores may answer from their copies of its set instead of calling it: a
    ``SharedOrigins`` whose class keeps the base ``__call__``. A subclass that overrides
    ``__call__`` is asked as any ``allow_origin_func`` is, so that its override decides."""
    if isinstance(func, SharedOrigins) and type(func).__call__ is SharedOrigins.__call__:
        return func
    return None

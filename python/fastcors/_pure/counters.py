"""What a policy has served, counted (the twin of ``rust/counters.rs``).

Each counter is an ``itertools.count``, advanced by ``next``: that is one call into C which no
other thread can interleave, under the GIL (the object is advanced inside one C function, with no
bytecode boundary), and without it (CPython 3.13 made ``count.__next__`` a compare-and-swap loop
in free-threaded builds, python/cpython#117657). ``self.x += 1`` on an ``int`` is a read, an add
and a write, which a thread switch between them makes lose an update; a lock per count would
cost more than the rest of the bookkeeping. A count's value is read from its ``repr``
(``count(5)``), the only way ``itertools.count`` offers without advancing it; a read is rare (a
scrape), and ``count`` never switches to its slow arbitrary-precision mode below ``2**63 - 1``.
Without the GIL, ``repr`` read the count with a plain load until CPython made it atomic
(python/cpython#153908): a word-sized aligned load, which returns the value before or after a
concurrent ``next``, never a torn one, on the platforms CPython supports free-threaded.
"""

from __future__ import annotations

from itertools import count

from fastcors._constants import (
    COUNTER_NAMES,
    FAILURE_HEADERS,
    FAILURE_METHOD,
    FAILURE_ORIGIN,
)

#: The key a preflight counts under, by its failure bits: ``preflight_allowed``, or its first
#: failure, in Starlette's order (origin, method, headers, private network).
_BY_FAILURES = tuple(
    "preflight_allowed"
    if not bits
    else "preflight_refused_origin"
    if bits & FAILURE_ORIGIN
    else "preflight_refused_method"
    if bits & FAILURE_METHOD
    else "preflight_refused_headers"
    if bits & FAILURE_HEADERS
    else "preflight_refused_private_network"
    for bits in range(16)
)
_PREFIX = len("count(")

#: The reasons a preflight is refused for: ``preflight_refused`` is their sum.
_REFUSAL_REASONS = (
    "preflight_refused_origin",
    "preflight_refused_method",
    "preflight_refused_headers",
    "preflight_refused_private_network",
)
#: The counters the host counts (what only Python sees); the policy counts the others itself.
HOST_COUNTED = ("origin_func_calls", "origin_func_cache_hits", "origin_func_errors", "shadow_differences")


class Counters:
    """The counters of one policy, and of every policy that replaced it (``reconfigure``):
    counters are the middleware's, not its configuration's.

    The counters a request advances are attributes, for the policy to advance with one ``next``
    and no call of a method of its own (a Python call costs more than the count). A refused
    preflight is counted once, under its first failure: ``preflight_refused`` is their sum."""

    __slots__ = (
        "_counts",
        "no_origin",
        "preflight_by_failures",
        "requests",
        "simple_allowed",
        "simple_refused",
        "websocket_refused",
    )

    def __init__(self) -> None:
        counts = self._counts = {name: count() for name in COUNTER_NAMES if name != "preflight_refused"}
        self.requests = counts["requests"]
        self.no_origin = counts["no_origin"]
        self.simple_allowed = counts["simple_allowed"]
        self.simple_refused = counts["simple_refused"]
        self.websocket_refused = counts["websocket_refused"]
        #: By a preflight's failure bits: ``preflight_allowed``, or its first failure's counter.
        self.preflight_by_failures = tuple(counts[key] for key in _BY_FAILURES)

    def count(self, key: str) -> None:
        """Adds one to the counter ``key``, one of those the host counts (``HOST_COUNTED``)."""
        if key not in HOST_COUNTED:
            raise KeyError(
                f"no counter named '{key}' is counted from Python; those are {', '.join(HOST_COUNTED)}"
            )
        next(self._counts[key])

    def stats(self) -> dict[str, int]:
        """Every counter's value now, in the order of ``COUNTER_NAMES``."""
        values = {name: int(repr(counter)[_PREFIX:-1]) for name, counter in self._counts.items()}
        values["preflight_refused"] = sum(values[reason] for reason in _REFUSAL_REASONS)
        return {name: values[name] for name in COUNTER_NAMES}

"""A ``prometheus_client`` collector for ``CORSMiddleware.stats()``: install it with
``pip install 'fastcors[prometheus]'``.

The collector reads a snapshot of the middleware's counters at each scrape; counting itself is
always on, and costs nothing here between scrapes. It exposes, for each middleware it is given:

``fastcors_requests_total{middleware, route, outcome}``
    requests by outcome: ``no_origin``, ``simple_allowed``, ``simple_refused``,
    ``preflight_allowed``, ``preflight_refused`` and ``websocket_refused`` (the keys of
    ``stats()`` of those names).
``fastcors_http_requests_total{middleware, route}``
    every HTTP request the middleware saw (``stats()["requests"]``), with or without an ``Origin``.
``fastcors_preflight_refusals_total{middleware, route, reason}``
    refused preflights by their first failing check: ``origin``, ``method``, ``headers``,
    ``private_network``.
``fastcors_origin_func_total{middleware, route, event}``
    ``allow_origin_func``'s ``calls``, ``cache_hits`` and ``errors``.
``fastcors_shadow_differences_total{middleware, route}``
    requests the ``shadow`` configuration would have answered otherwise
    (``stats()["shadow_differences"]``), counted at the top level alone (``route=""``).

``route`` is empty for the middleware's own policy (the requests under no route), and each
route's prefix for its own (``routes={"/admin": {...}}``: ``route="/admin"``); under a route whose
options are ``None`` (CORS off), only ``fastcors_http_requests_total`` counts. Several
middlewares may share a registry, each collector under a ``name`` of its own. Counters are per
process: see
https://github.com/fastcors/fastcors/blob/main/docs/counters.md for several workers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

try:
    from prometheus_client.core import REGISTRY, CounterMetricFamily
    from prometheus_client.registry import Collector, CollectorRegistry
except ImportError as _missing:  # private: not a name of the module's API
    raise ImportError(
        "fastcors.prometheus needs prometheus_client: pip install 'fastcors[prometheus]'"
    ) from _missing

if TYPE_CHECKING:
    from fastcors import CORSMiddleware

#: ``fastcors_requests_total``'s ``outcome`` label values: the ``stats()`` keys of the same names.
OUTCOMES = (
    "no_origin",
    "simple_allowed",
    "simple_refused",
    "preflight_allowed",
    "preflight_refused",
    "websocket_refused",
)
#: ``fastcors_preflight_refusals_total``'s ``reason`` label values, after ``preflight_refused_``.
REASONS = ("origin", "method", "headers", "private_network")
#: ``fastcors_origin_func_total``'s ``event`` label values, after ``origin_func_``.
ORIGIN_FUNC_EVENTS = ("calls", "cache_hits", "errors")
#: The ``route`` label of the middleware's own policy (``stats(route=None)``).
TOP_LEVEL = ""


class CORSCollector(Collector):
    """Exposes a ``CORSMiddleware``'s counters to Prometheus, labelled ``middleware=name``.

    Registered on ``registry`` (the default registry unless given; ``None``: not registered).
    Several middlewares share a registry, each under a name of its own: their series go out
    together, one metric family each, told apart by the ``middleware`` label, through one
    collector the registry holds for all of them; so ``unregister()`` removes one, not
    ``registry.unregister(collector)``.

    >>> from prometheus_client import CollectorRegistry, generate_latest
    >>> from fastcors import CORSMiddleware
    >>> async def app(scope, receive, send): ...
    >>> cors = CORSMiddleware(app, allow_origins=["https://example.org"])
    >>> registry = CollectorRegistry()
    >>> collector = CORSCollector(cors, name="api", registry=registry)
    >>> line = 'fastcors_requests_total{middleware="api",outcome="preflight_refused",route=""} 0.0'
    >>> line in generate_latest(registry).decode()
    True
    """

    def __init__(
        self,
        middleware: CORSMiddleware,
        name: str = "api",
        registry: CollectorRegistry | None = REGISTRY,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"name={name!r} must be a non-empty str, the middleware's label in every sample: "
                "write name='api'"
            )
        stats = getattr(middleware, "_stats_by_route", None)
        if not callable(stats):
            raise TypeError(
                f"CORSCollector reads a fastcors CORSMiddleware's stats(), and {middleware!r} has "
                "none: pass the CORSMiddleware instance itself"
            )
        self._middleware = middleware
        self._name = name
        self._registry = registry
        if registry is not None:
            _join(registry, self)

    def unregister(self) -> None:
        """Removes the middleware's series from the registry: they are gone from the next
        scrape, and the registry no longer holds the middleware."""
        registry, self._registry = self._registry, None
        if registry is None:
            raise ValueError(
                f"CORSCollector(name={self._name!r}) is on no registry: it was built with "
                "registry=None, or unregistered already"
            )
        with _COLLECTORS_LOCK:
            collectors = _COLLECTORS.get(registry)
            if collectors is not None and collectors.remove(self):
                del _COLLECTORS[registry]
                with contextlib.suppress(KeyError):  # unregistered by its registry's owner already
                    registry.unregister(collectors)

    def collect(self) -> Iterator[CounterMetricFamily]:
        """One snapshot of the counters, as five counter families, each with one series set per
        policy: the top level's (``route=""``), then each route's; and the shadow's differences,
        counted at the top level."""
        return _families((self,))


class _RegistryCollectors(Collector):
    """Every ``CORSCollector`` of one registry, registered on it once, in their place:
    ``prometheus_client`` refuses two collectors of the same metric names on one registry, and
    an exposition may hold each family once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, CORSCollector] = {}

    def add(self, collector: CORSCollector) -> None:
        with self._lock:
            if collector._name in self._by_name:
                raise ValueError(
                    f"a CORSCollector named {collector._name!r} is already registered on this "
                    "registry, and its samples would be told apart from this one's by nothing: "
                    "give each middleware a name of its own, name='admin' say"
                )
            self._by_name[collector._name] = collector

    def remove(self, collector: CORSCollector) -> bool:
        """Removes ``collector``; whether none is left."""
        with self._lock:
            if self._by_name.get(collector._name) is collector:
                del self._by_name[collector._name]
            return not self._by_name

    def describe(self) -> list[CounterMetricFamily]:
        """The families, without samples: the names the registry checks for clashes."""
        return list(_families(()))

    def collect(self) -> Iterator[CounterMetricFamily]:
        with self._lock:
            collectors = tuple(self._by_name.values())
        return _families(collectors)


_COLLECTORS: WeakKeyDictionary[CollectorRegistry, _RegistryCollectors] = WeakKeyDictionary()
_COLLECTORS_LOCK = threading.Lock()


def _join(registry: CollectorRegistry, collector: CORSCollector) -> None:
    """Adds ``collector`` to the collectors of ``registry``, registered on it with the first of
    them (again, if the registry's owner unregistered them: clearing a registry between tests is
    common). Under the lock ``unregister`` takes, so that a collector never joins collectors the
    last one to leave has just taken off the registry."""
    with _COLLECTORS_LOCK:
        collectors = _COLLECTORS.get(registry)
        if collectors is None or not _still_registered(registry, collectors):
            collectors = _RegistryCollectors()
            registry.register(collectors)
            _COLLECTORS[registry] = collectors
        collectors.add(collector)


def _still_registered(registry: CollectorRegistry, collectors: _RegistryCollectors) -> bool:
    """Whether ``collectors`` are on ``registry`` still, as far as it tells (a registry that is
    not prometheus_client's own, or a version that keeps no such map, is taken at its word)."""
    registered = getattr(registry, "_collector_to_names", None)
    return not isinstance(registered, dict) or collectors in registered


def _families(collectors: tuple[CORSCollector, ...]) -> Iterator[CounterMetricFamily]:
    """The five families, with one snapshot of each collector's middleware."""
    requests = CounterMetricFamily(
        "fastcors_requests",
        "Requests a fastcors CORSMiddleware answered, by outcome.",
        labels=["middleware", "route", "outcome"],
    )
    seen = CounterMetricFamily(
        "fastcors_http_requests",
        "HTTP requests a fastcors CORSMiddleware saw, with or without an Origin.",
        labels=["middleware", "route"],
    )
    refusals = CounterMetricFamily(
        "fastcors_preflight_refusals",
        "Refused preflights, by their first failing check.",
        labels=["middleware", "route", "reason"],
    )
    origin_func = CounterMetricFamily(
        "fastcors_origin_func",
        "allow_origin_func's calls, cache hits and errors.",
        labels=["middleware", "route", "event"],
    )
    shadow = CounterMetricFamily(
        "fastcors_shadow_differences",
        "Requests the shadow configuration would have answered otherwise.",
        labels=["middleware", "route"],
    )
    for collector in collectors:
        for route, stats in collector._middleware._stats_by_route().items():
            labels = (collector._name, route)
            for outcome in OUTCOMES:
                requests.add_metric([*labels, outcome], stats[outcome])
            seen.add_metric(list(labels), stats["requests"])
            for reason in REASONS:
                refusals.add_metric([*labels, reason], stats[f"preflight_refused_{reason}"])
            for event in ORIGIN_FUNC_EVENTS:
                origin_func.add_metric([*labels, event], stats[f"origin_func_{event}"])
            if not route:
                shadow.add_metric(list(labels), stats["shadow_differences"])
    yield requests
    yield seen
    yield refusals
    yield origin_func
    yield shadow


__all__ = ["OUTCOMES", "CORSCollector"]

"""Routes: path prefixes matched on whole segments, the longest one winning, in a tree of segments
(the twin of ``rust/routes.rs``), so that finding a request's route costs one lookup per segment
of its path, whatever the number of routes.

A prefix is ``/`` or ``/a/b`` (checked by ``fastcors._routes``: no empty segment, no trailing
``/``); it matches a path equal to it or continuing with ``/``: ``/public`` matches ``/public`` and
``/public/x``, not ``/publication``.

The middleware walks the tree in its own ``__call__`` (a call per request costs more than the
walk); ``Routes.find`` is the same walk, for everyone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from fastcors._pure.counters import Counters

#: A node: ``{segment: node}``, and under the key ``None`` (never a segment) the value of the
#: longest prefix that ends at or above it, or ``None`` when no prefix does.
Node = dict[Any, Any]

_Value = TypeVar("_Value")


class CorsOff:
    """The value of a route whose ``None`` turns CORS off: the app alone answers under it, and
    ``requests`` counts its HTTP requests (``CORSMiddleware.stats(route=...)`` reads them)."""

    __slots__ = ("requests",)

    def __init__(self, counters: Counters) -> None:
        self.requests = counters.requests

    def __repr__(self) -> str:
        return "CorsOff()"


class Routes(Generic[_Value]):
    """The routes' prefixes as a tree of segments, each node holding the value of the longest
    prefix that ends at or above it, so that a walk ends on its answer.

    ``tree`` is a node above the root prefix's, whose one child is the root, under the segment
    ``""``: ``path.split("/", splits)`` starts with ``""`` for a path starting with ``/``, so the
    walk needs no other check, and a path that does not start with ``/`` stops there, matching
    only the root prefix. ``splits`` is the most segments of any prefix, plus one: a path's later
    segments cannot change its route, so they stay in one piece, unsplit.
    """

    __slots__ = ("splits", "tree")

    def __init__(self, routes: Iterable[tuple[str, _Value]]) -> None:
        root: Node = {None: None}
        depth = 0
        for prefix, value in routes:
            if value is None:
                raise ValueError("a route's value cannot be None; use a CorsOff")
            node = root
            segments = [] if prefix == "/" else prefix[1:].split("/")
            for segment in segments:
                node = node.setdefault(segment, {None: None})
            node[None] = value
            depth = max(depth, len(segments))
        _inherit(root, None)
        self.tree: Node = {None: root[None], "": root}
        self.splits = depth + 1

    def find(self, path: object) -> _Value | None:
        """The value of the longest prefix that matches ``path`` on whole segments, or ``None``
        when none does. A path that is not a ``str`` matches as ``""``: the root prefix only."""
        node = self.tree
        if path.__class__ is str:
            for segment in path.split("/", self.splits):
                if segment not in node:
                    break
                node = node[segment]
        found: _Value | None = node[None]
        return found


def _inherit(node: Node, value: object) -> None:
    """Gives each node under ``node`` without a value of its own the value of its closest
    ancestor that has one (``value`` for ``node`` itself)."""
    stack = [(node, value)]
    while stack:
        node, value = stack.pop()
        if node[None] is None:
            node[None] = value
        stack.extend((child, node[None]) for segment, child in node.items() if segment is not None)


def route_policies(entries: Iterable[tuple[bytes, Any]]) -> Routes[Any]:
    """``CorsConfig.routes`` (each prefix to its policy, or to the counters of its requests where
    CORS is off) as routes whose values are their policies, or a ``CorsOff``."""
    return Routes(
        (prefix.decode("utf-8", "surrogatepass"), CorsOff(target) if target.__class__ is Counters else target)
        for prefix, target in entries
    )

"""Routes: path prefixes matched on whole segments, the longest one winning, in a tree of segments
(the twin of ``rust/routes.rs``), so that finding a request's route costs one lookup per segment
of its path, whatever the number of routes.

A prefix is ``/`` or ``/a/b`` (checked by ``fastcors._routes``: no empty segment, no trailing
``/``); it matches a path equal to it or continuing with ``/``: ``/public`` matches ``/public`` and
``/public/x``, not ``/publication``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: A node: ``[route position or -1, {segment: node}]``; lists, for the fewest lookups per segment.
_Node = list[Any]


class Routes:
    """The routes' prefixes as a tree of segments; a route is known by its position in the list it
    was built from."""

    __slots__ = ("_depth", "_root")

    def __init__(self, prefixes: Iterable[str]) -> None:
        self._root: _Node = [-1, {}]
        #: The most segments of any prefix: a path's later segments cannot change its route.
        self._depth = 0
        for position, prefix in enumerate(prefixes):
            node = self._root
            segments = _segments(prefix)
            for segment in segments:
                node = node[1].setdefault(segment, [-1, {}])
            node[0] = position
            self._depth = max(self._depth, len(segments))

    def find(self, path: object) -> int:
        """The position of the longest prefix that matches ``path`` on whole segments, or -1 when
        none does. A path that is not a ``str`` starting with ``/`` matches only the root prefix."""
        node = self._root
        found: int = node[0]
        if path.__class__ is not str or not path.startswith("/"):
            return found
        # At most `depth` segments matter: the rest of a long path stays in one piece, unsplit.
        segments: list[str] = path.split("/", self._depth + 1)
        for segment in segments[1 : self._depth + 1]:
            node = node[1].get(segment)
            if node is None:
                break
            if node[0] >= 0:
                found = node[0]
        return found


class RoutePolicies:
    """``CorsConfig.routes``: the routes' tree, and each route's policy (``None`` where CORS is
    off), by position."""

    __slots__ = ("policies", "routes")

    def __init__(self, entries: Iterable[tuple[bytes, Any]]) -> None:
        entries = tuple(entries)
        self.routes = Routes(prefix.decode("utf-8", "surrogatepass") for prefix, _ in entries)
        self.policies: tuple[Any, ...] = tuple(policy for _, policy in entries)

    def find(self, scope: Any) -> int:
        """The position of the route of ``scope["path"]``, or -1 for the top level. A scope
        without a path (lifespan) is matched as the empty path: the root prefix only."""
        try:
            path = scope["path"]
        except KeyError:
            path = ""
        return self.routes.find(path)


def _segments(prefix: str) -> list[str]:
    return [] if prefix == "/" else prefix[1:].split("/")

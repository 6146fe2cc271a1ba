"""Matching ``allow_origin_patterns`` (the twin of ``rust/origin_patterns.rs``).

Matching splits the host into labels and walks a tree of the patterns' suffixes from the right, one
dictionary lookup per label: linear in the Origin's length whatever the number of patterns. The
patterns reach a core checked (``fastcors._origin_patterns.validate_patterns``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastcors._origin_patterns import ANY_PORT, DEFAULT_PORTS, Port, split_port

_DNS_HOST = re.compile(rb"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_IPV6_HOST = re.compile(rb"\[[0-9a-f:.]+\]")
_PORT = re.compile(rb"[1-9][0-9]{0,4}")


class OriginPatterns:
    """The patterns, indexed for matching an Origin in time linear in its length."""

    __slots__ = ("_any_port", "_exact", "_tree")

    def __init__(self, patterns: Iterable[bytes]) -> None:
        #: Whole origins, for patterns without ``*``.
        self._exact: set[bytes] = set()
        #: ``scheme://host`` of patterns ``scheme://host:*``.
        self._any_port: set[bytes] = set()
        #: The wildcard patterns' suffixes, label by label from the right; a node's ``None`` key
        #: holds the ``(scheme, port)`` of the patterns ``scheme://*.<suffix so far>[:port]``.
        self._tree: dict[Any, Any] = {}
        for pattern in patterns:
            self._add(pattern)

    def __bool__(self) -> bool:
        return bool(self._exact or self._any_port or self._tree)

    def _add(self, pattern: bytes) -> None:
        text = pattern.decode("ascii")
        scheme, _, authority = text.partition("://")
        host, port_text = split_port(authority)
        port: Port = None if port_text is None else ANY_PORT if port_text == "*" else int(port_text)
        if not host.startswith("*."):
            if port == ANY_PORT:
                self._any_port.add(f"{scheme}://{host}".encode("ascii"))
            else:
                self._exact.add(pattern)
            return
        node = self._tree
        for label in reversed(host[2:].split(".")):
            node = node.setdefault(label.encode("ascii"), {})
        node.setdefault(None, set()).add((scheme.encode("ascii"), port))

    def matches(self, origin: bytes) -> bool:
        """Whether a pattern matches ``origin``, as a browser would have serialised it."""
        if origin in self._exact:
            return True
        scheme, separator, authority = origin.partition(b"://")
        if not separator:
            return False
        if authority.startswith(b"["):
            end = authority.find(b"]") + 1
            host, rest = authority[:end], authority[end:]
            if not _IPV6_HOST.fullmatch(host):
                return False
        else:
            host, colon, port_text = authority.partition(b":")
            rest = colon + port_text
            if not _DNS_HOST.fullmatch(host):
                return False
        port: Port = None
        if rest:
            if rest[:1] != b":" or not _PORT.fullmatch(rest, 1):
                return False
            port = int(rest[1:])
            if port > 65535 or DEFAULT_PORTS.get(scheme.decode("latin-1")) == port:
                return False
            if scheme + b"://" + host in self._any_port:
                return True
        if not self._tree or host.startswith(b"["):
            return False
        labels = host.split(b".")
        node: dict[Any, Any] | None = self._tree
        # At least one label must stay on the left of the suffix: `*.` stands for one or more.
        for index in range(len(labels) - 1, 0, -1):
            node = node.get(labels[index])  # type: ignore[union-attr]  # checked on the next line
            if node is None:
                return False
            rules = node.get(None)
            if rules and ((scheme, port) in rules or (port is not None and (scheme, ANY_PORT) in rules)):
                return True
        return False

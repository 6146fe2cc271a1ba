"""``allow_origin_patterns``: origins given as ``https://*.example.com`` or ``http://localhost:*``.

A pattern is ``scheme://host[:port]``. ``*.`` as the leftmost label of the host stands for one or
more whole DNS labels; ``:*`` stands for any explicit port. The scheme is always exact, and without
a port only the scheme's default port (an Origin without one) matches.

Origins are matched as browsers serialise them (lowercase scheme and host, no path, no trailing
dot, no default port); anything else matches no pattern. Matching splits the host into labels and
walks a tree of the patterns' suffixes from the right, one dictionary lookup per label: linear in
the Origin's length whatever the number of patterns. ``rust/origin_patterns.rs`` is the Rust twin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

OPTION = "allow_origin_patterns"

#: The ports browsers leave out of an Origin.
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_LABEL = re.compile(r"[a-z0-9_-]+")
_IPV6 = re.compile(r"\[[0-9a-f:.]+\]")
_DNS_HOST = re.compile(rb"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_IPV6_HOST = re.compile(rb"\[[0-9a-f:.]+\]")
_PORT = re.compile(rb"[1-9][0-9]{0,4}")

#: In a parsed pattern, the port: ``None`` for the default one, ``ANY_PORT`` for ``:*``.
ANY_PORT = -1
Port = int | None


def validate_patterns(patterns: object) -> tuple[bytes, ...]:
    """The patterns as the cores take them, after checking every one.

    Every problem is reported, one line each, in a single ``ValueError`` naming the option.
    """
    if isinstance(patterns, (str, bytes)) or not isinstance(patterns, Iterable):
        raise TypeError(
            f"{OPTION} must be a list of patterns, not {type(patterns).__name__}: {patterns!r}; "
            "write ['https://*.example.com']"
        )
    items = list(patterns)
    problems: list[str] = []
    for pattern in items:
        if not isinstance(pattern, str):
            problems.append(
                f"{OPTION} contains {pattern!r}, which is not a str; write 'https://*.example.com'"
            )
            continue
        problem = pattern_problem(pattern)
        if problem is not None:
            problems.append(f"{OPTION} contains {pattern!r}: {problem}")
    if len(problems) == 1:
        raise ValueError(problems[0])
    if problems:
        raise ValueError(f"{len(problems)} problems in {OPTION}:\n" + "\n".join(f"- {p}" for p in problems))
    return tuple(pattern.encode("ascii") for pattern in items)


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with one pattern, and what to write instead; ``None`` if nothing is."""
    if pattern.strip() in ("*", "*://*"):
        return "it would match every origin; to allow every origin write allow_origins=['*']"
    if pattern.strip() != pattern:
        return f"browsers send origins without spaces; write {pattern.strip()!r}"
    scheme, separator, authority = pattern.partition("://")
    if not separator:
        if pattern == "null":
            return "the opaque origin 'null' is no pattern; list it in allow_origins if you mean it"
        return f"it has no scheme; write {'https://' + pattern!r}"
    if scheme.lower() != scheme and _SCHEME.fullmatch(scheme.lower()):
        return f"browsers send the scheme in lowercase; write {scheme.lower() + '://' + authority!r}"
    if not _SCHEME.fullmatch(scheme):
        return "the scheme must be letters, digits, '+', '-' or '.', starting with a letter, as in 'https'"
    for cut in "/?#":
        if cut in authority:
            head = authority.split(cut, 1)[0]
            return f"browsers send origins without a path, query or fragment; write {scheme + '://' + head!r}"
    if "@" in authority:
        return f"origins carry no user name; write {scheme + '://' + authority.rsplit('@', 1)[1]!r}"
    host, port_text = _split_port(authority)
    port_problem = _port_problem(scheme, host, port_text)
    if port_problem is not None:
        return port_problem
    return _host_problem(scheme, host, port_text)


def _split_port(authority: str) -> tuple[str, str | None]:
    if authority.startswith(("[", "*.[")):
        end = authority.find("]")
        if end != -1 and authority[end + 1 : end + 2] == ":":
            return authority[: end + 1], authority[end + 2 :]
        return authority, None
    host, separator, port = authority.rpartition(":")
    return (host, port) if separator else (authority, None)


def _port_problem(scheme: str, host: str, port: str | None) -> str | None:
    if port is None or port == "*":
        return None
    without = f"{scheme}://{host}"
    if not port.isascii() or not port.isdigit():
        return (
            f"the port must be a number from 1 to 65535 or '*'; write {without + ':8080'!r} "
            f"or {without + ':*'!r}"
        )
    number = int(port)
    if not 1 <= number <= 65535:
        return f"port {port} is out of range (1-65535); write {without + ':*'!r} for any port"
    if port != str(number):
        return f"browsers send ports without leading zeros; write {without + ':' + str(number)!r}"
    if DEFAULT_PORTS.get(scheme) == number:
        return f"browsers leave out the default port {number} of {scheme}; write {without!r}"
    return None


def _host_problem(scheme: str, host: str, port: str | None) -> str | None:
    suffix_port = "" if port is None else ":" + port
    if host == "*":
        return (
            f"it would match every {scheme} origin; to allow every origin write allow_origins=['*'], "
            f"or name the domain: {scheme + '://*.example.com' + suffix_port!r}"
        )
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    if "*" in name:
        return (
            "'*' may only stand for the leftmost labels ('https://*.example.com') or the port "
            "('http://localhost:*')"
        )
    fixed = f"{scheme}://{'*.' if wildcard else ''}{{}}{suffix_port}"
    if not name.isascii():
        try:
            encoded = name.encode("idna").decode("ascii")
        except UnicodeError:
            return "browsers send international domain names in their ASCII (xn--) form; write that form"
        return (
            f"browsers send international domain names in their ASCII form; write {fixed.format(encoded)!r}"
        )
    if name.lower() != name:
        return f"browsers send hosts in lowercase; write {fixed.format(name.lower())!r}"
    if name.endswith(".") and name != ".":
        return f"browsers send hosts without a trailing dot; write {fixed.format(name.rstrip('.'))!r}"
    if _IPV6.fullmatch(name):
        if wildcard:
            return "'*.' stands for DNS labels and cannot prefix an IP address; list each address"
        return None
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return (
            f"{name!r} is not a host name (labels of lowercase letters, digits, '-' and '_', "
            "separated by single dots); write a host such as 'app.example.com'"
        )
    if wildcard and len(labels) < 2:
        return (
            f"it would match every site under '.{name}'; name the domain, such as "
            f"{fixed.format('example.' + name)!r}"
        )
    return None


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
        if pattern_problem(text) is not None:
            raise ValueError(f"{OPTION} contains {text!r}, which is not a valid pattern")
        scheme, _, authority = text.partition("://")
        host, port_text = _split_port(authority)
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

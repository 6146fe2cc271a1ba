"""Configuration checks: options Starlette accepts but that are almost certainly wrong or dangerous.

Each problem is one message that names the option, quotes the value and says what to write
instead. By default each is a ``CORSConfigWarning``; ``strict=True`` raises one ``CORSConfigError``
listing them all. The checks read the options only: they never change what the middleware does.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection
from typing import Any

__all__ = ["CORSConfigError", "CORSConfigWarning", "check_configuration", "configuration_problems"]

#: Methods the Fetch standard forbids: no browser ever sends them.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
#: The longest ``Access-Control-Max-Age`` any browser honours (Firefox; Chromium caps at 7200).
LONGEST_MAX_AGE = 86400
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_REGEX_SYNTAX = re.compile(r"[\\^$\[\](){}|+?]")
#: Origins of sites no configuration means to trust, one set per scheme: a pattern that matches
#: every origin of a set matches the origins of any site of that scheme.
_UNRELATED_ORIGINS = tuple(
    tuple(
        f"{scheme}://{host}"
        for host in (
            "attacker.invalid",
            "xn--e1afmkfd.invalid",
            "evil-example.com",
            "a.b.example.net:8443",
            "127.0.0.1:1",
        )
    )
    for scheme in ("https", "http")
)
#: ``Access-Control-Max-Age`` as browsers parse it (``delta-seconds``): anything else is ignored.
_DELTA_SECONDS = re.compile(r"[0-9]+")


class CORSConfigWarning(UserWarning):
    """A configuration that is almost certainly wrong or dangerous (filter it like any warning)."""


class CORSConfigError(ValueError):
    """Raised with ``strict=True``: every problem of the configuration at once, in ``problems``."""

    def __init__(self, problems: Collection[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the CORS configuration:"
        super().__init__("\n".join([heading, *(f"- {problem}" for problem in self.problems)]))


def check_configuration(problems: list[str], *, strict: bool, stacklevel: int) -> None:
    """Warns once per problem, or raises them all together when ``strict``."""
    if not problems:
        return
    if strict:
        raise CORSConfigError(problems)
    for problem in problems:
        warnings.warn(problem, CORSConfigWarning, stacklevel=stacklevel + 1)


def configuration_problems(
    allow_origins: Any,
    allow_methods: Any,
    allow_headers: Any,
    allow_credentials: Any,
    allow_origin_regex: Any,
    expose_headers: Any,
    max_age: Any,
    check_websocket_origin: bool = False,
    allow_origin_patterns: Any = (),
) -> list[str]:
    """Every problem of a configuration, in the order of the options."""
    problems: list[str] = []
    for option, value in (
        ("allow_origins", allow_origins),
        ("allow_methods", allow_methods),
        ("allow_headers", allow_headers),
        ("expose_headers", expose_headers),
    ):
        if isinstance(value, str):
            problems.append(_bare_str(option, value))

    origins = _listed(allow_origins)
    for origin in origins:
        problem = _origin_problem(origin)
        if problem is not None:
            problems.append(problem)
    if allow_credentials and "*" in origins:
        problems.append(
            "allow_origins contains '*' and allow_credentials=True: every Origin is echoed with "
            "credentials, 'null' included, so any site can read your users' responses; list the "
            "origins you trust instead, such as allow_origins=['https://app.example.com']"
        )
    if allow_credentials and "null" in origins:
        problems.append(
            "allow_origins contains 'null' and allow_credentials=True: 'null' is the origin of "
            "sandboxed iframes and local files, which any site can create, so any site can read your "
            "users' responses; remove 'null'"
        )

    pattern = _pattern_text(allow_origin_regex)
    if pattern is not None:
        problems.extend(_regex_problems(pattern, allow_origin_regex, bool(allow_credentials)))

    for method in _listed(allow_methods):
        if method.upper() in FORBIDDEN_METHODS:
            problems.append(
                f"allow_methods contains {method!r}: browsers never send it (the Fetch standard forbids "
                f"it), so it only advertises a method; remove {method!r}"
            )
        elif method != "*" and method != method.upper():
            problems.append(
                f"allow_methods contains {method!r}: methods are compared exactly and browsers send "
                f"them uppercase, so it never matches; write {method.upper()!r}"
            )

    if allow_credentials and "*" in _listed(expose_headers):
        problems.append(
            "expose_headers contains '*' and allow_credentials=True: with credentials browsers read "
            "'*' as a header named '*', so nothing is exposed; list the header names, such as "
            "expose_headers=['X-Request-ID']"
        )

    problems.extend(_max_age_problems(max_age))
    from fastcors._origin_patterns import public_suffix_problems  # with the first middleware

    problems.extend(public_suffix_problems(allow_origin_patterns))

    if check_websocket_origin and "*" in origins:
        problems.append(
            "check_websocket_origin=True with allow_origins containing '*' allows every websocket "
            "Origin, so it checks nothing; list the origins you trust instead"
        )
    return problems


def _listed(option: Any) -> list[str]:
    """The strings of a list-like option (a bare ``str`` is reported on its own)."""
    if isinstance(option, (str, bytes)) or not isinstance(option, (list, tuple, set, frozenset, dict)):
        return []
    return [item for item in option if isinstance(item, str)]


def _bare_str(option: str, value: str) -> str:
    if option in ("allow_origins", "allow_methods"):
        effect = (
            "Starlette tests each request's value for being a substring of it, so fragments such as "
            f"{value[: max(1, len(value) // 2)]!r} and '' are allowed too"
        )
    elif option == "allow_headers":
        effect = "Starlette reads it one character at a time, so each character is a header name"
    else:
        effect = (
            f"Starlette joins its characters, so browsers get {', '.join(value[:4])!r}..., "
            "which names no header"
        )
    return f"{option} is the str {value!r}, not a list: {effect}; write [{value!r}]"


def _origin_problem(origin: str) -> str | None:
    """Why ``origin`` can never equal a browser's ``Origin``, and the origin it should be."""
    if origin in ("*", "null"):
        return None
    if "*" in origin or _REGEX_SYNTAX.search(origin):
        glob = origin.strip()
        regex = re.escape(glob).replace(r"\*", "[a-z0-9-]+")
        return (
            f"allow_origins contains {origin!r}: entries are compared exactly, so wildcard or regex "
            f"syntax never matches; write allow_origin_regex=r{regex!r}"
            if "*" in origin
            else f"allow_origins contains {origin!r}: entries are compared exactly, so regex syntax "
            f"never matches; write allow_origin_regex=r{glob!r}"
        )
    faults: list[str] = []
    text = origin
    if text != text.strip():
        faults.append("surrounding spaces")
        text = text.strip()
    if "://" not in text:
        faults.append("no scheme")
        text = "https://" + text
    scheme, _, rest = text.partition("://")
    authority, slash, path = rest.partition("/")
    if slash:
        faults.append("a trailing '/'" if not path else "a path")
    if scheme != scheme.lower() or authority != authority.lower():
        faults.append("an uppercase scheme or host")
    scheme, authority = scheme.lower(), authority.lower()
    host, colon, port = authority.rpartition(":")
    if colon and "]" not in port and _DEFAULT_PORTS.get(scheme) == port:
        faults.append(f"the default port :{port}")
        authority = host
    if not faults:
        return None
    fixed = f"{scheme}://{authority}"
    return (
        f"allow_origins contains {origin!r}: browsers send origins as scheme://host[:port], lowercase, "
        f"with no default port and nothing after the host, and this has {_and(faults)}, so it never "
        f"matches; write {fixed!r}"
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _pattern_text(regex: Any) -> str | None:
    if isinstance(regex, str):
        return regex
    pattern = getattr(regex, "pattern", None)
    return pattern if isinstance(pattern, str) else None


def _regex_problems(pattern: str, regex: Any, credentials: bool) -> list[str]:
    problems: list[str] = []
    try:
        compiled = regex if isinstance(regex, re.Pattern) else re.compile(pattern)
    except (re.error, TypeError):
        return problems  # reported by the construction itself
    matches_everything = any(
        all(compiled.fullmatch(origin) for origin in origins) for origins in _UNRELATED_ORIGINS
    )
    if credentials and matches_everything:
        problems.append(
            f"allow_origin_regex {pattern!r} matches the origins of any site and allow_credentials=True: "
            "they are echoed with credentials, so any site can read your users' "
            r"responses; match only your own hosts, such as r'https://[a-z0-9-]+\.example\.com'"
        )
    elif credentials and compiled.fullmatch("null"):
        problems.append(
            f"allow_origin_regex {pattern!r} matches 'null' and allow_credentials=True: 'null' is the "
            "origin of sandboxed iframes and local files, which any site can create; make the pattern "
            "match only your own hosts"
        )
    host_start = pattern.find("://")
    host_start = 0 if host_start < 0 else host_start + 3
    dots, runs = _wildcards(pattern, host_start)
    if dots:
        fixed = "".join("\\." if index in dots else character for index, character in enumerate(pattern))
        at = dots[0]
        left = re.search(r"[A-Za-z0-9-]*$", pattern[:at])
        right = re.match(r"[A-Za-z0-9-]*", pattern[at + 1 :])
        example = f"{left.group() if left else ''}x{right.group() if right else ''}"
        problems.append(
            f"allow_origin_regex {pattern!r} has an unescaped '.', which matches any character (so "
            f"{example!r} is allowed too); write r{fixed!r}"
        )
    for start, end in [] if matches_everything else runs:
        problems.append(
            f"allow_origin_regex {pattern!r}: {pattern[start:end]!r} in the host matches any characters, "
            "dots included, so hosts you do not own match too (such as 'evil-example.com' or "
            r"'example.com.evil.net'); match one label with '[a-z0-9-]+' followed by '\.', such as "
            r"r'https://[a-z0-9-]+\.example\.com'"
        )
    return problems


def _wildcards(pattern: str, start: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Unescaped dots meant as dots, and ``.*``/``.+`` runs not ending at a label boundary."""
    dots: list[int] = []
    runs: list[tuple[int, int]] = []
    index = start
    in_class = False
    while index < len(pattern):
        character = pattern[index]
        if character == "\\":
            index += 2
            continue
        if in_class:
            in_class = character != "]"
        elif character == "[":
            in_class = True
        elif character == ".":
            following = pattern[index + 1 : index + 2]
            if following in ("*", "+"):
                end = index + 2 + (pattern[index + 2 : index + 3] == "?")
                if not pattern.startswith("\\.", end):
                    runs.append((index, end))
                index = end
                continue
            if following not in ("?", "{"):
                dots.append(index)
        index += 1
    return dots, runs


def _max_age_problems(max_age: Any) -> list[str]:
    """Judged by what Starlette sends, ``str(max_age)``, as browsers parse it."""
    try:
        sent = str(max_age)
    except Exception:  # the construction raises it, as Starlette's does
        return []
    if _DELTA_SECONDS.fullmatch(sent) is None:
        if sent.startswith("-") and _DELTA_SECONDS.fullmatch(sent[1:]):
            return [
                f"max_age {max_age!r} is negative, which browsers ignore (they then cache preflights for "
                "5 seconds); write max_age=0 to disable caching, or a positive number of seconds"
            ]
        return [
            f"max_age {max_age!r} is not a whole number of seconds, and browsers ignore "
            f"'Access-Control-Max-Age: {sent}'; write an int, such as max_age=600"
        ]
    seconds = sent.lstrip("0")
    if len(seconds) > len(str(LONGEST_MAX_AGE)) or int(seconds or "0") > LONGEST_MAX_AGE:
        return [
            f"max_age {max_age!r} is longer than any browser honours (Firefox caps it at 86400 seconds, "
            f"Chromium at 7200); write max_age={LONGEST_MAX_AGE} or less"
        ]
    return []


def relabelled(error: TypeError | ValueError | re.error, label: str) -> Exception:
    """``error`` with ``label`` in front of its message (``routes["/admin"]: ``, ``shadow: ``),
    of the same class; a ``TypeError`` or a ``ValueError`` like it when its class takes other
    arguments than a message."""
    if isinstance(error, re.error):
        return re.error(label + error.msg, error.pattern, error.pos)
    message = label + str(error)
    try:
        return type(error)(message)
    except Exception:  # an exception class of its own signature
        return TypeError(message) if isinstance(error, TypeError) else ValueError(message)

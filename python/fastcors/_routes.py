"""``routes``: policies per path prefix, checked for people (the pure core's matcher is
``fastcors._pure.routes``, the compiled core's ``rust/routes.rs``).

``routes`` maps a path prefix to a dict of option overrides, applied over the top-level options,
or to ``None``, which turns CORS off under that prefix. A prefix is matched on whole segments
against ``scope["path"]``; the longest one wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

#: The options a route may not override, and why.
_NOT_PER_ROUTE = {
    "app": "a route's options apply to the middleware's app",
    "routes": "routes do not nest; give every prefix its own entry in the top-level routes",
    "shadow": (
        "the shadow is the whole middleware's candidate configuration; to try other options under "
        "one prefix, give the top-level shadow routes of its own: "
        'shadow={"routes": {"/admin": {...}}}'
    ),
    "on_shadow_difference": "it hears every route's differences; set it at the top level",
}
#: What servers decode in a request's path before it becomes ``scope["path"]``.
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_ESCAPED_SLASH = re.compile(r"%2[Ff]")


def route_label(prefix: str) -> str:
    """How errors and warnings name a route: ``routes["/admin"]: ``."""
    return f"routes[{_quoted(prefix)}]: "


def checked_routes(routes: object, option_names: tuple[str, ...]) -> dict[str, dict[str, Any] | None]:
    """``routes`` as a dict of prefix to its overrides (a dict of its own) or ``None``, after
    checking its shape: the prefixes, and the names of the options each route overrides."""
    if not isinstance(routes, Mapping):
        raise TypeError(
            f"routes must be a dict of path prefix to options (a dict) or None, not {routes!r}; "
            'write routes={"/public": {"allow_origins": ["*"]}, "/webhooks": None}'
        )
    checked: dict[str, dict[str, Any] | None] = {}
    for prefix, overrides in routes.items():
        _check_prefix(prefix)
        if overrides is None:
            checked[prefix] = None
            continue
        if not isinstance(overrides, Mapping):
            raise TypeError(
                f"{route_label(prefix)}must be a dict of options to override, or None to turn CORS off "
                f"under {prefix!r}, not {overrides!r}"
            )
        for name in overrides:
            _check_override_name(prefix, name, option_names)
        checked[prefix] = dict(overrides)
    return checked


def _check_prefix(prefix: object) -> None:
    if not isinstance(prefix, str):
        raise TypeError(f"routes: a path prefix must be a str such as '/admin', not {prefix!r}")
    problem = _prefix_problem(prefix)
    if problem is not None:
        raise ValueError(f"{route_label(prefix)}the path prefix {problem}: {_advice(prefix)}")


def _advice(prefix: str) -> str:
    """What to write instead of ``prefix``, checked before it is given: its path (a query or a
    fragment dropped), percent-decoded as ``scope["path"]`` is, starting with ``/``, without
    empty segments or a trailing ``/``."""
    path = prefix.split("?")[0].split("#")[0]
    decoded = unquote(path)
    fixed = "/" + "/".join(segment for segment in decoded.split("/") if segment)
    if "?" in decoded or "#" in decoded or _prefix_problem(fixed) is not None:
        return (
            "a prefix cannot hold '?', '#' or a percent-escape, and this one decodes to one, so "
            "routes cannot tell those paths apart: route the segments above them, or tell them "
            "apart in the app"
        )
    if fixed == "/":
        return (
            "it names no segment, and '/' would match every path: write the segments it is meant "
            "for, '/webhooks' say"
        )
    if decoded == path:
        return f"write {fixed!r}"
    if _ESCAPED_SLASH.search(path) is None:
        return f"write {fixed!r} (percent-decoded, as scope['path'] is)"
    return f"write {fixed!r}, which matches the request for {path!r} and the one for {fixed!r} alike"


def _prefix_problem(prefix: str) -> str | None:
    """What is wrong with ``prefix``, the first thing found, or ``None``."""
    if not prefix.startswith("/"):
        return "must start with '/'"
    if "?" in prefix or "#" in prefix:
        return "has a query or a fragment, which scope['path'] never carries"
    escape = _PERCENT_ESCAPE.search(prefix)
    if escape is not None:
        problem = (
            f"has a percent-escape ({escape.group()!r}), but scope['path'] is percent-decoded (a "
            f"request for {prefix!r} arrives as {unquote(prefix)!r}), so it never matches"
        )
        if _ESCAPED_SLASH.search(prefix) is not None:
            problem += (
                "; and an escaped '/' ('%2F') decodes to '/', which scope['path'] does not tell "
                "from a separator, so a segment with '%2F' in it cannot be routed by prefix"
            )
        return problem
    if prefix != "/" and prefix.endswith("/"):
        return (
            "ends with '/': prefixes match on whole segments, so one without it already matches "
            "every path below it"
        )
    if "//" in prefix:
        return "has an empty segment ('//')"
    return None


def _check_override_name(prefix: str, name: object, option_names: tuple[str, ...]) -> None:
    label = route_label(prefix)
    if name in _NOT_PER_ROUTE:
        raise TypeError(f"{label}{name!r} cannot be set per route: {_NOT_PER_ROUTE[name]}")
    if name not in option_names:
        allowed = ", ".join(option for option in option_names if option not in _NOT_PER_ROUTE)
        raise TypeError(f"{label}unknown option {name!r}; a route overrides the constructor's: {allowed}")


def _quoted(prefix: str) -> str:
    return '"' + prefix.replace("\\", "\\\\").replace('"', '\\"') + '"'

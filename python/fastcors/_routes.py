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
    label = f"{route_label(prefix)}the path prefix"
    # What to write instead, whatever is wrong: it passes every check below.
    fixed = _normalized(prefix)
    if not prefix.startswith("/"):
        raise ValueError(f"{label} must start with '/': write {fixed!r}")
    if "?" in prefix or "#" in prefix:
        raise ValueError(
            f"{label} has a query or a fragment, which scope['path'] never carries: write {fixed!r}"
        )
    escape = _PERCENT_ESCAPE.search(prefix)
    if escape is not None:
        raise ValueError(f"{label} {_percent_escape_problem(prefix, escape.group())}")
    if prefix != "/" and prefix.endswith("/"):
        raise ValueError(
            f"{label} ends with '/': prefixes match on whole segments, so one without it already "
            f"matches every path below it: write {fixed!r}"
        )
    if "//" in prefix:
        raise ValueError(f"{label} has an empty segment ('//'): write {fixed!r}")
    try:
        prefix.encode("utf-8", "surrogatepass")
    except UnicodeEncodeError:  # pragma: no cover - surrogatepass encodes every str
        raise ValueError(f"{label} cannot be encoded as UTF-8") from None


def _normalized(prefix: str) -> str:
    """``prefix`` as it should be written: without a query or a fragment, starting with ``/``,
    without empty segments or a trailing ``/`` (``/`` for no segment at all)."""
    path = prefix.split("?")[0].split("#")[0]
    return "/" + "/".join(segment for segment in path.split("/") if segment)


def _percent_escape_problem(prefix: str, escape: str) -> str:
    decoded = unquote(prefix)
    problem = (
        f"has a percent-escape ({escape!r}), but scope['path'] is percent-decoded (a request for "
        f"{prefix!r} arrives as {decoded!r}), so it never matches"
    )
    if _ESCAPED_SLASH.search(prefix) is None:
        return f"{problem}: write the decoded form, {decoded!r}"
    return (
        f"{problem}; and an escaped '/' ('%2F') decodes to '/', which scope['path'] does not tell "
        "from a separator, so a segment with '%2F' in it cannot be routed by prefix: write "
        f"{decoded!r}, which matches the request for {prefix!r} and the one for {decoded!r} alike"
    )


def _check_override_name(prefix: str, name: object, option_names: tuple[str, ...]) -> None:
    label = route_label(prefix)
    if name in _NOT_PER_ROUTE:
        raise TypeError(f"{label}{name!r} cannot be set per route: {_NOT_PER_ROUTE[name]}")
    if name not in option_names:
        allowed = ", ".join(option for option in option_names if option not in _NOT_PER_ROUTE)
        raise TypeError(f"{label}unknown option {name!r}; a route overrides the constructor's: {allowed}")


def _quoted(prefix: str) -> str:
    return '"' + prefix.replace("\\", "\\\\").replace('"', '\\"') + '"'

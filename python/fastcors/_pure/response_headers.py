"""Starlette's ``MutableHeaders`` edits of the app's response headers (the twin of
``rust/response_headers.rs``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastcors._pure.asgi_headers import checked_value, raise_for_malformed
from fastcors._pure.headers import VARY, VARY_ORIGIN, Header


def apply_edits(headers: list[Any], edits: Iterable[Header]) -> None:
    """Starlette's edits, in place: each header set as ``MutableHeaders`` sets it, then ``Vary``."""
    try:
        for header in edits:
            set_header(headers, header)
        vary_values = [value for name, value in headers if name == VARY and isinstance(name, bytes)]
    except (TypeError, ValueError):
        raise_for_malformed(headers)
        raise
    set_header(headers, merged_vary(vary_values))


def set_header(headers: list[Any], header: Header) -> None:
    """``MutableHeaders.__setitem__``: replace the first header of that name, drop the others."""
    name = header[0]
    found = False
    index = 0
    while index < len(headers):
        item_name, _ = headers[index]
        if item_name == name and isinstance(item_name, bytes):
            if found:
                del headers[index]
                continue
            found = True
            headers[index] = header
        index += 1
    if not found:
        headers.append(header)


def merged_vary(values: list[Any]) -> Header:
    """``", ".join([*headers.getlist("Vary"), "Origin"])``."""
    if not values:
        return VARY_ORIGIN
    return (VARY, b", ".join([*map(checked_value, values), b"Origin"]))

"""The headers the pure core reads and writes, made from the table of constants both cores share
(``fastcors._constants``)."""

from __future__ import annotations

from typing import Any

from fastcors._constants import (
    ALLOW_CREDENTIALS,
    ALLOW_HEADERS,
    ALLOW_ORIGIN,
    ALLOW_PRIVATE_NETWORK,
    CONTENT_TYPE,
    EDITED_RESPONSE_HEADERS,
    EXPOSE_HEADERS,
    MEMO_LONGEST_VALUE,
    MEMO_SIZE,
    ORIGIN,
    PREFLIGHT_REQUEST_HEADERS,
    REQUEST_HEADERS,
    REQUEST_METHOD,
    REQUEST_PRIVATE_NETWORK,
    VARY,
)
from fastcors._constants import PLAIN_TEXT as PLAIN_TEXT_VALUE

Header = tuple[bytes, bytes]

#: The request headers a preflight reads, in the order their values are checked, and as a set.
PREFLIGHT_NAMES_IN_ORDER = PREFLIGHT_REQUEST_HEADERS
PREFLIGHT_NAMES = frozenset(PREFLIGHT_REQUEST_HEADERS)
#: The response headers Starlette may set; any other header of the app's is left in place.
EDITED_NAMES = frozenset(EDITED_RESPONSE_HEADERS)
VARY_ORIGIN: Header = (VARY, b"Origin")
PLAIN_TEXT: Header = (CONTENT_TYPE, PLAIN_TEXT_VALUE)
PRIVATE_NETWORK_GRANTED: Header = (ALLOW_PRIVATE_NETWORK, b"true")
#: The spaces Python's ``str.strip`` removes, among the ASCII bytes.
ASCII_PYTHON_SPACES = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
#: An absent request header, distinct from any value a malformed scope could hold.
MISSING: Any = object()

__all__ = [
    "ALLOW_CREDENTIALS",
    "ALLOW_HEADERS",
    "ALLOW_ORIGIN",
    "ASCII_PYTHON_SPACES",
    "EDITED_NAMES",
    "EXPOSE_HEADERS",
    "MEMO_LONGEST_VALUE",
    "MEMO_SIZE",
    "MISSING",
    "ORIGIN",
    "PLAIN_TEXT",
    "PREFLIGHT_NAMES",
    "PREFLIGHT_NAMES_IN_ORDER",
    "PRIVATE_NETWORK_GRANTED",
    "REQUEST_HEADERS",
    "REQUEST_METHOD",
    "REQUEST_PRIVATE_NETWORK",
    "VARY",
    "VARY_ORIGIN",
    "Header",
]

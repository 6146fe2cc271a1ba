"""The header names, values and bounds the pure core reads and writes: its copy of the constants both
cores share (``fastcors._constants``)."""

from __future__ import annotations

from typing import Any

Header = tuple[bytes, bytes]

VARY = b"vary"
ALLOW_ORIGIN = b"access-control-allow-origin"
ALLOW_CREDENTIALS = b"access-control-allow-credentials"
EXPOSE_HEADERS = b"access-control-expose-headers"
ALLOW_HEADERS = b"access-control-allow-headers"
ORIGIN = b"origin"
REQUEST_METHOD = b"access-control-request-method"
REQUEST_HEADERS = b"access-control-request-headers"
REQUEST_PRIVATE_NETWORK = b"access-control-request-private-network"
ASCII_PYTHON_SPACES = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
PREFLIGHT_NAMES_IN_ORDER = (ORIGIN, REQUEST_METHOD, REQUEST_HEADERS, REQUEST_PRIVATE_NETWORK)
PREFLIGHT_NAMES = frozenset(PREFLIGHT_NAMES_IN_ORDER)
#: The response headers Starlette may set; any other header of the app's is left in place.
EDITED_NAMES = frozenset({VARY, ALLOW_ORIGIN, ALLOW_CREDENTIALS, EXPOSE_HEADERS})
VARY_ORIGIN: Header = (VARY, b"Origin")
PLAIN_TEXT: Header = (b"content-type", b"text/plain; charset=utf-8")
PRIVATE_NETWORK_GRANTED: Header = (b"access-control-allow-private-network", b"true")
FAILURE_NAMES = ("origin", "method", "headers", "private-network")
#: How many verdicts each memo keeps, and the longest value kept (see ``origin.remember``):
#: browsers send a handful of short origins and requested-header lists; a client sending endless
#: new or huge ones only stops the memo growing.
MEMO_SIZE = 512
MEMO_LONGEST_VALUE = 512
DEBUG = 10  # logging.DEBUG
#: An absent request header, distinct from any value a malformed scope could hold.
MISSING: Any = object()

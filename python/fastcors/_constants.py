"""The constants both cores share, for the pure-Python core: the same table as the Rust core's
``rust/constants.rs`` (exported as ``fastcors._fastcors.CONSTANTS``); ``tests/parity/test_constants.py``
fails when the two differ.
"""

from __future__ import annotations

__all__ = [
    "ALLOW_CREDENTIALS",
    "ALLOW_HEADERS",
    "ALLOW_METHODS",
    "ALLOW_ORIGIN",
    "ALLOW_PRIVATE_NETWORK",
    "CONTENT_LENGTH",
    "CONTENT_TYPE",
    "COUNTER_NAMES",
    "EDITED_RESPONSE_HEADERS",
    "EXPOSE_HEADERS",
    "FAILURE_HEADERS",
    "FAILURE_METHOD",
    "FAILURE_NAMES",
    "FAILURE_ORIGIN",
    "FAILURE_PRIVATE_NETWORK",
    "MAX_AGE",
    "MEMO_LONGEST_VALUE",
    "MEMO_SIZE",
    "ORIGIN",
    "PLAIN_TEXT",
    "PREFLIGHT_BODIES",
    "PREFLIGHT_REQUEST_HEADERS",
    "PREFLIGHT_VARY",
    "REQUEST_HEADERS",
    "REQUEST_METHOD",
    "REQUEST_PRIVATE_NETWORK",
    "VARY",
]

# Lowercase header names, as Starlette reads and writes them.
ORIGIN = b"origin"
REQUEST_METHOD = b"access-control-request-method"
REQUEST_HEADERS = b"access-control-request-headers"
REQUEST_PRIVATE_NETWORK = b"access-control-request-private-network"
VARY = b"vary"
ALLOW_ORIGIN = b"access-control-allow-origin"
ALLOW_CREDENTIALS = b"access-control-allow-credentials"
EXPOSE_HEADERS = b"access-control-expose-headers"
ALLOW_METHODS = b"access-control-allow-methods"
ALLOW_HEADERS = b"access-control-allow-headers"
MAX_AGE = b"access-control-max-age"
ALLOW_PRIVATE_NETWORK = b"access-control-allow-private-network"
CONTENT_LENGTH = b"content-length"
CONTENT_TYPE = b"content-type"

#: The request headers a preflight reads, in the order their values are checked.
PREFLIGHT_REQUEST_HEADERS = (ORIGIN, REQUEST_METHOD, REQUEST_HEADERS, REQUEST_PRIVATE_NETWORK)

#: The response headers the edits read or replace; the app's others are left where they are.
EDITED_RESPONSE_HEADERS = (VARY, ALLOW_ORIGIN, ALLOW_CREDENTIALS, EXPOSE_HEADERS)

#: What every preflight varies on, in Starlette's words.
PREFLIGHT_VARY = (
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    b"Access-Control-Request-Private-Network"
)

#: ``PlainTextResponse``'s content type.
PLAIN_TEXT = b"text/plain; charset=utf-8"

# The checks of a preflight, one bit each, in Starlette's reporting order.
FAILURE_ORIGIN = 1
FAILURE_METHOD = 2
FAILURE_HEADERS = 4
FAILURE_PRIVATE_NETWORK = 8

#: The checks' names in a refused preflight's body, bit by bit.
FAILURE_NAMES = ("origin", "method", "headers", "private-network")

#: Preflight bodies, indexed by the failure bits.
PREFLIGHT_BODIES = (
    b"OK",
    b"Disallowed CORS origin",
    b"Disallowed CORS method",
    b"Disallowed CORS origin, method",
    b"Disallowed CORS headers",
    b"Disallowed CORS origin, headers",
    b"Disallowed CORS method, headers",
    b"Disallowed CORS origin, method, headers",
    b"Disallowed CORS private-network",
    b"Disallowed CORS origin, private-network",
    b"Disallowed CORS method, private-network",
    b"Disallowed CORS origin, method, private-network",
    b"Disallowed CORS headers, private-network",
    b"Disallowed CORS origin, headers, private-network",
    b"Disallowed CORS method, headers, private-network",
    b"Disallowed CORS origin, method, headers, private-network",
)

#: How many verdicts a memo keeps, and the longest value kept: browsers send a handful of short
#: origins and requested-header lists; a client sending endless new or huge ones only stops the
#: memo growing.
MEMO_SIZE = 512
MEMO_LONGEST_VALUE = 512

#: The keys of a policy's counters (``fastcors._pure.counters``), in the order a snapshot lists them.
COUNTER_NAMES = (
    "requests",
    "no_origin",
    "simple_allowed",
    "simple_refused",
    "preflight_allowed",
    "preflight_refused",
    "preflight_refused_origin",
    "preflight_refused_method",
    "preflight_refused_headers",
    "preflight_refused_private_network",
    "websocket_refused",
    "origin_func_calls",
    "origin_func_cache_hits",
    "origin_func_errors",
    "shadow_differences",
)

"""The ``Access-Control-Request-Headers`` check, as Starlette makes it (the twin of
``rust/request_headers.rs``)."""

from __future__ import annotations

from fastcors._pure.headers import ASCII_PYTHON_SPACES
from fastcors._pure.origin import remember
from fastcors._pure.state import PolicyState


def headers_allowed(self: PolicyState, requested: bytes) -> bool:
    """Whether every requested header is allowed; remembered for plain ``bytes`` values."""
    if requested.__class__ is not bytes:
        return headers_check(self, requested)
    verdicts = self._requested_headers_verdicts
    verdict = verdicts.get(requested)
    if verdict is None:
        verdict = headers_check(self, requested)
        remember(verdicts, requested, verdict)
    return verdict


def headers_check(self: PolicyState, requested: bytes) -> bool:
    # Starlette splits on commas, lowercases and strips each item, and refuses any item it
    # does not list: so an empty value, an empty item and a trailing comma are refused.
    allowed = self._allowed_headers
    if requested.isascii():
        # ASCII: `bytes.lower` is `str.lower`, and these are all of `str.strip`'s spaces.
        return all(item.strip(ASCII_PYTHON_SPACES) in allowed for item in requested.lower().split(b","))
    text = requested.decode("latin-1")
    return all(item.lower().strip().encode("latin-1") in allowed for item in text.split(","))


def refused_request_header(self: PolicyState, requested: bytes) -> bytes:
    """The first item Starlette refuses, stripped as it strips it; only for a report."""
    text = requested.decode("latin-1")
    for item in text.split(","):
        if item.lower().strip().encode("latin-1", "replace") not in self._allowed_headers:
            return item.strip().encode("latin-1")
    return b""

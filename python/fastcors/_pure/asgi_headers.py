"""ASGI header lists read as Starlette reads them: the request's ``Origin``, values that must be bytes,
the errors for malformed items (the twin of ``rust/bindings/asgi_headers.rs``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastcors._pure.headers import MISSING, ORIGIN


def first_origin(request_headers: list[Any]) -> bytes | None:
    origin: Any = MISSING
    try:
        for name, value in request_headers:
            if name == ORIGIN:
                if not isinstance(name, bytes):
                    refuse_if_among(name, (ORIGIN,))
                origin = value
                break
    except (TypeError, ValueError):
        raise_for_malformed(request_headers)
        raise
    if origin.__class__ is bytes:
        return origin
    checked: bytes | None = checked_value(origin)
    return checked


def is_options(method: Any, request_headers: list[Any]) -> bool:
    """``method == "OPTIONS"``, asked as Starlette asks it: only of a request with an ``Origin``.
    A plain ``str`` answers without running any code, so it is asked first."""
    if method.__class__ is str:
        return method == "OPTIONS"
    return first_origin(request_headers) is not None and method == "OPTIONS"


def exact_bytes(value: bytes) -> bytes:
    """A value echoed into the response: Starlette decodes and re-encodes it, so a ``bytes``
    subclass arrives as plain ``bytes``."""
    return value if value.__class__ is bytes else b"".join((value,))


def refuse_if_among(name: object, wanted: Iterable[bytes]) -> None:
    """Raises for a name that is not bytes yet equals one the middleware reads or edits (a
    ``bytearray``, say): Starlette would match it, so ignoring it would be a silent difference."""
    if not isinstance(name, bytes) and any(name == candidate for candidate in wanted):
        raise TypeError(f"ASGI header names must be bytes, got {name!r}")


def checked_value(value: Any) -> Any:
    """A header value, which must be bytes; ``MISSING`` stands for an absent header."""
    if value is MISSING:
        return None
    if not isinstance(value, bytes):
        raise TypeError(f"ASGI header values must be bytes, got {value!r}")
    return value


def raise_for_malformed(headers: Iterable[Any]) -> None:
    """Raises the error for the first header that is not a (name, value) pair, if there is one."""
    for item in headers:
        try:
            _, _ = item
        except (TypeError, ValueError):
            raise TypeError(f"ASGI headers must be (name, value) pairs, got {item!r}") from None

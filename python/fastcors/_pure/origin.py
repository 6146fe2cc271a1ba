"""Allowed origins: Starlette's rules and the patterns, with a bounded memo of their verdicts (the twin
of ``rust/origin.rs``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fastcors._pure.headers import MEMO_LONGEST_VALUE, MEMO_SIZE
from fastcors._pure.state import PolicyState


def is_allowed_origin(self: PolicyState, origin: bytes) -> bool:
    """Starlette's own ``is_allowed_origin``, for an origin's raw (latin-1) bytes, then
    ``allow_origin_func`` when the static rules refuse it."""
    if statically_allowed(self, origin):
        return True
    if self._origin_set is not None:
        return origin in self._origin_set
    if self._origin_func is None:
        return False
    return self._origin_func.decide_now(origin.decode("latin-1"))


def ask_origin_func(self: PolicyState, origin: bytes) -> bool | Awaitable[bool]:
    """``allow_origin_func``'s verdict on an origin the static rules refuse (the twin of the Rust
    binding's ``ask_origin_func``): a shared source of origins answers from the policy's own copy
    of its set, without a call; ``False`` without a function."""
    if self._origin_set is not None:
        return origin in self._origin_set
    if self._origin_func is None:
        return False
    return self._origin_func(origin.decode("latin-1"))


def statically_allowed(self: PolicyState, origin: bytes) -> bool:
    """Starlette's rules, and the patterns; remembered for plain ``bytes`` origins."""
    verdicts = self._origin_verdicts
    if verdicts is None or origin.__class__ is not bytes:
        return static_rules_allow(self, origin)
    verdict = verdicts.get(origin)
    if verdict is None:
        verdict = static_rules_allow(self, origin)
        remember(verdicts, origin, verdict)
    return verdict


def static_rules_allow(self: PolicyState, origin: bytes) -> bool:
    if self._allow_all_origins:
        return True
    if self._origin_patterns is not None and self._origin_patterns.matches(origin):
        return True
    pattern = self._origin_pattern
    if pattern is not None and pattern.fullmatch(origin.decode("latin-1")):
        return True
    if self._origins_collection is not None:
        return origin.decode("latin-1") in self._origins_collection
    if self._origins_are_substrings:
        return any(origin in run for run in self._origins)
    return origin in self._origins


def judge_origin(self: PolicyState, origin: bytes, middleware: Any) -> bool:
    """The origin check requests get: the middleware's own ``is_allowed_origin``, called as
    Starlette calls it, where it is not Starlette's."""
    if self._origin_judged:
        if middleware is None:
            raise TypeError("this policy asks its middleware's is_allowed_origin: pass the middleware")
        return bool(middleware.is_allowed_origin(origin=origin.decode("latin-1")))
    return statically_allowed(self, origin)


def remember(verdicts: dict[bytes, bool], key: bytes, verdict: bool) -> None:
    """Keeps a verdict while the memo has room: a full memo is left as it is, so that a client
    sending new values costs no more than the check itself and the memory stays bounded.

    Safe without the GIL: each verdict depends on its key alone, so a thread that reads another's
    fresh entry reads the verdict it would have computed, and the dict's own operations are atomic.
    Threads that all saw room may overfill the memo for a moment: each then takes its own key out
    again, so the memo ends within ``MEMO_SIZE``."""
    if len(verdicts) < MEMO_SIZE and len(key) <= MEMO_LONGEST_VALUE:
        verdicts[key] = verdict
        if len(verdicts) > MEMO_SIZE:
            verdicts.pop(key, None)

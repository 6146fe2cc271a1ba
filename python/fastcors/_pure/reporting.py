"""Telling the reporter (the log and ``on_reject``) of a refusal (the twin of
``rust/bindings/reporting.rs``)."""

from __future__ import annotations

from logging import DEBUG
from typing import Any

from fastcors._pure.state import PolicyState


def report_refusal(
    self: PolicyState,
    kind: str,
    origin: bytes,
    method: Any,
    requested_headers: bytes | None,
    failures: int,
    refused_header: bytes | None,
) -> None:
    """Tells the reporter of a refusal; callers ask ``listening`` first."""
    reporter = self._reporter
    if reporter is not None:
        reporter(kind, origin, method, requested_headers, failures, refused_header)


def listening(self: PolicyState) -> bool:
    """Whether a refusal has anyone to hear it: an ``on_reject``, or a log that wants ``DEBUG``
    records (asked of ``logging`` at each refusal)."""
    log_enabled_for = self._log_enabled_for
    return self._reporter is not None and (log_enabled_for is None or log_enabled_for(DEBUG))

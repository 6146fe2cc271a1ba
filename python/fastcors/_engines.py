"""The browser engines ``python -m fastcors check`` speaks for, and where their CORS behaviour differs.

Chromium 156 (Blink) and Firefox ESR 153 (Gecko) implement the Fetch standard's CORS checks each in
its own code. On every check the tool makes they give the same verdict: the browser tests run each
``fetch()`` of their scenarios in both engines and ask the tool the same question with ``--engine``
set to each. They differ in what happens around the verdict; each rule below says which behaviour,
and why it matters to someone reading the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._fetch import Hop, Verdict

__all__ = ["ENGINES", "Engine", "EngineVerdict", "describe_engines", "engine_verdicts", "engines_as_json"]

_DELTA_SECONDS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Engine:
    """One browser engine's rules where they are not the other's."""

    name: str
    title: str
    # The longest Access-Control-Max-Age the engine honours: it reuses a preflight's answer for at
    # most this many seconds, so a server that changes its policy waits up to this long for it.
    max_age_cap: int
    # After a redirect to another origin the request's origin is tainted: the request there carries
    # Origin: null in both engines. The preflight Chromium sends there carries Origin: null too (the
    # Fetch standard's serialisation of the tainted origin); Firefox's carries the page's origin, so
    # a server that allows the page but not null passes the preflight and receives the request.
    preflight_after_a_redirect_keeps_the_origin: bool


CHROMIUM = Engine(
    "chromium",
    "Chromium",
    # Chromium's preflight cache keeps an answer two hours at most (since Chromium 76): the cap the
    # engine documents, too long to observe in a test.
    max_age_cap=7200,
    preflight_after_a_redirect_keeps_the_origin=False,
)
FIREFOX = Engine(
    "firefox",
    "Firefox",
    # Firefox's preflight cache keeps an answer a day at most: the cap the engine documents.
    max_age_cap=86400,
    preflight_after_a_redirect_keeps_the_origin=True,
)
ENGINES = {engine.name: engine for engine in (CHROMIUM, FIREFOX)}


@dataclass
class EngineVerdict:
    """One engine's verdict, and what the report must add for it."""

    engine: str
    allowed: bool
    notes: list[str] = field(default_factory=list)


def engine_verdicts(verdict: Verdict, engines: list[Engine]) -> list[EngineVerdict]:
    """The verdict in each engine: the same checks, with each engine's own notes."""
    return [EngineVerdict(engine.name, verdict.allowed, _notes(engine, verdict)) for engine in engines]


def describe_engines(in_engines: list[EngineVerdict]) -> str:
    """Each engine's verdict on one line, then its own notes, for the report."""
    verdicts = ", ".join(
        f"{ENGINES[verdict.engine].title} {'ALLOWED' if verdict.allowed else 'BLOCKED'}"
        for verdict in in_engines
    )
    lines = [f"engines: {verdicts}"]
    for verdict in in_engines:
        lines.extend(f"note ({ENGINES[verdict.engine].title}): {note}" for note in verdict.notes)
    return "\n".join(lines)


def engines_as_json(in_engines: list[EngineVerdict]) -> dict[str, dict[str, object]]:
    """Each engine's verdict and notes, by engine name, for ``--json``."""
    return {verdict.engine: {"allowed": verdict.allowed, "notes": verdict.notes} for verdict in in_engines}


def _notes(engine: Engine, verdict: Verdict) -> list[str]:
    notes = []
    max_age = _max_age(verdict)
    if max_age is not None and max_age > engine.max_age_cap:
        notes.append(
            f"{engine.title} reuses this preflight's answer for {engine.max_age_cap} s at most "
            f"(Access-Control-Max-Age: {max_age})"
        )
    hop = _preflight_after_a_redirect_to_another_origin(verdict)
    if hop is not None and engine.preflight_after_a_redirect_keeps_the_origin:
        notes.append(
            f"{engine.title} sends the preflight to {hop.url} with Origin: {verdict.origin}, not null as "
            f"this check did, then, when it passes, the request with Origin: null: that server receives "
            f"the request even if it does not allow null (check it with --origin {verdict.origin})"
        )
    return notes


def _max_age(verdict: Verdict) -> int | None:
    if verdict.preflight is None:
        return None
    values = [value for name, value in verdict.preflight.response_headers if name == "access-control-max-age"]
    if len(values) != 1 or _DELTA_SECONDS.fullmatch(values[0]) is None:
        return None
    return int(values[0])


def _preflight_after_a_redirect_to_another_origin(verdict: Verdict) -> Hop | None:
    """The first hop, after a redirect that tainted the request's origin, that sent a preflight."""
    return next((hop for hop in verdict.redirects if hop.origin == "null" and hop.preflight), None)

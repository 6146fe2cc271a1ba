"""What the biggest hostile requests cost, per request, on each core and on Starlette.

Every input of ``tests/robustness/test_hostile_input.py`` that is big (64 KiB ``Origin`` and
``Access-Control-Request-Headers`` values, 10,000-item header lists, a megabyte of commas, a
megabyte of allowed names, the worst case of the header check since every item must be looked at)
is timed through Starlette's ``CORSMiddleware`` and through ``fastcors.CORSMiddleware`` on both
cores, after checking that each sends exactly Starlette's messages. A second table grows the
inputs fourfold at each step: cost per request that grows fourfold too is linear time.

Requests are driven synchronously (``coroutine.send(None)``, no event loop); each figure is the
best of five batches of at least 50 ms. Every request gets fresh ``bytes`` objects for its big
header values, as from a server (a reused object would carry its cached hash from one request to
the next, and make set lookups in Python look free); the cost of making those copies is measured
apart and subtracted. Usage: ``python -m benchmarks.hostile_costs [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from benchmarks.harness import bare_app, drive, fastcors_on, recorded_messages
from fastcors import _pure
from fastcors._types import ASGIApp, Receive, Scope, Send

try:
    from fastcors import _fastcors
except ImportError:  # pragma: no cover - the extension was not built
    _fastcors = None  # type: ignore[assignment]

KIB = 1024
MIB = 1024 * KIB

LISTED: dict[str, Any] = {
    "allow_origins": ["https://example.org", "https://app.example.com"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["X-Token", "X-Request-ID"],
    "allow_credentials": True,
}
WILDCARDS: dict[str, Any] = {"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"]}
REGEX: dict[str, Any] = {"allow_origin_regex": r"https://.*\.example\.org", "allow_headers": ["X-Token"]}
ALLOWED = b"https://example.org"
PREFLIGHT = [(b"access-control-request-method", b"GET")]


def response_headers_app(count: int) -> ASGIApp:
    """An app whose response has ``count`` headers, one in a hundred a ``Vary`` to merge."""
    headers = [(b"vary" if i % 100 == 0 else b"x-filler", b"Accept-%d" % i) for i in range(count)]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"app"})

    return app


@dataclass(frozen=True)
class Case:
    name: str
    size: str
    options: dict[str, Any]
    method: str
    headers: list[tuple[bytes, bytes]]
    app: ASGIApp = bare_app

    def scope(self) -> Scope:
        """A scope whose big header values are fresh objects, as each request's are on a server."""
        headers = [
            (name, fresh(value)) if len(value) >= 256 else (name, value) for name, value in self.headers
        ]
        return {"type": "http", "method": self.method, "path": "/", "headers": headers}


def fresh(value: bytes) -> bytes:
    """An equal ``bytes`` object that is not ``value`` (``bytes(value)`` would be ``value`` itself)."""
    return memoryview(value).tobytes()


def acrh(value: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"origin", ALLOWED), (b"access-control-request-headers", value), *PREFLIGHT]


def allowed_names(size: int) -> bytes:
    """``x-token,`` repeated to ``size`` bytes, then one last allowed name: every item is allowed."""
    return b"x-token," * (size // 8) + b"X-Request-ID"


def cases(quick: bool) -> list[Case]:
    big = 256 * KIB if quick else MIB
    big_label = "256 KiB" if quick else "1 MiB"
    return [
        Case("Origin, not listed", "64 KiB", LISTED, "GET", [(b"origin", b"https://" + b"a" * 64 * KIB)]),
        Case(
            "Origin, matched by the regex",
            "64 KiB",
            REGEX,
            "GET",
            [(b"origin", b"https://" + b"a" * 64 * KIB + b".example.org")],
        ),
        Case(
            "Origin in a preflight", "64 KiB", LISTED, "OPTIONS", [(b"origin", b"a" * 64 * KIB), *PREFLIGHT]
        ),
        Case("ACRH, one long name", "64 KiB", LISTED, "OPTIONS", acrh(b"x" * 64 * KIB)),
        Case("ACRH, allowed names", "64 KiB", LISTED, "OPTIONS", acrh(allowed_names(64 * KIB))),
        Case(
            "ACRH, 10,000 allowed names",
            "10,000 items",
            LISTED,
            "OPTIONS",
            acrh(b", ".join([b"X-Token"] * 10_000)),
        ),
        Case("ACRH, commas", big_label, LISTED, "OPTIONS", acrh(b"," * big)),
        Case("ACRH, commas, echoed (*)", big_label, WILDCARDS, "OPTIONS", acrh(b"," * big)),
        Case("ACRH, allowed names", big_label, LISTED, "OPTIONS", acrh(allowed_names(big))),
        Case(
            "request headers, Origin last",
            "10,000 items",
            LISTED,
            "GET",
            [*((b"x-filler-%d" % i, b"v") for i in range(10_000)), (b"origin", ALLOWED)],
        ),
        Case(
            "preflight headers, Origin last",
            "10,000 items",
            LISTED,
            "OPTIONS",
            [*((b"x-filler-%d" % i, b"v") for i in range(10_000)), (b"origin", ALLOWED), *PREFLIGHT],
        ),
        Case(
            "app response headers, 1% Vary",
            "10,000 items",
            LISTED,
            "GET",
            [(b"origin", ALLOWED)],
            response_headers_app(10_000),
        ),
    ]


def scaling_cases(quick: bool) -> list[Case]:
    sizes = [16 * KIB, 64 * KIB, 256 * KIB] if quick else [64 * KIB, 256 * KIB, MIB]
    found: list[Case] = []
    for size in sizes:
        label = f"{size // KIB:,} KiB"
        found.append(Case("ACRH, allowed names", label, LISTED, "OPTIONS", acrh(allowed_names(size))))
    for size in sizes:
        label = f"{size // KIB:,} KiB"
        origin = b"https://" + b"a" * size + b".example.org"
        found.append(Case("Origin, matched by the regex", label, REGEX, "GET", [(b"origin", origin)]))
    for count in (2_500, 10_000, 40_000):
        headers = [*((b"x-filler-%d" % i, b"v") for i in range(count)), (b"origin", ALLOWED)]
        found.append(Case("request headers, Origin last", f"{count:,} items", LISTED, "GET", headers))
    for count in (2_500, 10_000, 40_000):
        app = response_headers_app(count)
        found.append(
            Case(
                "app response headers, 1% Vary",
                f"{count:,} items",
                LISTED,
                "GET",
                [(b"origin", ALLOWED)],
                app,
            )
        )
    return found


def contenders() -> dict[str, Callable[..., ASGIApp]]:
    found: dict[str, Callable[..., ASGIApp]] = {"starlette": StarletteCORSMiddleware}
    found["fastcors python"] = fastcors_on(_pure)
    if _fastcors is not None:
        found["fastcors rust"] = fastcors_on(_fastcors)
    return found


def best_batch_time(run: Callable[[], object]) -> float:
    """Seconds per call of ``run``: the best of five batches of at least 50 ms."""
    batch = 1
    while True:
        started = time.perf_counter()
        for _ in range(batch):
            run()
        if time.perf_counter() - started >= 0.05:
            break
        batch *= 2
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(batch):
            run()
        best = min(best, (time.perf_counter() - started) / batch)
    return best


def cost(app: ASGIApp, case: Case) -> float:
    """Seconds per request, less the cost of building the request's scope."""
    with_scope = best_batch_time(lambda: drive(app, case.scope()))
    scope_only = best_batch_time(case.scope)
    return max(with_scope - scope_only, 0.0)


def measure(case: Case) -> dict[str, float]:
    builders = contenders()
    reference = recorded_messages(StarletteCORSMiddleware(case.app, **case.options), case.scope())
    found = {}
    for name, build in builders.items():
        app = build(case.app, **case.options)
        if recorded_messages(app, case.scope()) != reference:
            raise AssertionError(f"{name} differs from Starlette on {case.name} ({case.size})")
        found[name] = cost(app, case)
    return found


def microseconds(seconds: float) -> str:
    value = seconds * 1e6
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def table(rows: list[tuple[Case, dict[str, float]]]) -> str:
    names = list(contenders())
    lines = [
        "| input | size | " + " | ".join(f"{name} (µs)" for name in names) + " | rust vs starlette |",
        "| --- | ---: | " + " | ".join("---:" for _ in names) + " | ---: |",
    ]
    for case, found in rows:
        speed_up = ""
        if "fastcors rust" in found:
            speed_up = f"{found['starlette'] / found['fastcors rust']:,.1f}x"
        cells = " | ".join(microseconds(found[name]) for name in names)
        lines.append(f"| {case.name} | {case.size} | {cells} | {speed_up} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a quick look")
    arguments = parser.parse_args(argv)
    print("## Worst-case cost per request\n")
    print(table([(case, measure(case)) for case in cases(arguments.quick)]))
    print("\n## Growth: each input four times the previous (linear time: four times the cost)\n")
    print(table([(case, measure(case)) for case in scaling_cases(arguments.quick)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

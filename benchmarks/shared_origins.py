"""What a shared set of origins (``fastcors.redis.RedisOrigins``) costs per request, beside a
static ``allow_origins`` list of the same size: instructions per request counted by callgrind, as
``benchmarks.instructions`` counts them (one dump per batch, collection inside
``functools.reduce`` only, ``PYTHONHASHSEED=0``, address-space randomisation off).

The columns serve the same requests to the same bare app; a cell is the batch's instructions per
request minus the bare app's. The shared set is the one ``RedisOrigins`` keeps, filled directly
(no Redis is needed: requests read the policy's copy of the set, whoever fills it). The last
column is the plain ``allow_origin_func`` a shared set spares: a function over a frozenset.

    python -m benchmarks.shared_origins [--cores rust,python] [--sizes 10,10000] [--requests 1000]
"""

from __future__ import annotations

import argparse
import platform
import sys
from typing import Any

from benchmarks.instructions import batch, counted_batches

REQUESTS = ("allowed simple", "disallowed simple", "allowed preflight")


def origins(size: int) -> list[str]:
    from benchmarks.harness import ALLOWED_ORIGIN

    return [f"https://tenant{i}.example.org" for i in range(size - 1)] + [ALLOWED_ORIGIN.decode()]


def child(core_name: str, sizes: list[int], requests: int) -> None:
    """Under callgrind: for each cell, a warm-up, then one counted batch of ``requests``."""
    from benchmarks.harness import REQUEST_CLASSES, bare_app, fastcors_on, scope_for
    from fastcors import _fastcors, _pure
    from fastcors._origin_set import SharedOrigins

    build = fastcors_on(_fastcors if core_name == "rust" else _pure)
    common = {"allow_methods": ["GET", "POST", "PUT"], "allow_headers": ["Content-Type", "X-Request-ID"]}
    apps: list[Any] = [bare_app]
    for size in sizes:
        listed = origins(size)
        shared = SharedOrigins()
        shared._publish((origin.encode() for origin in listed), 86400)
        apps.append(build(bare_app, allow_origins=listed, **common))
        apps.append(build(bare_app, allow_origin_func=shared, **common))
        # What the shared set spares: a plain function over a frozenset, called on each request.
        apps.append(build(bare_app, allow_origin_func=frozenset(listed).__contains__, **common))
    classes = [request for request in REQUEST_CLASSES if request.name in REQUESTS]
    for app in apps:
        for request in classes:
            scope = scope_for(request)
            batch(app, scope, requests)


def counted(core_name: str, sizes: list[int], requests: int) -> list[float]:
    return counted_batches(
        "benchmarks.shared_origins", [core_name, ",".join(map(str, sizes)), str(requests)], requests
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cores", default="rust")
    parser.add_argument("--sizes", default="10,10000")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], [int(size) for size in args.child[1].split(",")], int(args.child[2]))
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"Instructions per request above the bare app (callgrind, CPython {platform.python_version()})\n")
    print("| core | origins | request | static allow_origins | RedisOrigins | ratio | a function | ratio |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for core_name in args.cores.split(","):
        totals = iter(counted(core_name, sizes, args.requests))
        bare = [next(totals) for _ in REQUESTS]
        for size in sizes:
            static = [next(totals) - floor for floor in bare]
            shared = [next(totals) - floor for floor in bare]
            called = [next(totals) - floor for floor in bare]
            for name, a, b, c in zip(REQUESTS, static, shared, called, strict=True):
                print(
                    f"| {core_name} | {size:,} | {name} | {a:,.0f} | {b:,.0f} | {b / a:.3f} "
                    f"| {c:,.0f} | {c / a:.3f} |"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())

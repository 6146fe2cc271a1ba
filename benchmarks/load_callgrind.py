"""Instructions per request of the server process, counted by callgrind: the end-to-end cost of each
contender without the machine's noise.

The same servers, apps, positions and requests as ``benchmarks.load``, but each server runs under
``valgrind --tool=callgrind`` (with ``--cache-sim=yes`` unless told otherwise) and the client is a
small asyncio loop in this process that sends a fixed number of requests over keep-alive
connections. Per (server, contender, position, kind): a fresh server process, its answers checked
against Starlette's CORSMiddleware (or its own app's) as ``benchmarks.load`` checks them, a warm-up,
then the counters of every process of the server are zeroed (``callgrind_control -z``), exactly
``--requests`` requests are sent, and the counters are dumped (``callgrind_control -d``). Dividing
by the number of requests gives instructions (Ir) per request and, with the cache simulation,
first-level instruction-cache misses (I1mr) and last-level misses (ILmr + DLmr + DLmw) per request.
The tables subtract the bare app's figures (and the static-headers floor's, in the same position).

Instruction counts are not time: they do not see stalls, branch mispredictions or the real caches
(the simulated ones are a model). They are, however, the same from run to run to within a fraction
of a percent, whatever else the machine is doing, which wall-clock figures on a shared machine are
not.

    python -m benchmarks.load_callgrind [--requests 1000] [--warmup 300] [--connections 64]
                                        [--servers uvicorn,granian] [--kinds simple,preflight]
                                        [--positions outermost,stack] [--contenders ...]
                                        [--no-cache-sim] [--keep DIR] [--markdown F] [--json F]

``--keep DIR`` keeps the dumps (one per process, named after the server, the contender and the
kind), for ``callgrind_annotate --inclusive=yes DIR/<file>``: where the instructions go, by function.
Needs Linux, valgrind (callgrind_control, vgdb) and the ``bench`` dependency group.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.load import (
    CONTENDERS,
    HOST,
    KIND_TITLES,
    KINDS,
    POSITIONS,
    SERVERS,
    Server,
    check,
    core_build,
    csv_of,
    entries,
    expected_answers,
    process_tree,
    progress,
    raw_request,
    running,
    terminate,
)

#: The events a dump counts, in the order of callgrind's "events:" line with the cache simulation.
LAST_LEVEL_MISSES = ("ILmr", "DLmr", "DLmw")


@dataclass(frozen=True)
class Count:
    server: str
    kind: str
    contender: str
    position: str
    requests: int
    #: event name (Ir, I1mr, ...) -> count per request, summed over the server's processes
    per_request: dict[str, float]


# ---------------------------------------------------------------------------------------------
# The client


class Client:
    """Keep-alive connections to a server, opened once: a measurement counts requests, not the
    opening of connections."""

    def __init__(self, port: int, connections: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.streams = self.loop.run_until_complete(self._open(port, connections))

    @staticmethod
    async def _open(port: int, connections: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        return list(await asyncio.gather(*(asyncio.open_connection(HOST, port) for _ in range(connections))))

    def send(self, kind: str, count: int, expected_status: int) -> None:
        """Exactly ``count`` requests of ``kind``, spread over the connections, each answered with
        ``expected_status``."""
        request = raw_request(kind)
        n = len(self.streams)
        shares = [count // n + (1 if i < count % n else 0) for i in range(n)]
        done = self.loop.run_until_complete(self._all_connections(request, shares))
        statuses = [status for statuses in done for status in statuses]
        wrong = [status for status in statuses if status != expected_status]
        if len(statuses) != count or wrong:
            raise AssertionError(f"{len(wrong)} of {len(statuses)} answers were not {expected_status}")

    async def _all_connections(self, request: bytes, shares: list[int]) -> list[list[int]]:
        work = asyncio.gather(
            *(
                self._one_connection(*stream, request, share)
                for stream, share in zip(self.streams, shares, strict=False)
            )
        )
        return list(await asyncio.wait_for(work, timeout=1800))

    @staticmethod
    async def _one_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, count: int
    ) -> list[int]:
        statuses = []
        for _ in range(count):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.split(b"\r\n")
            statuses.append(int(status_line.split()[1]))
            lengths = [
                int(line.split(b":", 1)[1])
                for line in header_lines
                if line.lower().startswith(b"content-length:")
            ]
            if len(lengths) != 1:
                raise RuntimeError(f"an answer without a single content-length: {head!r}")
            await reader.readexactly(lengths[0])
        return statuses

    def close(self) -> None:
        for _, writer in self.streams:
            writer.close()
        self.loop.run_until_complete(asyncio.sleep(0))
        self.loop.close()


# ---------------------------------------------------------------------------------------------
# callgrind


def valgrind_command(out_dir: Path, cache_sim: bool) -> list[str]:
    return [
        "valgrind",
        "--tool=callgrind",
        "--trace-children=yes",  # granian's worker is a process of its own
        f"--cache-sim={'yes' if cache_sim else 'no'}",
        "--dump-instr=no",
        # Start-up runs uninstrumented (several times faster); measure() turns instrumentation on.
        "--instr-atstart=no",
        f"--callgrind-out-file={out_dir}/callgrind.%p",
        "--log-file=/dev/null",
    ]


def callgrind_pids(server: Server) -> list[int]:
    """The processes of the server that run under callgrind (all of them but exited ones)."""
    return [pid for pid in process_tree(server.pid) if Path(f"/proc/{pid}").exists()]


def callgrind_control(option: str, pid: int) -> bool:
    """``callgrind_control <option> <pid>``; False where the process is not a callgrind run."""
    done = subprocess.run(
        ["callgrind_control", option, str(pid)], capture_output=True, text=True, timeout=300, check=False
    )
    return done.returncode == 0 and "OK." in done.stdout


def read_totals(path: Path) -> dict[str, int]:
    """The events one dump file counts since the counters were zeroed (its ``summary:`` line; the
    ``totals:`` line also holds costs of calls that were under way when they were zeroed)."""
    events: list[str] = []
    totals: list[int] = []
    with path.open() as dump:
        for line in dump:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("summary:"):
                totals = [int(value) for value in line.split()[1:]]
    if not events or not totals:
        raise RuntimeError(f"{path} has no events or summary line")
    return dict(zip(events, totals + [0] * (len(events) - len(totals)), strict=False))


def measure(
    server: Server, kind: str, expected_status: int, settings: Settings, out_dir: Path
) -> dict[str, float]:
    """Warm-up, zero, ``settings.requests`` requests, dump: the events per request."""
    for pid in callgrind_pids(server):
        callgrind_control("--instr=on", pid)
    client = Client(server.port, settings.connections)
    try:
        client.send(kind, settings.warmup, expected_status)
        return count_events(server, kind, settings, out_dir, client, expected_status)
    finally:
        client.close()


def count_events(
    server: Server, kind: str, settings: Settings, out_dir: Path, client: Client, expected_status: int
) -> dict[str, float]:
    pids = [pid for pid in callgrind_pids(server) if callgrind_control("-z", pid)]
    if not pids:
        raise RuntimeError(f"{server}: no process answered callgrind_control")
    before = set(out_dir.iterdir())
    client.send(kind, settings.requests, expected_status)
    for pid in pids:
        if not callgrind_control("-d", pid):
            raise RuntimeError(f"{server}: callgrind_control -d {pid} failed")
    # callgrind.<pid>.<n> is the n-th dump on demand; callgrind.<pid> is written at a process's exit
    fresh = set(out_dir.iterdir()) - before
    dumps = []
    for pid in pids:
        mine = [d for d in fresh if re.fullmatch(rf"callgrind\.{pid}\.\d+", d.name)]
        if len(mine) != 1:
            raise RuntimeError(f"{server}: expected one dump of process {pid}, found {sorted(fresh)}")
        dumps += mine
    summed: dict[str, int] = {}
    for dump in dumps:
        for event, value in read_totals(dump).items():
            summed[event] = summed.get(event, 0) + value
        if settings.keep is not None:
            name = f"{server.server}-{server.entry.contender.name}-{server.entry.position}-{kind}-{dump.name}"
            shutil.copy(dump, settings.keep / name)
    return {event: value / settings.requests for event, value in summed.items()}


# ---------------------------------------------------------------------------------------------
# Running and reporting


@dataclass(frozen=True)
class Settings:
    requests: int
    warmup: int
    connections: int
    servers: list[str]
    kinds: list[str]
    positions: list[str]
    contenders: list[str]
    cache_sim: bool
    server_cpu: int
    keep: Path | None


def run(settings: Settings) -> list[Count]:
    apps = entries(settings.contenders, settings.positions)
    expected = expected_answers(apps, settings.kinds)
    counts = []
    with tempfile.TemporaryDirectory(prefix="fastcors-callgrind-") as tmp:
        directory = Path(tmp)
        wrapper = valgrind_command(directory, settings.cache_sim)
        for server_name in settings.servers:
            for entry in apps:
                with running(
                    server_name, entry, settings.server_cpu, directory, wrapper, timeout=600.0
                ) as server:
                    for kind in settings.kinds:
                        check(server, kind, expected[entry, kind])
                    for kind in settings.kinds:
                        per_request = measure(server, kind, expected[entry, kind].status, settings, directory)
                        count = Count(
                            server_name,
                            kind,
                            entry.contender.name,
                            entry.position,
                            settings.requests,
                            per_request,
                        )
                        counts.append(count)
                        progress(f"  {server_name:<7} {kind:<9} {entry.label(kind):<28} {describe(count)}")
    return counts


def last_level_misses(count: Count) -> float:
    return sum(count.per_request.get(event, 0.0) for event in LAST_LEVEL_MISSES)


def describe(count: Count) -> str:
    text = f"{count.per_request['Ir']:10,.0f} Ir/req"
    if "I1mr" in count.per_request:
        text += (
            f"  {count.per_request['I1mr']:8.1f} I1 misses/req  {last_level_misses(count):6.2f} LL misses/req"
        )
    return text


def markdown(counts: list[Count], settings: Settings, meta: dict[str, Any]) -> str:
    out = [
        f"callgrind, {settings.requests} requests counted after {settings.warmup} of warm-up, over "
        f"{settings.connections} keep-alive connections; instructions (Ir) and, with the cache "
        "simulation, first-level instruction-cache misses (I1mr) and last-level misses "
        "(ILmr + DLmr + DLmw) per request, summed over the server's processes. "
        f"fastcors' compiled core: {meta['build']} build. Python {meta['python']}.",
    ]
    cache = settings.cache_sim
    for server in settings.servers:
        for kind in settings.kinds:
            group = {(c.contender, c.position): c for c in counts if c.server == server and c.kind == kind}
            bare = group.get(("bare", "-"))
            if not group:
                continue
            head = ["contender (position)", "Ir/req", "Ir/req above bare", "Ir/req above static"]
            if kind == "simple":
                head.append("cost ÷ fastcors-python's")
            if cache:
                head += ["I1 misses/req", "above bare", "LL misses/req", "above bare"]
            out += ["", f"### {server}: {KIND_TITLES[kind]}", ""]
            out += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
            for entry in entries(settings.contenders, settings.positions):
                count = group.get((entry.contender.name, entry.position))
                if count is None:
                    continue
                ir = count.per_request["Ir"]
                static = group.get(("static", entry.position))
                python = group.get(("fastcors-python", entry.position))
                cells = [
                    entry.label(kind),
                    f"{ir:,.0f}",
                    f"{ir - bare.per_request['Ir']:+,.0f}" if bare else "",
                    f"{ir - static.per_request['Ir']:+,.0f}"
                    if static and entry.contender.name not in ("bare", "static")
                    else "",
                ]
                if kind == "simple":
                    ratio = ""
                    if static and python and entry.contender.name not in ("static", "fastcors-python"):
                        above = python.per_request["Ir"] - static.per_request["Ir"]
                        if above > 0:
                            ratio = f"{(ir - static.per_request['Ir']) / above:.2f}"
                    cells.append(ratio)
                if cache:
                    i1 = count.per_request.get("I1mr", 0.0)
                    ll = last_level_misses(count)
                    cells += [
                        f"{i1:,.1f}",
                        f"{i1 - bare.per_request.get('I1mr', 0.0):+,.1f}" if bare else "",
                        f"{ll:,.2f}",
                        f"{ll - last_level_misses(bare):+,.2f}" if bare else "",
                    ]
                out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def preconditions(settings: Settings) -> None:
    problems = []
    for tool in ("valgrind", "callgrind_control", "vgdb", "taskset"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not on PATH (apt-get install valgrind util-linux)")
    if not Path("/proc/self/stat").exists():
        problems.append("/proc is needed to find the server's processes (Linux only)")
    if problems:
        raise SystemExit("benchmarks.load_callgrind cannot run:\n  " + "\n  ".join(problems))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="requests counted per measurement")
    parser.add_argument("--warmup", type=int, default=300, help="requests sent before counting")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--servers", type=csv_of(SERVERS), default=list(SERVERS))
    parser.add_argument("--kinds", type=csv_of(KINDS), default=list(KINDS))
    parser.add_argument("--positions", type=csv_of(POSITIONS), default=list(POSITIONS))
    parser.add_argument("--contenders", type=csv_of(list(CONTENDERS)), default=list(CONTENDERS))
    parser.add_argument("--no-cache-sim", action="store_true", help="count instructions only (faster)")
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="a directory to keep the dumps in")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0 or args.connections < 1:
        parser.error("--requests and --connections must be positive, --warmup not negative")
    settings = Settings(
        requests=args.requests,
        warmup=args.warmup,
        connections=args.connections,
        servers=args.servers,
        kinds=args.kinds,
        positions=[p for p in POSITIONS if p in args.positions],
        contenders=[c for c in CONTENDERS if c in args.contenders],
        cache_sim=not args.no_cache_sim,
        server_cpu=args.server_cpu,
        keep=args.keep,
    )
    preconditions(settings)
    signal.signal(signal.SIGTERM, terminate)  # stops the servers on the way out
    os.environ["PYTHONHASHSEED"] = "0"  # the servers inherit it: the same dict layouts every run
    if settings.keep is not None:
        settings.keep.mkdir(parents=True, exist_ok=True)
    meta = {"build": core_build(), "python": platform.python_version(), "platform": platform.platform()}
    counts = run(settings)
    table = markdown(counts, settings, meta)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    if args.json:
        document = {
            "meta": meta,
            "settings": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()},
            "counts": [asdict(count) for count in counts],
        }
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

"""The end-to-end load benchmark: real servers, real sockets, wrk as the client.

A small JSON endpoint (``benchmarks.load_app``: Starlette routing to one GET route) is served by
uvicorn (uvloop + httptools) and by granian (ASGI), each with one worker, behind each contender:

    bare             no middleware; for preflights, Starlette's 405 to the same OPTIONS request
    static           appends an allowed CORS response's headers, with no logic (the floor)
    starlette        starlette.middleware.cors.CORSMiddleware
    fastcors-rust    fastcors on its Rust core
    fastcors-python  fastcors on its pure-Python core (FASTCORS_NO_EXTENSIONS=1)

Every middleware runs in two positions: ``outermost`` (it wraps the Starlette app and the server
calls it) and ``stack`` (inside the Starlette app's own middleware stack, where FastAPI's and
Starlette's ``app.add_middleware`` put it). The CORS configuration is one users write: three explicit
origins, credentials, five methods, three allowed headers, one exposed header.

Two kinds of request, both with a browser's headers: ``simple`` (GET with an allowed Origin) and
``preflight`` (OPTIONS, Origin, Access-Control-Request-Method: PUT, Access-Control-Request-Headers).

The server runs on one core (``taskset -c 0``), ``wrk -t1 -c64`` on the other (``taskset -c 1``),
over 127.0.0.1. In every round each (server, contender, position) gets a fresh server process, in a
fresh random order; before anything is timed its answers to both kinds (one http.client request
each) are checked: status, body, and the access-control-* and vary headers in order must be what
Starlette's CORSMiddleware answers in-process for the CORS contenders (so a wrong implementation
cannot win), and what their own app answers in-process for the others. Each kind is then warmed
up and measured: wrk's requests per second and p99 latency, and the server's CPU time per request
(utime + stime from /proc around the measured run, summed over the server's process tree: granian
runs a supervisor and a worker process). The tables give medians over rounds and the medians of the
per-round ratios and differences between contenders measured in the same round, in the same
position: RPS over the static-headers floor's, server CPU per request above the floor's, and that
cost over the pure-Python core's.

    python -m benchmarks.load [--rounds 5] [--seconds 10] [--warmup 2] [--connections 64]
                              [--servers uvicorn,granian] [--kinds simple,preflight]
                              [--positions outermost,stack]
                              [--contenders bare,static,starlette,fastcors-rust,fastcors-python]
                              [--markdown out.md] [--json out.json]

Needs Linux (/proc, taskset), wrk on PATH, and the ``bench`` dependency group (uvicorn[standard], granian).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import http.client
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks import load_app

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

SERVERS = ("uvicorn", "granian")
KINDS = ("simple", "preflight")
POSITIONS = ("outermost", "stack")
KIND_TITLES = {
    "simple": "simple GET with an allowed Origin",
    "preflight": "preflight (OPTIONS, allowed Origin, PUT, content-type,x-request-id)",
}


@dataclass(frozen=True)
class Contender:
    name: str
    #: the factory in benchmarks.load_app the servers call (``<factory>_in_stack`` for the stack)
    factory: str
    #: the fastcors core the server must run, if any
    core: str | None
    #: implements CORS, so its answers must be Starlette's CORSMiddleware's
    cors: bool
    #: a middleware, measured in each position (the bare app has none)
    positioned: bool = True


CONTENDERS: dict[str, Contender] = {
    c.name: c
    for c in (
        Contender("bare", "bare", None, False, positioned=False),
        Contender("static", "static_headers", None, False),
        Contender("starlette", "starlette_cors", None, True),
        Contender("fastcors-python", "fastcors_cors", "python", True),
        Contender("fastcors-rust", "fastcors_cors", "rust", True),
    )
}

#: The position of the bare app, which has no middleware to place.
NO_POSITION = "-"


@dataclass(frozen=True)
class Entry:
    """One app a server runs: a contender in a position."""

    contender: Contender
    position: str

    @property
    def factory(self) -> str:
        return self.contender.factory + ("_in_stack" if self.position == "stack" else "")

    def label(self, kind: str) -> str:
        if not self.contender.positioned:
            return "bare OPTIONS (405)" if kind == "preflight" else "bare"
        return f"{self.contender.name} ({self.position})"


def entries(contenders: Sequence[str], positions: Sequence[str]) -> list[Entry]:
    """Every app to measure: the bare app once, each middleware in each position."""
    out = []
    for name in contenders:
        contender = CONTENDERS[name]
        if not contender.positioned:
            out.append(Entry(contender, NO_POSITION))
        else:
            out += [Entry(contender, position) for position in positions]
    return out


# ---------------------------------------------------------------------------------------------
# The requests


def request_headers(kind: str) -> list[tuple[bytes, bytes]]:
    """The request's headers, in a browser's order, as the micro-benchmarks send them."""
    from benchmarks.harness import BROWSER_HEADERS, PREFLIGHT_HEADERS

    cors: list[tuple[bytes, bytes]] = [(b"origin", load_app.ALLOWED_ORIGIN)]
    if kind == "preflight":
        cors += PREFLIGHT_HEADERS
    return BROWSER_HEADERS[:5] + cors + BROWSER_HEADERS[5:]


def request_method(kind: str) -> str:
    return "OPTIONS" if kind == "preflight" else "GET"


def raw_request(kind: str) -> bytes:
    lines = [f"{request_method(kind)} / HTTP/1.1".encode()]
    lines += [name + b": " + value for name, value in request_headers(kind)]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def lua_string(data: bytes) -> str:
    escaped = []
    for byte in data:
        char = chr(byte)
        if char in '"\\':
            escaped.append("\\" + char)
        elif 32 <= byte < 127:
            escaped.append(char)
        else:
            escaped.append(f"\\{byte:03d}")
    return '"' + "".join(escaped) + '"'


def write_lua(directory: Path, kind: str) -> Path:
    """A wrk script that sends the request byte for byte (header order included)."""
    path = directory / f"{kind}.lua"
    path.write_text(
        f"-- fastcors load benchmark: {kind}\n"
        f"local req = {lua_string(raw_request(kind))}\n"
        "request = function()\n    return req\nend\n"
    )
    return path


# ---------------------------------------------------------------------------------------------
# Checking answers against Starlette's CORSMiddleware


@dataclass(frozen=True)
class Answer:
    status: int
    #: the access-control-* and vary headers, lowercased names, in order
    cors_headers: list[tuple[str, str]]
    body: bytes


def cors_relevant(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (name.lower(), value)
        for name, value in headers
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    ]


def answer_in_process(factory: str, kind: str) -> Answer:
    """What the app a factory builds answers, driven directly (no server)."""
    app = getattr(load_app, factory)()
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request_method(kind),
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": request_headers(kind),
        "client": (HOST, 50000),
        "server": (HOST, 8000),
    }
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        messages.append(dict(message))

    asyncio.run(app(scope, receive, send))
    start = messages[0]
    headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in start.get("headers", [])]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return Answer(start["status"], cors_relevant(headers), body)


def answer_over_http(port: int, kind: str, timeout: float) -> Answer:
    """What a running server answers, over one fresh connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.putrequest(request_method(kind), "/", skip_host=True, skip_accept_encoding=True)
        for name, value in request_headers(kind):
            connection.putheader(name.decode("latin-1"), value.decode("latin-1"))
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, cors_relevant(response.getheaders()), body)
    finally:
        connection.close()


def expected_answers(apps: Sequence[Entry], kinds: Sequence[str]) -> dict[tuple[Entry, str], Answer]:
    """entry, kind -> the answer it must give: Starlette's CORSMiddleware's (outermost) for CORS
    contenders, for the others what their own app answers in-process."""
    starlette = answer_in_process("starlette_cors", "simple")
    for factory in ("static_headers", "static_headers_in_stack"):
        static = answer_in_process(factory, "simple")
        if sorted(static.cors_headers) != sorted(starlette.cors_headers):
            raise AssertionError(
                f"the static headers ({factory}) are not those of Starlette's allowed simple response"
            )
    expected = {}
    for entry in apps:
        reference = "starlette_cors" if entry.contender.cors else entry.factory
        for kind in kinds:
            expected[entry, kind] = answer_in_process(reference, kind)
    return expected


# ---------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def read_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], pgrp [2])."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """root and all its descendants that are alive now."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = read_stat(int(entry))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def tree_cpu_seconds(root: int) -> float:
    """utime + stime of a process and its descendants (all their threads), in seconds."""
    ticks = 0
    for pid in process_tree(root):
        fields = read_stat(pid)
        if fields is not None:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


_LIVE: set[Server] = set()


class Server:
    """One server process, pinned to a core, serving one contender's app on a free port."""

    def __init__(
        self, server: str, entry: Entry, cpu: int, log_dir: Path, wrapper: Sequence[str] = ()
    ) -> None:
        self.server = server
        self.entry = entry
        self.contender = entry.contender
        self.cpu = cpu
        #: a command the server runs under, such as valgrind's
        self.wrapper = list(wrapper)
        self.port = free_port()
        self.log_path = log_dir / f"{server}-{entry.contender.name}-{entry.position}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        target = f"benchmarks.load_app:{self.entry.factory}"
        common = ["--host", HOST, "--port", str(self.port), "--workers", "1"]
        if self.server == "uvicorn":
            options = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
            # Idle connections stay open (default: 5 s), as the callgrind client's must between phases.
            options += ["--timeout-keep-alive", "600"]
            server = ["-m", "uvicorn", "--factory", target, *common, *options]
        else:
            threads = ["--runtime-threads", "1", "--blocking-threads", "1", "--runtime-blocking-threads", "1"]
            options = ["--interface", "asgi", "--loop", "uvloop", "--no-access-log", "--log-level", "warning"]
            server = ["-m", "granian", *options, *common, *threads, "--factory", target]
        return ["taskset", "-c", str(self.cpu), *self.wrapper, sys.executable, *server]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.pop("FASTCORS_NO_EXTENSIONS", None)
        env.pop(load_app.CORE_ENV, None)
        if self.contender.core is not None:
            env[load_app.CORE_ENV] = self.contender.core
            if self.contender.core == "python":
                env["FASTCORS_NO_EXTENSIONS"] = "1"
        return env

    def start(self, timeout: float) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a Ctrl-C here does not reach it
            )
        _LIVE.add(self)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=0.5):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self} did not listen within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; then SIGKILL whatever it started that is left."""
        process = self.process
        if process is None:
            return
        descendants = [pid for pid in process_tree(process.pid) if pid != process.pid]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pid in descendants:  # granian's worker, should the supervisor have died first
            fields = read_stat(pid)
            if fields is not None and int(fields[2]) == process.pid:  # still in our process group
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        _LIVE.discard(self)

    def __str__(self) -> str:
        return f"{self.server} serving {self.entry.label('simple')} on port {self.port}"


def _stop_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop(timeout=3.0)


atexit.register(_stop_all)


@contextlib.contextmanager
def running(
    server: str, entry: Entry, cpu: int, log_dir: Path, wrapper: Sequence[str] = (), timeout: float = 60.0
) -> Iterator[Server]:
    instance = Server(server, entry, cpu, log_dir, wrapper)
    try:
        instance.start(timeout=timeout)
        yield instance
    finally:
        instance.stop()


# ---------------------------------------------------------------------------------------------
# wrk


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    rps: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: dict[str, int]


_TIME_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def parse_wrk(output: str) -> WrkResult:
    summary = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),", output, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p99 = re.search(r"^\s*99(?:\.000)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    if summary is None or rps is None or p99 is None:
        raise RuntimeError(f"cannot parse wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests=int(summary[1]),
        duration_s=float(summary[2]) * _TIME_UNITS[summary[3]] / 1e3,
        rps=float(rps[1]),
        p99_ms=float(p99[1]) * _TIME_UNITS[p99[2]],
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=dict(
            zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)
        )
        if errors
        else {},
    )


def run_wrk(port: int, script: Path, seconds: int, connections: int, cpu: int) -> WrkResult:
    command = [
        "taskset",
        "-c",
        str(cpu),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        f"http://{HOST}:{port}/",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


# ---------------------------------------------------------------------------------------------
# Measuring


@dataclass(frozen=True)
class Sample:
    round: int
    server: str
    kind: str
    contender: str
    position: str
    requests: int
    duration_s: float
    rps: float
    p99_ms: float
    server_cpu_us_per_request: float
    #: the server's CPU time over the run's wall time: 1.0 is one core kept busy
    server_cpu_share: float
    non_2xx_3xx: int
    socket_errors: dict[str, int]


@dataclass(frozen=True)
class Settings:
    rounds: int
    seconds: int
    warmup: int
    connections: int
    servers: list[str]
    kinds: list[str]
    positions: list[str]
    contenders: list[str]
    server_cpu: int
    client_cpu: int
    seed: int | None


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def check(server: Server, kind: str, expected: Answer) -> None:
    """Refuses to time a server whose answer is not the expected one."""
    actual = answer_over_http(server.port, kind, timeout=60.0)
    if actual != expected:
        raise AssertionError(
            f"{server} answers the {kind} request differently from the reference:\n"
            f"  got      {actual}\n  expected {expected}"
        )


def measure(
    server: Server, kind: str, expected: Answer, settings: Settings, script: Path, round_index: int
) -> Sample:
    """Warms the server up, then one measured wrk run with the server's CPU time around it."""
    wrk = (server.port, script)
    if settings.warmup > 0:
        run_wrk(*wrk, settings.warmup, settings.connections, settings.client_cpu)
    before = server.cpu_seconds()
    result = run_wrk(*wrk, settings.seconds, settings.connections, settings.client_cpu)
    cpu = server.cpu_seconds() - before
    if result.requests == 0:
        raise RuntimeError(f"{server}: wrk completed no {kind} request")
    errors = result.requests if expected.status >= 400 else 0
    if result.non_2xx_3xx != errors:
        raise AssertionError(
            f"{server}: {result.non_2xx_3xx} of {result.requests} answers to {kind} were not 2xx/3xx "
            f"(expected {errors})"
        )
    return Sample(
        round=round_index,
        server=server.server,
        kind=kind,
        contender=server.contender.name,
        position=server.entry.position,
        requests=result.requests,
        duration_s=result.duration_s,
        rps=result.rps,
        p99_ms=result.p99_ms,
        server_cpu_us_per_request=cpu / result.requests * 1e6,
        server_cpu_share=cpu / result.duration_s,
        non_2xx_3xx=result.non_2xx_3xx,
        socket_errors=result.socket_errors,
    )


def sample_entry(sample: Sample) -> Entry:
    return Entry(CONTENDERS[sample.contender], sample.position)


def describe(sample: Sample) -> str:
    errors = {name: count for name, count in sample.socket_errors.items() if count}
    return (
        f"{sample.server:<7} {sample.kind:<9} {sample_entry(sample).label(sample.kind):<28} "
        f"{sample.rps:9.0f} req/s  p99 {sample.p99_ms:6.2f} ms  "
        f"{sample.server_cpu_us_per_request:6.1f} µs CPU/req  CPU busy {sample.server_cpu_share:4.0%}"
        + (f"  socket errors {errors}" if errors else "")
    )


def run(settings: Settings) -> list[Sample]:
    rng = random.Random(settings.seed)
    apps = entries(settings.contenders, settings.positions)
    expected = expected_answers(apps, settings.kinds)
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="fastcors-load-") as tmp:
        directory = Path(tmp)
        scripts = {kind: write_lua(directory, kind) for kind in settings.kinds}
        for round_index in range(settings.rounds):
            jobs = [(server, entry) for server in settings.servers for entry in apps]
            rng.shuffle(jobs)
            for server_name, entry in jobs:
                with running(server_name, entry, settings.server_cpu, directory) as server:
                    for kind in settings.kinds:  # every answer checked before anything is timed
                        check(server, kind, expected[entry, kind])
                    kinds = list(settings.kinds)
                    rng.shuffle(kinds)
                    for kind in kinds:
                        sample = measure(
                            server, kind, expected[entry, kind], settings, scripts[kind], round_index
                        )
                        samples.append(sample)
                        progress(f"  round {round_index + 1}/{settings.rounds}  {describe(sample)}")
    return samples


# ---------------------------------------------------------------------------------------------
# Reporting


@dataclass(frozen=True)
class Column:
    """A per-round comparison with the contenders measured in the same round and position."""

    title: str
    kinds: tuple[str, ...]
    #: (this contender's sample, the round's samples by contender) -> the value, or None
    compute: Callable[[Sample, dict[str, Sample]], float | None]
    digits: int = 3


def _ratio(measure: str, other: str) -> Callable[[Sample, dict[str, Sample]], float | None]:
    def compute(mine: Sample, peers: dict[str, Sample]) -> float | None:
        theirs = peers.get(other)
        if theirs is None or theirs is mine:
            return None
        return float(getattr(mine, measure) / getattr(theirs, measure))

    return compute


def _cpu_above(floor: str) -> Callable[[Sample, dict[str, Sample]], float | None]:
    def compute(mine: Sample, peers: dict[str, Sample]) -> float | None:
        theirs = peers.get(floor)
        if theirs is None or theirs is mine:
            return None
        return mine.server_cpu_us_per_request - theirs.server_cpu_us_per_request

    return compute


def _cost_over(other: str, floor: str) -> Callable[[Sample, dict[str, Sample]], float | None]:
    """(CPU/req - the floor's) / (the other's CPU/req - the floor's): what is left of its cost."""

    def compute(mine: Sample, peers: dict[str, Sample]) -> float | None:
        theirs, base = peers.get(other), peers.get(floor)
        if theirs is None or base is None or mine is theirs or mine is base:
            return None
        above = theirs.server_cpu_us_per_request - base.server_cpu_us_per_request
        if above <= 0:
            return None  # the other costs nothing measurable in this round: no ratio to speak of
        return (mine.server_cpu_us_per_request - base.server_cpu_us_per_request) / above

    return compute


#: Each is the median over rounds of a comparison between contenders measured in the same round and
#: position (the bare app, which has no position, stands in both).
COLUMNS = (
    Column("RPS ÷ static", ("simple",), _ratio("rps", "static")),
    Column("RPS ÷ bare OPTIONS (405)", ("preflight",), _ratio("rps", "bare")),
    Column("RPS ÷ starlette", KINDS, _ratio("rps", "starlette")),
    Column("CPU above static (µs/req)", ("simple",), _cpu_above("static"), digits=1),
    Column("CPU above bare OPTIONS (µs/req)", ("preflight",), _cpu_above("bare"), digits=1),
    Column("cost ÷ fastcors-python's", ("simple",), _cost_over("fastcors-python", "static"), digits=2),
)


@dataclass(frozen=True)
class Row:
    server: str
    kind: str
    contender: str
    position: str
    rounds: int
    rps: float
    rps_min: float
    rps_max: float
    p99_ms: float
    server_cpu_us_per_request: float
    server_cpu_min: float
    server_cpu_max: float
    server_cpu_share: float
    #: column title (see COLUMNS) -> the median over rounds
    comparisons: dict[str, float]
    #: column title -> (min, max) over rounds
    comparison_spread: dict[str, tuple[float, float]]


def summarise(samples: list[Sample], settings: Settings) -> list[Row]:
    rows = []
    for server in settings.servers:
        for kind in settings.kinds:
            mine_by_entry: dict[Entry, list[Sample]] = {}
            # (round, position) -> contender -> sample; the bare app stands in every position
            peers: dict[tuple[int, str], dict[str, Sample]] = {}
            for sample in samples:
                if sample.server != server or sample.kind != kind:
                    continue
                mine_by_entry.setdefault(sample_entry(sample), []).append(sample)
                positions = settings.positions if sample.position == NO_POSITION else [sample.position]
                for position in positions:
                    peers.setdefault((sample.round, position), {})[sample.contender] = sample
            for entry in entries(settings.contenders, settings.positions):
                mine = mine_by_entry.get(entry)
                if not mine:
                    continue
                position = settings.positions[0] if entry.position == NO_POSITION else entry.position
                comparisons, spread = {}, {}
                for column in COLUMNS:
                    if kind not in column.kinds or not entry.contender.positioned:
                        continue  # the bare app is what others are compared with, in both positions
                    values = [
                        value
                        for sample in mine
                        if (value := column.compute(sample, peers.get((sample.round, position), {})))
                        is not None
                    ]
                    if values:
                        comparisons[column.title] = statistics.median(values)
                        spread[column.title] = (min(values), max(values))
                rps = [s.rps for s in mine]
                cpu = [s.server_cpu_us_per_request for s in mine]
                rows.append(
                    Row(
                        server=server,
                        kind=kind,
                        contender=entry.contender.name,
                        position=entry.position,
                        rounds=len(mine),
                        rps=statistics.median(rps),
                        rps_min=min(rps),
                        rps_max=max(rps),
                        p99_ms=statistics.median(s.p99_ms for s in mine),
                        server_cpu_us_per_request=statistics.median(cpu),
                        server_cpu_min=min(cpu),
                        server_cpu_max=max(cpu),
                        server_cpu_share=statistics.median(s.server_cpu_share for s in mine),
                        comparisons=comparisons,
                        comparison_spread=spread,
                    )
                )
    return rows


def markdown(rows: list[Row], settings: Settings, meta: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    out = [
        f"{settings.rounds} rounds x {settings.seconds} s per measurement (warm-up {settings.warmup} s), "
        f"wrk -t1 -c{settings.connections} on CPU {settings.client_cpu}, "
        f"server on CPU {settings.server_cpu}; "
        "medians over rounds, [min, max] over rounds after them; comparisons are medians of per-round "
        "comparisons with the contenders measured in the same round and position; server CPU busy is "
        "the server's CPU time over the run's wall time (100% = one core). "
        f"fastcors' compiled core: {meta['build']} build. {versions}.",
    ]
    for server in settings.servers:
        for kind in settings.kinds:
            group = [row for row in rows if row.server == server and row.kind == kind]
            if not group:
                continue
            columns = [c for c in COLUMNS if kind in c.kinds]
            head = [
                "contender (position)",
                "RPS [min, max]",
                "p99 (ms)",
                "server CPU (µs/req)",
                "server CPU busy",
                *(c.title for c in columns),
            ]
            out += ["", f"### {server}: {KIND_TITLES[kind]}", ""]
            out += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
            for row in group:
                cells = [
                    Entry(CONTENDERS[row.contender], row.position).label(kind),
                    f"{row.rps:,.0f} [{row.rps_min:,.0f}, {row.rps_max:,.0f}]",
                    f"{row.p99_ms:.2f}",
                    f"{row.server_cpu_us_per_request:.1f} "
                    f"[{row.server_cpu_min:.1f}, {row.server_cpu_max:.1f}]",
                    f"{row.server_cpu_share:.0%}",
                ]
                for column in columns:
                    if column.title not in row.comparisons:
                        cells.append("")
                        continue
                    low, high = row.comparison_spread[column.title]
                    d = column.digits
                    cells.append(f"{row.comparisons[column.title]:.{d}f} [{low:.{d}f}, {high:.{d}f}]")
                out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def metadata(settings: Settings) -> dict[str, Any]:
    versions = {}
    for package in ("fastcors", "starlette", "uvicorn", "granian", "uvloop", "httptools"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "missing"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        "settings": asdict(settings),
        "versions": versions,
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0].strip() if (wrk.stdout or wrk.stderr) else "",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "build": core_build(),
    }


def core_build() -> str:
    """Which build of the compiled core is installed: the stable ABI's (abi3) or this interpreter's."""
    spec = importlib.util.find_spec("fastcors._fastcors")
    if spec is None or spec.origin is None:
        return "no"
    name = Path(spec.origin).name
    return f"abi3 ({name})" if ".abi3." in name else f"per-interpreter ({name})"


# ---------------------------------------------------------------------------------------------
# Command line


def csv_of(choices: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",") if v.strip()]
        unknown = [v for v in values if v not in choices]
        if unknown or not values:
            raise argparse.ArgumentTypeError(f"choose from {','.join(choices)} (got {text!r})")
        return list(dict.fromkeys(values))

    return parse


def preconditions(settings: Settings) -> None:
    problems = []
    if not Path("/proc/self/stat").exists():
        problems.append("/proc is needed to read the server's CPU time (Linux only)")
    for tool, why in (("wrk", "the load generator (apt-get install wrk)"), ("taskset", "util-linux")):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not on PATH: {why}")
    modules = {"uvicorn": ("uvicorn", "uvloop", "httptools"), "granian": ("granian", "uvloop")}
    for server in settings.servers:
        for module in modules[server]:
            if importlib.util.find_spec(module) is None:
                problems.append(f"{module} is not installed (pip install --group bench)")
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    for cpu in (settings.server_cpu, settings.client_cpu):
        if cpu not in usable:
            problems.append(f"CPU {cpu} is not available to this process (have {sorted(usable)})")
    if settings.server_cpu == settings.client_cpu:
        problems.append("the server and wrk must run on different CPUs")
    if problems:
        raise SystemExit("benchmarks.load cannot run:\n  " + "\n  ".join(dict.fromkeys(problems)))


def terminate(signum: int, frame: FrameType | None) -> None:
    progress(f"benchmarks.load: signal {signum}, stopping the servers")
    raise SystemExit(128 + signum)  # runs the finally blocks and atexit: no server is left behind


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10, help="each measured wrk run (whole seconds)")
    parser.add_argument("--warmup", type=int, default=2, help="the wrk run before each measurement (0: none)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--servers", type=csv_of(SERVERS), default=list(SERVERS))
    parser.add_argument("--kinds", type=csv_of(KINDS), default=list(KINDS))
    parser.add_argument("--positions", type=csv_of(POSITIONS), default=list(POSITIONS))
    parser.add_argument("--contenders", type=csv_of(list(CONTENDERS)), default=list(CONTENDERS))
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("--seed", type=int, help="the shuffles' seed (default: random)")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds < 1 or args.warmup < 0 or args.connections < 1:
        parser.error("--rounds, --seconds and --connections must be positive, --warmup not negative")
    settings = Settings(
        rounds=args.rounds,
        seconds=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        servers=args.servers,
        kinds=args.kinds,
        positions=[p for p in POSITIONS if p in args.positions],
        contenders=[c for c in CONTENDERS if c in args.contenders],
        server_cpu=args.server_cpu,
        client_cpu=args.client_cpu,
        seed=args.seed,
    )
    preconditions(settings)
    signal.signal(signal.SIGTERM, terminate)
    meta = metadata(settings)
    jobs = len(settings.servers) * len(entries(settings.contenders, settings.positions))
    estimate = settings.rounds * jobs * (len(settings.kinds) * (settings.seconds + settings.warmup) + 2)
    progress(
        f"load benchmark: {', '.join(settings.servers)} x {', '.join(settings.contenders)} x "
        f"{', '.join(settings.positions)} x {', '.join(settings.kinds)}; {settings.rounds} rounds, "
        f"about {estimate / 60:.1f} min"
    )
    samples = run(settings)
    meta["loadavg_end"] = os.getloadavg()
    rows = summarise(samples, settings)
    table = markdown(rows, settings, meta)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    if args.json:
        document = {
            "meta": meta,
            "summary": [asdict(row) for row in rows],
            "samples": [asdict(sample) for sample in samples],
        }
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

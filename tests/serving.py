"""Real servers for the tests: start one on a free loopback port, talk HTTP/1.1 to it, stop it."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(
    command: Sequence[str], port: int, *, cwd: Path, env: Mapping[str, str], what: str
) -> subprocess.Popen[bytes]:
    """Runs ``command`` (a server told to listen on ``port``) in its own process group, and returns
    once the port accepts connections; fails the test if it exits or does not listen in time."""
    process = subprocess.Popen(list(command), cwd=cwd, env=dict(env), start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                pytest.fail(f"{what} did not listen on port {port}")
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stops the server's whole process group, politely first."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def fetch(
    port: int, method: str, headers: dict[str, str], path: str = "/"
) -> tuple[int, dict[str, str], bytes]:
    """One request; the response's status, headers (names lowercased) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()

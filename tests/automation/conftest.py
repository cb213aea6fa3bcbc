"""Shared by the onboarding tests: processes on loopback, the Temporal dev server, a recording listener."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from akua_pulumi.toolchain.temporal import dev_server_command
from tests.support.ports import free_port


def temporal_bin() -> Path:
    """The ``temporal`` CLI: $AKUA_TEMPORAL_BIN, else the toolchain's (built here on first use;
    scripts/test builds it before the suite, scripts/demo never does)."""
    from akua_pulumi.toolchain import ensure_temporal

    explicit = os.environ.get("AKUA_TEMPORAL_BIN")
    if explicit and (Path(explicit) / "temporal").exists():
        return Path(explicit) / "temporal"
    return ensure_temporal() / "temporal"


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@contextlib.contextmanager
def serving_worker(log: Path, env: Mapping[str, str], *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """An ``akua-onboard-worker`` (``python -m akua_pulumi.automation.temporal *args``) in its own process
    group, writing to ``log``; yielded once it logs ``serving`` (within 120 s), stopped after."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "akua_pulumi.automation.temporal", *args],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=dict(env),
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    try:
        deadline = time.monotonic() + 120
        while b"serving" not in log.read_bytes():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield proc
    finally:
        stop(proc)


class RecordingListener:
    """A TCP listener on 127.0.0.1 that records every connection (and the first bytes sent) and answers
    503: anything that reaches it is a request that must not have been made."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.settimeout(2)
                try:
                    data = self.request.recv(65536)
                except OSError:
                    data = b""
                outer.seen.append(data)
                with contextlib.suppress(OSError):
                    self.request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[RecordingListener]:
    """A :class:`RecordingListener`; ``recorder.seen`` lists the connections it received."""
    listener = RecordingListener()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture
def temporal_address(tmp_path: Path) -> Iterator[str]:
    """``temporal server start-dev`` (in-memory, no UI) on loopback."""
    port = free_port()
    log = (tmp_path / "temporal.log").open("wb")
    proc = subprocess.Popen(
        [*dev_server_command(temporal_bin(), port, free_port(), free_port()), "--log-level", "error"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_port(port, proc)
        yield f"127.0.0.1:{port}"
    finally:
        stop(proc)

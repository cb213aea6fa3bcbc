"""Onboarding through Temporal for ``bench_onboarding.py --engine-workers``: a dev server and worker
processes on loopback, and the process bookkeeping that lets their CPU be counted."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench_fleet import cpu_seconds

from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline
from akua_pulumi.local import LocalServer
from akua_pulumi.toolchain.temporal import dev_server_command, temporal_bin_dir, temporal_is_cached


def become_subreaper() -> None:
    """Adopt orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``): a worker stopped with its
    process group leaves its fork server behind, whose CPU (and its job processes') reaches this
    process's children only once :func:`reap_orphans` collects it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(36, 1)


def reap_orphans(timeout: float = 10.0) -> None:
    """Wait for every remaining child (adopted orphans; call once the known ones are waited for)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_port(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


@contextlib.contextmanager
def _processes(
    *commands: tuple[list[str], dict[str, str]],
) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs = [
        subprocess.Popen(
            cmd,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for cmd, env in commands
    ]
    try:
        yield procs
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)


def run_engine_level(
    srv: LocalServer,
    tmp: Path,
    program: str,
    workers: int,
    entries: list[Any],
    tag: str,
) -> dict[str, Any]:
    """Onboard ``entries`` through a Temporal dev server and ``workers`` worker processes (2 slots each)."""
    if not temporal_is_cached():
        raise SystemExit("no temporal CLI: run scripts/temporal-toolchain")
    port = _free_port()
    backend = f"file://{tmp / f'shared-{tag}'}"  # one machine: a shared file backend stands in for S3
    (tmp / f"shared-{tag}").mkdir()
    server = (
        dev_server_command(temporal_bin_dir() / "temporal", port, _free_port(), _free_port()),
        dict(os.environ),
    )
    env = {
        **os.environ,
        **PulumiEnvironment(state_dir=tmp / f"w-{tag}").variables(),
        "AKUA_API_TOKEN": srv.owner_token,
    }
    env.pop("PULUMI_BACKEND_URL", None)
    worker_cmds = [
        (
            [
                sys.executable,
                "-m",
                "akua_pulumi.automation.temporal",
                "--address",
                f"127.0.0.1:{port}",
                "--backend",
                backend,
                "--api-url",
                srv.api_url,
                "--program",
                f"bench={program}",
                "--state-dir",
                str(tmp / f"w-{tag}-{i}"),
                "--slots",
                "2",
            ],
            env,
        )
        for i in range(workers)
    ]
    n = len(entries)
    with _processes(server):
        _wait_port(port)
        with _processes(*worker_cmds):
            # The workers hold the API URL, backend, program and secrets; the client names the program.
            pipeline = OnboardingPipeline(
                "bench",
                state_dir=tmp / f"client-{tag}",
                engine="temporal",
                address=f"127.0.0.1:{port}",
            )
            cpu0, t0 = cpu_seconds(), time.perf_counter()
            report = pipeline.up(entries)
            seconds = time.perf_counter() - t0
    reap_orphans()  # the workers' fork servers
    cpu1 = cpu_seconds()  # after the workers (and the server) are reaped: their CPU counts
    if not report.ok:
        raise SystemExit(f"onboarding on Temporal failed with {workers} workers:\n{report}")
    return {
        "workers": workers,
        "customers": n,
        "seconds": round(seconds, 3),
        "customers_per_minute": round(n / seconds * 60, 2),
        "cpu_s_per_customer": round(((cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1])) / n, 2),
    }

"""Shared by the scale benchmarks: peak memory of the whole process tree, and S3-compatible state.

* :class:`TreeRss` samples, on a thread, the resident memory (RSS) of this process and every
  descendant (workers, fork servers, CLIs, engines, language hosts, provider processes) and keeps the
  peak of the *sum* per phase. Processes under ``exclude`` (the S3 stand-in) are reported apart.
* :func:`run_drift` changes every fourth customer out of band and times a drift scan of them all.
* :func:`s3_state` starts moto's S3 server on loopback with one bucket, as the tests do
  (``tests/automation/test_temporal_fleet.py``), with dummy AWS credentials in this process's
  environment so that no SDK probes an instance-metadata endpoint.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_fleet import cpu_seconds

from akua_pulumi.automation.pipeline import OnboardingPipeline
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer

PAGE = os.sysconf("SC_PAGE_SIZE")
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process on the machine."""
    out: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
            out[int(name)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
    return out


def _tree(root: int, parents: dict[int, int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    seen, todo = {root}, [root]
    while todo:
        for kid in children.get(todo.pop(), ()):
            if kid not in seen:
                seen.add(kid)
                todo.append(kid)
    return seen


def _rss(pid: int) -> int:
    with (
        contextlib.suppress(OSError, IndexError, ValueError),
        open(f"/proc/{pid}/statm", "rb") as fh,
    ):
        return int(fh.read().split()[1]) * PAGE
    return 0


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far, its reaped children included."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        f = stat[stat.rindex(b")") + 2 :].split()
        return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")
    return 0.0


class TreeRss:
    """Peak summed RSS of this process tree, per phase (``mark`` starts the next phase)."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.exclude: set[int] = set()
        self.peaks: dict[str, int] = {}
        self.excluded_peak = 0
        self.max_processes = 0
        self._phase = "start"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-rss", daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def mark(self, phase: str) -> None:
        """Sample now, then count the samples that follow towards ``phase``."""
        self.sample()
        self._phase = phase
        self.sample()

    def peak_mb(self, phase: str) -> float:
        return round(self.peaks.get(phase, 0) / 2**20, 1)

    def sample(self) -> None:
        parents = _parents()
        tree = _tree(os.getpid(), parents)
        apart: set[int] = set()
        for pid in self.exclude:
            apart |= _tree(pid, parents) if pid in parents else set()
        total = sum(_rss(p) for p in tree - apart)
        self.peaks[self._phase] = max(self.peaks.get(self._phase, 0), total)
        self.excluded_peak = max(self.excluded_peak, sum(_rss(p) for p in apart))
        self.max_processes = max(self.max_processes, len(tree - apart))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def s3_state(log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """moto's S3 server on 127.0.0.1 with the bucket ``akua-state``: (Pulumi backend URL, its process)."""
    os.environ.update(S3_ENV)
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"moto's S3 server did not start (see {log})")
            time.sleep(0.2)
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=S3_ENV["AWS_REGION"],
        )
        s3.create_bucket(Bucket="akua-state")
        yield (
            f"s3://akua-state?endpoint=http://127.0.0.1:{port}&region=us-east-1&use_path_style=true",
            proc,
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)


@dataclass
class Scale:
    """What every level shares: the backend (None: the file backend), the memory sampler, the S3 stand-in."""

    backend_url: str | None = None
    rss: TreeRss | None = None
    s3_pid: int | None = None
    drift: bool = False

    def mark(self, phase: str) -> None:
        if self.rss is not None:
            self.rss.mark(phase)

    def s3_cpu(self) -> float:
        return cpu_of(self.s3_pid) if self.s3_pid else 0.0


def cpu_delta(c0: tuple[float, float], c1: tuple[float, float]) -> float:
    return (c1[0] - c0[0]) + (c1[1] - c0[1])


def rename_every_fourth_cluster(srv: LocalServer, up: Any) -> list[str]:
    """Drift made out of band: rename the cluster of every fourth onboarded customer; their ids."""
    expected = []
    with AkuaClient(api_url=srv.api_url, token=srv.owner_token) as api:
        for i, r in enumerate(up):
            if i % 4 == 0:
                ws = api.for_workspace(r.outputs["workspace_id"])
                [cluster] = ws.paginate("/clusters")
                ws.patch(f"/clusters/{cluster['id']}", json={"name": "renamed"}, if_match=cluster["etag"])
                expected.append(r.customer_id)
    return expected


def run_drift(
    srv: LocalServer,
    pipeline: OnboardingPipeline,
    up: Any,
    entries: list[Any],
    scale: Scale,
) -> dict[str, Any]:
    """Rename every fourth customer's cluster out of band, then scan all of them for drift (in this
    process, ``pipeline.parallelism`` customers at a time); the scan must find exactly those, writing nothing."""
    expected = rename_every_fourth_cluster(srv, up)
    srv.admin.reset_counters()
    scale.mark("drift")
    c0, t0, s3_0 = cpu_seconds(), time.perf_counter(), scale.s3_cpu()
    report = pipeline.drift(entries)
    seconds = time.perf_counter() - t0
    cpu = cpu_delta(c0, cpu_seconds())
    counters = srv.admin.counters()
    drifted = sorted(r.customer_id for r in report.drifted)
    if report.failed or drifted != sorted(expected) or counters["writes"]:
        raise SystemExit(f"drift scan wrong: {len(drifted)} drifted, {len(expected)} expected, {counters}\n{report}")
    n = len(entries)
    out = {
        "seconds": round(seconds, 3),
        "customers_per_minute": round(n / seconds * 60, 1),
        "cpu_s_per_customer": round(cpu / n, 4),
        "requests": counters["total"],
        "drifted": len(drifted),
        "s3_server_cpu_s": round(scale.s3_cpu() - s3_0, 1),
    }
    if scale.rss is not None:
        out["peak_rss_mb"] = scale.rss.peak_mb("drift")
    return out

"""A worker's death ends its runs, however it dies (Linux): SIGKILL of the worker's pid alone, of its
process group, or of its fork server leaves no process of its runs alive within a few seconds.

The stand-in worker (:mod:`tests.automation.lifeline_helper`) uses the real fork server and the real
:func:`akua_pulumi.automation.lifeline.lead_run`; its job starts a child in its own process group (as
Pulumi starts plugins) and a grandchild."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from akua_pulumi.automation.lifeline import descendants

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _launch(pids_path: Path, *args: str) -> tuple[subprocess.Popen[str], dict[str, int]]:
    """The helper's worker (its own session), and the pids it prints at once (worker, fork server, job)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.automation.lifeline_helper", str(pids_path), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], dict[str, int], list[int]]:
    pids_path = tmp_path / "pids.json"
    proc, pids = _launch(pids_path)
    deadline = time.monotonic() + 60
    while not pids_path.exists():
        assert time.monotonic() < deadline and proc.poll() is None, "the job never started"
        time.sleep(0.1)
    pids.update(json.loads(pids_path.read_text()))
    tree = [pids["fork_server"], *descendants(pids["fork_server"]), pids["plugin"]]
    assert len(tree) >= 6, tree  # fork server, job, plugin, engine and its two children
    return proc, pids, sorted(set(tree))


@pytest.mark.parametrize("how", ["worker pid", "worker group", "fork server"])
def test_a_dead_worker_ends_its_runs(tmp_path: Path, how: str) -> None:
    proc, pids, tree = _start(tmp_path)
    try:
        if how == "worker pid":
            os.kill(pids["worker"], signal.SIGKILL)
        elif how == "worker group":
            os.killpg(pids["worker"], signal.SIGKILL)
        else:
            os.kill(pids["fork_server"], signal.SIGKILL)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in tree if _alive(p)] == [], f"still running after {how} was killed"
    finally:
        for pid in [pids["worker"], *tree]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(10)


def test_a_worker_that_dies_before_its_job_leads_the_run_ends_it(tmp_path: Path) -> None:
    # The worker dies between the fork of a job and the job's lead_run (a slow start): the job must
    # not take whoever adopted it for its fork server and run on.
    pids_path = tmp_path / "pids.json"
    proc, pids = _launch(pids_path, "2")
    try:
        os.kill(pids["worker"], signal.SIGKILL)  # while the job sleeps before lead_run
        deadline = time.monotonic() + 8
        while _alive(pids["job"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        started = json.loads(pids_path.read_text()) if pids_path.exists() else {}
        assert not _alive(pids["job"]), "the job outlived its worker"
        assert [p for p in started.values() if _alive(p)] == []
    finally:
        started = json.loads(pids_path.read_text()) if pids_path.exists() else {}
        tree = [*started.values(), *(descendants(started["engine"]) if "engine" in started else [])]
        for pid in [pids["worker"], pids["fork_server"], pids["job"], *tree]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(10)

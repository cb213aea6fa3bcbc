"""A worker killed by its pid alone: its runs die with it, the retry never overlaps them, the stacks
end clean, and the report tells what the run changed (issue 24).

A Temporal dev server, moto's S3 server and two ``akua-onboard-worker`` processes on 127.0.0.1;
akua-local answers every call 1 s late so worker A dies in the middle of its updates. While the
customers onboard, a sampler reads ``/proc`` every 0.1 s for ``pulumi`` engine commands and their
stack; worker A is then SIGKILLed by its pid alone (not its group).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from akua_pulumi.automation.cli_options import DEFAULT_PROJECT
from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.lifeline import parent_of, stat_fields
from akua_pulumi.automation.pipeline import OnboardingPipeline
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from tests.automation.conftest import stop
from tests.automation.test_temporal_fleet import (
    PASSPHRASE,
    S3_ENV,
    UpInBackground,
    _unfinished_logs,
    s3_backend,
    start_worker,
    wait_mid_run,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
__all__ = ["s3_backend"]  # the fixture, used by name

ENGINE_COMMANDS = {"up", "preview", "refresh", "destroy"}
PROJECT = DEFAULT_PROJECT


def _proc_info(pid: str) -> tuple[list[str], dict[str, str]] | None:
    fields = stat_fields(pid)
    if not fields or fields[0] == "Z":
        return None
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    environ = dict(e.decode(errors="replace").partition("=")[::2] for e in env if b"=" in e)
    return [a.decode(errors="replace") for a in argv if a], environ


def processes_of(state_dir: Path) -> list[int]:
    """Live processes started by the worker of ``state_dir`` (everything below it inherits its
    ``PULUMI_HOME``; other tests on this machine have their own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            info = _proc_info(entry.name)
            if info and info[1].get("PULUMI_HOME", "").startswith(str(state_dir)):
                found.append(int(entry.name))
    return found


class EngineSampler:
    """Samples ``pulumi <engine command> --stack organization/<project>/<cid>`` processes."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.samples: list[dict[str, dict[int, int]]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            running: dict[str, dict[int, int]] = defaultdict(dict)
            for entry in Path("/proc").iterdir():
                info = _proc_info(entry.name) if entry.name.isdigit() else None
                if not info or not info[0] or Path(info[0][0]).name != "pulumi":
                    continue
                if not info[1].get("PULUMI_HOME", "").startswith(self.root):
                    continue  # another test's
                argv = info[0]
                if ENGINE_COMMANDS & set(argv[1:3]) and "--stack" in argv:
                    stack = argv[argv.index("--stack") + 1].rsplit("/", 1)[-1]
                    running[stack][int(entry.name)] = parent_of(entry.name) or 0
            self.samples.append(dict(running))
            time.sleep(0.1)

    def overlaps(self) -> list[dict[str, dict[int, int]]]:
        """Samples with two engine runs on one stack. A process whose parent is an engine process of
        the same stack is not a second run: it is the engine's own child between fork and exec
        (Go's ``os/exec``), which shows its parent's command line until it execs a plugin."""
        found = []
        for sample in self.samples:
            both = {
                cid: procs
                for cid, procs in sample.items()
                if len([pid for pid, ppid in procs.items() if ppid not in procs]) > 1
            }
            if both:
                found.append(both)
        return found

    def stacks_seen(self) -> set[str]:
        return {cid for s in self.samples for cid in s}


def test_a_worker_killed_by_pid_ends_its_runs_and_the_retry_is_clean(
    tmp_path: Path, akua: LocalServer, api: AkuaClient, s3_backend: str, temporal_address: str
) -> None:
    akua.admin.set_faults(latency_ms=1000)
    customers = [
        {"id": f"dead-{i}", "name": f"Dead {i}", "slug": f"dead-{i}", "cluster": {"name": f"dead-{i}-main"}}
        for i in range(3)
    ]
    entries = parse_customers_file({"defaults": {"region": {"name": "eu-west"}}, "customers": customers}).entries
    pipeline = OnboardingPipeline("default", state_dir=tmp_path / "client", engine="temporal", address=temporal_address)
    workers = {"worker-a": start_worker("worker-a", temporal_address, s3_backend, akua, tmp_path)}
    sampler = EngineSampler(tmp_path)
    sampler.thread.start()
    try:
        up = UpInBackground(pipeline, entries)
        wait_mid_run(tmp_path / "worker-a")
        # Worker B joins only now: worker A holds every customer when it dies.
        workers["worker-b"] = start_worker("worker-b", temporal_address, s3_backend, akua, tmp_path)
        interrupted = _unfinished_logs(tmp_path / "worker-a")
        assert interrupted, "worker A never started a customer"
        before = processes_of(tmp_path / "worker-a")
        assert len(before) > 3, before  # the worker, its fork server, job processes, pulumi, plugins

        os.kill(workers["worker-a"].pid, signal.SIGKILL)  # its pid alone, as an OOM kill does
        killed_at = time.monotonic()
        while processes_of(tmp_path / "worker-a") and time.monotonic() - killed_at < 5:
            time.sleep(0.1)
        left = {pid: (_proc_info(str(pid)) or [[]])[0] for pid in processes_of(tmp_path / "worker-a")}
        assert left == {}, f"processes of the dead worker still running: {left}"

        report = up.report()
        assert report.exit_code == 0, str(report)
        sampler.stop.set()
        sampler.thread.join(5)
        assert sampler.overlaps() == [], "two engine runs on one stack at once ({cid: {pid: ppid}})"
        assert interrupted <= sampler.stacks_seen()

        b_logs = tmp_path / "worker-b" / "logs"
        for cid in interrupted:
            log = (b_logs / f"{cid}.up.log").read_text()
            assert "# result: ok" in log, log
            assert "from previous deployment" not in log, log  # the engine's pending-operation warning
            assert "pulumi cancel" not in log or "breaking the lock of a dead run" in log, log

        # Clean stacks: no pending operation, and later commands warn about none.
        penv = PulumiEnvironment(
            state_dir=tmp_path / "check", backend_url=s3_backend, passphrase=PASSPHRASE, extra=dict(S3_ENV)
        )
        for cid in interrupted:
            exported = penv.run("stack", "export", "--stack", f"organization/{PROJECT}/{cid}", cwd=penv.state_dir)
            deployment = json.loads(exported.stdout)["deployment"]
            assert not deployment.get("pending_operations"), cid
            # A new customer: every resource was created by this workflow, on either worker, and the
            # report counts them all as a run in one go does (the Stack too, default providers not;
            # not only what the retry did itself, nor "unchanged").
            own = [r for r in deployment["resources"] if not r["type"].startswith("pulumi:providers:")]
            res = report[cid]
            assert res.resources_changed == len(own) and not res.skipped, (cid, res, len(own))
            assert "earlier attempts changed: create" in (b_logs / f"{cid}.up.log").read_text(), cid
            # The S3 SDK's checksum warning is not shown (moto sends no checksums).
            assert "checksum" not in exported.stderr.lower(), exported.stderr
        akua.admin.clear_faults()
        spaces = [w for w in api.paginate("/workspaces") if str(w["slug"]).startswith("dead-")]
        assert sorted(str(w["slug"]) for w in spaces) == [f"dead-{i}" for i in range(3)]
        refreshed = pipeline.refresh(entries)
        assert refreshed.exit_code == 0, str(refreshed)
        offboard = pipeline.destroy(entries)
        assert offboard.exit_code == 0, str(offboard)
        for cid in interrupted:  # worker B ran both (A is dead): the engine warned about nothing pending
            for command in ("refresh", "destroy"):
                assert "pending operation" not in (b_logs / f"{cid}.{command}.log").read_text().lower(), (cid, command)
    finally:
        sampler.stop.set()
        for proc in workers.values():
            if proc.poll() is None:
                stop(proc)

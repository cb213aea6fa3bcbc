"""Onboarding on Temporal: a dev server, two worker processes and an S3 backend, all on 127.0.0.1.

Ten customers onboard through ``engine="temporal"``; worker A is SIGKILLed (its whole process
group, as when its machine dies) while it runs customers, and worker B finishes their work after the
heartbeat timeout, breaking the dead run's stack lock first (only once it is known dead:
tests/automation/test_stack_lock.py, test_worker_death.py). akua-local then holds exactly ten
customers' objects with no duplicate; a re-run changes nothing and writes nothing; offboarding
leaves the API empty. The Pulumi state lives in a bucket of moto's S3-compatible server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from akua_pulumi.automation.customers import Customer, InvalidCustomer, parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline
from akua_pulumi.automation.results import PipelineReport
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from tests.automation.conftest import stop, wait_port
from tests.support.ports import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSPHRASE = "fleet-test-passphrase"
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}


@pytest.fixture
def s3_backend(tmp_path: Path) -> Iterator[str]:
    """moto's S3 server on loopback with one bucket; yields the Pulumi backend URL."""
    port = free_port()
    log = (tmp_path / "moto.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **S3_ENV},
    )
    try:
        wait_port(port, proc)
        import boto3

        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", **_boto_kw())
        s3.create_bucket(Bucket="akua-state")
        yield f"s3://akua-state?endpoint=http://127.0.0.1:{port}&region=us-east-1&use_path_style=true"
    finally:
        stop(proc)


def _boto_kw() -> dict[str, str]:
    return {
        "aws_access_key_id": S3_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": S3_ENV["AWS_SECRET_ACCESS_KEY"],
        "region_name": S3_ENV["AWS_REGION"],
    }


def start_worker(name: str, address: str, backend: str, akua: LocalServer, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **S3_ENV,
        **PulumiEnvironment(state_dir=tmp_path / name).variables(),
        "AKUA_API_TOKEN": akua.owner_token,
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "AKUA_WORKER_NAME": name,
    }
    env.pop("PULUMI_BACKEND_URL", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "akua_pulumi.automation.temporal",
            "--address",
            address,
            "--backend",
            backend,
            "--api-url",
            akua.api_url,
            "--state-dir",
            str(tmp_path / name),
            "--slots",
            "3",
        ],
        stdout=(tmp_path / f"{name}.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL of the group is the machine dying
        env=env,
        cwd=str(Path(__file__).resolve().parents[2]),
    )


def _customer_workspaces(api: AkuaClient) -> list[dict[str, object]]:
    return [w for w in api.paginate("/workspaces") if str(w["slug"]).startswith("fleet-")]


def _unfinished_logs(state_dir: Path, started: bool = False) -> set[str]:
    """Customers whose up log has no result yet (with ``started``: and a resource already created)."""
    found = set()
    for path in (state_dir / "logs").glob("*.up.log"):
        text = path.read_text()
        if "# result:" not in text and (not started or " created (" in text):
            found.add(path.name.split(".")[0])
    return found


def wait_mid_run(worker_dir: Path, timeout: float = 300) -> None:
    """Until the worker writing ``worker_dir`` is in the middle of a run (a resource created, no result
    yet), or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not _unfinished_logs(worker_dir, started=True) and time.monotonic() < deadline:
        time.sleep(0.1)


class UpInBackground:
    """``pipeline.up(entries)`` on a thread of its own, started at once; :meth:`report` waits for it."""

    def __init__(self, pipeline: OnboardingPipeline, entries: Sequence[Customer | InvalidCustomer]) -> None:
        self._box: dict[str, object] = {}
        self.thread = threading.Thread(target=lambda: self._box.update(report=pipeline.up(entries)))
        self.thread.start()

    def report(self, timeout: float = 600) -> PipelineReport:
        """The report of the ``up``, once it has ended (within ``timeout`` seconds)."""
        self.thread.join(timeout)
        report = self._box["report"]
        assert isinstance(report, PipelineReport)
        return report


def test_ten_customers_survive_a_dead_worker(
    tmp_path: Path, akua: LocalServer, api: AkuaClient, s3_backend: str, temporal_address: str
) -> None:
    akua.admin.set_faults(latency_ms=60)  # slow enough that worker A dies mid-run
    customers = [
        {"id": f"fleet-{i}", "name": f"Fleet {i}", "slug": f"fleet-{i}", "cluster": {"name": f"fleet-{i}-main"}}
        for i in range(10)
    ]
    entries = parse_customers_file({"defaults": {"region": {"name": "eu-west"}}, "customers": customers}).entries
    # The workers hold the API URL, backend, token and passphrase; the client sends customers only.
    pipeline = OnboardingPipeline("default", state_dir=tmp_path / "client", engine="temporal", address=temporal_address)
    workers = {n: start_worker(n, temporal_address, s3_backend, akua, tmp_path) for n in ("worker-a", "worker-b")}
    try:
        up = UpInBackground(pipeline, entries)
        # Kill worker A in the middle of an update: a resource created, the run not finished.
        wait_mid_run(tmp_path / "worker-a")
        interrupted = _unfinished_logs(tmp_path / "worker-a")
        os.killpg(workers["worker-a"].pid, signal.SIGKILL)
        workers["worker-a"].wait(10)
        assert interrupted, "worker A never started a customer"
        report = up.report()
        assert report.exit_code == 0, str(report)

        # Worker B finished what A was doing: its logs end with a result for those customers.
        b_logs = tmp_path / "worker-b" / "logs"
        for cid in interrupted:
            assert "# result: ok" in (b_logs / f"{cid}.up.log").read_text(), cid

        akua.admin.clear_faults()
        spaces = _customer_workspaces(api)
        assert sorted(str(w["slug"]) for w in spaces) == [f"fleet-{i}" for i in range(10)]  # ten, none twice
        for ws in spaces:
            scoped = api.for_workspace(str(ws["id"]))
            assert len(list(scoped.paginate("/clusters"))) == 1, ws["slug"]
            assert len(list(scoped.paginate("/regions"))) == 1, ws["slug"]

        akua.admin.reset_counters()
        again = pipeline.up(entries)
        assert again.exit_code == 0 and all(r.resources_changed == 0 for r in again), str(again)
        assert akua.admin.counters()["writes"] == 0

        offboard = pipeline.destroy(entries)
        assert offboard.exit_code == 0, str(offboard)
        assert _customer_workspaces(api) == []
    finally:
        for proc in workers.values():
            stop(proc)

"""What Temporal and the shell see of a fleet run: a failed customer's workflow is Failed (with the
one-line error as its failure message) while the client still prints its report; the
``akua-onboard --engine temporal`` command exits with its documented code in 50 runs out of 50
(never a signal from temporalio's threads at interpreter exit).

A real Temporal dev server and akua-local on loopback; two workers on one machine with the default
``--state-dir`` and backend (the same file backend, in the same directory).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from akua_pulumi.automation.executors.temporal import DEFAULT_TASK_QUEUE, workflow_id
from akua_pulumi.local import LocalServer
from tests.automation.conftest import stop, temporal_bin

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "outcomes-test-passphrase"


@pytest.fixture
def two_workers(tmp_path: Path, akua: LocalServer, temporal_address: str) -> Iterator[Path]:
    """Two workers started in the same directory with every default (state dir, file backend)."""
    cwd = tmp_path / "workers"
    cwd.mkdir()
    env = {
        **os.environ,
        "AKUA_API_TOKEN": akua.owner_token,
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
    }
    env.pop("PULUMI_BACKEND_URL", None)
    argv = [sys.executable, "-m", "akua_pulumi.automation.temporal", "--address", temporal_address]
    argv += ["--api-url", akua.api_url]
    procs = [
        subprocess.Popen(
            argv,
            cwd=cwd,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=(tmp_path / f"worker-{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for i in range(2)
    ]
    try:
        yield cwd
    finally:
        for proc in procs:
            stop(proc)


def _cli(tmp_path: Path, address: str, command: str, customers: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "akua_pulumi.automation.cli", command, "--engine", "temporal"]
    argv += ["--address", address, "--customers", str(customers), "--no-progress"]
    client = tmp_path / "client"
    client.mkdir(exist_ok=True)
    env = {**os.environ, "COLUMNS": "400"}  # one report line per customer
    return subprocess.run(argv, cwd=client, env=env, capture_output=True, text=True, timeout=300, check=False)


def _customers(tmp_path: Path, *ids: str) -> Path:
    path = tmp_path / f"customers-{'-'.join(ids)}.yaml"
    entries = [{"id": i, "name": i.title(), "slug": i, "cluster": {"name": f"{i}-main"}} for i in ids]
    path.write_text(yaml.safe_dump({"defaults": {"region": {"name": "eu-west"}}, "customers": entries}))
    return path


def test_a_failed_customer_fails_its_workflow(
    tmp_path: Path, two_workers: Path, temporal_address: str, akua: LocalServer
) -> None:
    # `refresh` of a customer that was never onboarded: its run fails with a one-line error.
    done = _cli(tmp_path, temporal_address, "refresh", _customers(tmp_path, "never"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "does not exist; run 'up' first" in " ".join(done.stdout.split()), done.stdout  # the report
    # The client names where the run's log is (the workers' default state dir), and it is there.
    [where] = [line.split("logs on the workers, in ", 1)[1] for line in done.stdout.splitlines() if "logs on" in line]
    assert Path(where) == two_workers / ".akua" / "onboarding-worker" / "logs", where
    assert "does not exist" in (Path(where) / "never.refresh.log").read_text()
    wid = workflow_id(DEFAULT_TASK_QUEUE, "never", "refresh")
    described = subprocess.run(
        [str(temporal_bin()), "workflow", "describe", "--address", temporal_address, "-w", wid, "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(described.stdout)
    status = json.dumps(info.get("workflowExecutionInfo", {}).get("status", info))
    assert "FAILED" in status.upper(), described.stdout
    listed = subprocess.run(
        [str(temporal_bin()), "workflow", "list", "--address", temporal_address, "--query", 'ExecutionStatus="Failed"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert wid in listed.stdout, listed.stdout
    failure = subprocess.run(
        [str(temporal_bin()), "workflow", "show", "--address", temporal_address, "-w", wid, "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "does not exist; run 'up' first" in failure and "CustomerFailed" in failure
    assert PASSPHRASE not in failure and akua.owner_token not in failure  # the worker's secrets
    pending = info.get("pendingActivities") or []
    assert pending == []  # no attempt left running: the failure is final (non-retryable)


def test_the_client_exits_with_its_code_every_time(tmp_path: Path, two_workers: Path, temporal_address: str) -> None:
    customers = _customers(tmp_path, "steady")
    first = _cli(tmp_path, temporal_address, "up", customers)
    assert first.returncode == 0, first.stdout + first.stderr
    # Where the logs are: the workers' state dir (the default, shared by both workers).
    logs = two_workers / ".akua" / "onboarding-worker" / "logs"
    assert f"logs on the workers, in {logs}" in first.stdout, first.stdout
    codes = [_cli(tmp_path, temporal_address, "up", customers).returncode for _ in range(50)]
    assert codes == [0] * 50, codes  # 134 (SIGABRT) / 139 (SIGSEGV) / negative: a crash at exit
    assert (two_workers / ".akua" / "onboarding-worker" / ".pulumi" / "stacks").exists()

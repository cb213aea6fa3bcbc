"""No Temporal at ``--address``: ``akua-onboard --engine temporal``, ``akua-onboard schedule`` and
``akua-onboard-worker`` say so, naming the address and what to do, and exit 2 every time (a client
that tried to connect made temporalio's core threads, which race interpreter finalization: an
occasional SIGABRT after the message, exit 134, before the commands exited early)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
RUNS = 10


def _run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PULUMI_CONFIG_PASSPHRASE": "unreachable-test", "COLUMNS": "400", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_client_names_an_unreachable_temporal_and_exits_2(tmp_path: Path) -> None:
    customers = tmp_path / "customers.yaml"
    customers.write_text("customers:\n  - {id: far, name: Far, slug: far, region: {name: eu-west}}\n")
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    argv = ["akua_pulumi.automation.cli", "up", "--engine", "temporal", "--address", address]
    runs = [_run(tmp_path, *argv, "--customers", str(customers), "--no-progress") for _ in range(RUNS)]
    assert [r.returncode for r in runs] == [2] * RUNS, [(r.returncode, r.stderr[-300:]) for r in runs]
    err = " ".join(runs[0].stderr.split())
    assert f"cannot reach Temporal at {address} (connection refused)" in err, err
    assert "temporal server start-dev" in err and "Traceback" not in err, err
    schedule = _run(
        tmp_path, "akua_pulumi.automation.cli", "schedule", "drift", "--cron", "0 3 * * *", "--address", address
    )
    assert schedule.returncode == 2, schedule.stderr
    assert "cannot reach Temporal at" in " ".join(schedule.stderr.split()), schedule.stderr


def test_the_worker_names_an_unreachable_temporal_and_exits_2(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    argv = ["akua_pulumi.automation.temporal", "--address", address, "--state-dir", str(tmp_path / "w")]
    done = _run(tmp_path, *argv, "--api-url", "http://127.0.0.1:9/v1")
    assert done.returncode == 2, done.stderr
    err = " ".join(done.stderr.split())
    assert f"akua-onboard-worker: cannot reach Temporal at {address} (connection refused)" in err, err
    assert "Traceback" not in err, err

"""A retried run never breaks a lock a live run may hold, and leaves no pending operation behind.

The real Pulumi CLI on a file backend; the retry's rules are those of
:func:`akua_pulumi.automation.stack_lock.settle` (the worker passes Temporal's verdict in the job)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from akua_pulumi.automation.customers_schema import Customer
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.job import Job
from akua_pulumi.automation.stack_lock import earlier_changes, lock_holders
from akua_pulumi.automation.stack_run import run_job

pytestmark = pytest.mark.e2e
PROJECT = "lock-test"


def _job(penv: PulumiEnvironment, tmp_path: Path, **kw: object) -> Job:
    base = Job(
        program="tests.automation.lifeline_helper:empty_program",
        customer=Customer.model_validate({"id": "held", "name": "Held", "slug": "held", "region": {"name": "eu-west"}}),
        command="up",
        project_name=PROJECT,
        state_dir=str(tmp_path / "worker"),
        backend_url=penv.backend,
        config={},
        env={},
        settings={},
        passphrase="lock-test",
        engine_parallel=None,
        bin_dir=None,
        force=True,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _lock(penv: PulumiEnvironment, age_s: float) -> Path:
    locks = Path(penv.backend.removeprefix("file://")) / ".pulumi" / "locks" / "organization" / PROJECT / "held"
    locks.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - age_s))
    path = locks / "00000000-0000-0000-0000-000000000001.json"
    path.write_text(json.dumps({"pid": 4242, "username": "w", "hostname": "gone", "timestamp": stamp}))
    return path


def test_earlier_changes_count_as_the_engine_summary_does() -> None:
    # A dead attempt created the Stack, its default provider and two resources, and updated one
    # older resource: the retry reports them as a run in one go would (the Stack counted, as in the
    # engine's summary; default providers not; what changed before the workflow started not).
    before, after = "2026-12-06T09:00:00Z", "2099-01-01T00:00:00Z"
    since = datetime(2026, 12, 6, 9, 30, tzinfo=timezone.utc).timestamp()
    resources = [
        {"type": "pulumi:pulumi:Stack", "created": after, "modified": after},
        {"type": "pulumi:providers:pulumi-python", "created": after, "modified": after},
        {"type": "akua:layouts:CustomerWorkspace", "created": after, "modified": after},
        {"type": "pulumi-python:dynamic/akua:Workspace", "created": after},
        {"type": "pulumi-python:dynamic/akua:Region", "created": before, "modified": after},
        {"type": "pulumi-python:dynamic/akua:Cluster", "created": before, "modified": before},
        {"type": "pulumi-python:dynamic/akua:Machine", "created": "not a time"},
    ]
    assert earlier_changes({"resources": resources}, since) == {"create": 3, "update": 1}


def test_lock_holders_parses_the_cli_message() -> None:
    text = (
        "error: the stack is currently locked by 1 lock(s). Either wait ...\n"
        "  s3://b/.pulumi/locks/organization/p/s/u.json: created by root@host-a (pid 12) at 2026-12-06T05:00:00Z"
    )
    (holder,) = lock_holders(text)
    assert (holder.who, holder.pid, str(holder)) == ("root@host-a", 12, "root@host-a (pid 12) at 2026-12-06T05:00:00Z")


def test_a_retry_waits_for_a_young_lock_breaks_an_old_one(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    first = run_job(_job(pulumi_env, tmp_path))
    assert first.ok, first.error

    young = _lock(pulumi_env, age_s=2)  # a run that may still be live
    res = run_job(_job(pulumi_env, tmp_path, retry=True, break_locks_older_than=15.0, lock_wait_s=1.0))
    assert not res.ok and "may still be live" in str(res.error) and "w@gone (pid 4242)" in str(res.error), res.error
    assert young.exists()

    old = _lock(pulumi_env, age_s=60)  # Temporal shows another live run of the customer: never broken
    res = run_job(_job(pulumi_env, tmp_path, retry=True, break_locks_older_than=None, lock_wait_s=1.0))
    assert not res.ok and "locked" in str(res.error), res.error
    assert old.exists()

    res = run_job(_job(pulumi_env, tmp_path, retry=True, break_locks_older_than=15.0, lock_wait_s=1.0))
    assert res.ok, res.error
    assert not old.exists()
    assert "breaking the lock of a dead run: w@gone (pid 4242)" in Path(str(res.log_path)).read_text()


def test_a_retry_drops_pending_operations(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    assert run_job(_job(pulumi_env, tmp_path)).ok
    qualified = f"organization/{PROJECT}/held"
    # What a killed engine leaves (`stack import` itself drops pending operations): edit the checkpoint.
    checkpoint = Path(pulumi_env.backend.removeprefix("file://")) / ".pulumi" / "stacks" / PROJECT / "held.json"
    data = json.loads(checkpoint.read_text())
    latest = data["checkpoint"]["latest"]
    latest["pending_operations"] = [{"resource": latest["resources"][0], "type": "updating"}]
    checkpoint.write_text(json.dumps(data))
    before = json.loads(pulumi_env.run("stack", "export", "--stack", qualified).stdout)
    assert before["deployment"]["pending_operations"], "the test could not leave a pending operation"

    res = run_job(_job(pulumi_env, tmp_path, retry=True, break_locks_older_than=15.0, lock_wait_s=1.0))
    assert res.ok, res.error
    after = json.loads(pulumi_env.run("stack", "export", "--stack", qualified).stdout)
    assert not after["deployment"].get("pending_operations")
    assert "dropped 1 pending operation(s)" in Path(str(res.log_path)).read_text()

"""The nightly drift scan as a Temporal Schedule: created with ``akua-onboard schedule drift`` on the
real dev server, triggered once, run by a real ``akua-onboard-worker`` on its own settings; the
workflow's result (what the Temporal UI shows) is the JSON drift report, with no secret in the history."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.cli import main as onboard_main
from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.drift_schedule import schedule_id
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.executors.temporal import DEFAULT_TASK_QUEUE
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from tests.automation.conftest import serving_worker

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def onboarded(tmp_path: Path, akua: LocalServer, api: AkuaClient) -> dict[str, Any]:
    customers = [
        {"id": f"cust-{i}", "name": f"Customer {i}", "slug": f"cust-{i}", "cluster": {"name": "main"}} for i in range(2)
    ]
    entries = parse_customers_file({"defaults": {"region": {"name": "eu-west"}}, "customers": customers}).entries
    state = tmp_path / "state"
    pipeline = OnboardingPipeline(
        "akua_pulumi.automation.programs:customer_program",
        state_dir=state,
        parallelism=2,
        config={"akua:apiUrl": akua.api_url, "akua:token": Secret(akua.owner_token)},
    )
    report = pipeline.up(entries)
    assert report.exit_code == 0, str(report)
    return {"state": state, "up": report}


@pytest.fixture
def drift_worker(tmp_path: Path, temporal_address: str, akua: LocalServer, onboarded: dict[str, Any]) -> Iterator[None]:
    """An ``akua-onboard-worker`` whose own backend is the onboarded state."""
    state: Path = onboarded["state"]
    env = {**os.environ, **PulumiEnvironment(state_dir=state).variables(), "AKUA_API_TOKEN": akua.owner_token}
    for var in ("PULUMI_BACKEND_URL", "AKUA_API_URL", "PULUMI_CONFIG_PASSPHRASE"):
        env.pop(var, None)
    args = ("--address", temporal_address, "--state-dir", str(state), "--api-url", akua.api_url)
    with serving_worker(tmp_path / "worker.log", env, *args):
        yield


async def _triggered_result(address: str, sid: str) -> tuple[dict[str, Any], bytes, Any]:
    """The result of the run the trigger started, the run's history, and the schedule's action input."""
    from temporalio.client import Client, ScheduleActionExecutionStartWorkflow, ScheduleActionStartWorkflow

    client = await Client.connect(address)
    handle = client.get_schedule_handle(sid)
    deadline = time.monotonic() + 120
    while True:
        desc = await handle.describe()
        if desc.info.recent_actions:
            break
        assert time.monotonic() < deadline, "the triggered run never started"
        await asyncio.sleep(0.5)
    action = desc.info.recent_actions[0].action
    assert isinstance(action, ScheduleActionExecutionStartWorkflow)
    run = client.get_workflow_handle(action.workflow_id, run_id=action.first_execution_run_id)
    result = await asyncio.wait_for(run.result(), 120)
    history = await run.fetch_history()
    assert isinstance(desc.schedule.action, ScheduleActionStartWorkflow)
    args = desc.schedule.action.args
    await handle.delete()
    return result, history.to_json().encode(), args


def test_drift_schedule_runs_on_a_worker(
    temporal_address: str,
    drift_worker: None,
    onboarded: dict[str, Any],
    akua: LocalServer,
    api: AkuaClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = api.for_workspace(onboarded["up"]["cust-0"].outputs["workspace_id"])
    [cluster] = ws.paginate("/clusters")
    ws.patch(f"/clusters/{cluster['id']}", json={"name": "renamed-at-night"}, if_match=cluster["etag"])

    code = onboard_main(["schedule", "drift", "--cron", "0 3 * * *", "--address", temporal_address, "--trigger"])
    assert code == 0, capsys.readouterr().err
    sid = schedule_id(DEFAULT_TASK_QUEUE)
    assert sid in capsys.readouterr().out

    akua.admin.reset_counters()
    result, history, args = asyncio.run(_triggered_result(temporal_address, sid))
    assert akua.admin.counters()["writes"] == 0
    assert result["exit_code"] == 3 and result["drifted"] == ["cust-0"] and result["failed"] == []
    [cust0] = result["customers"]  # in full: the customers that need a look; the others by id
    assert cust0["customer_id"] == "cust-0" and cust0["drifted"] is True
    assert result["in_sync"] == ["cust-1"] and result["no_stack"] == [] and result["checked"] == 2
    [res] = cust0["resources"]
    assert res["type"] == "pulumi-python:dynamic/akua:Cluster" and res["status"] == "changed"
    assert {"name": "name", "stack": "main", "live": "renamed-at-night"} in res["fields"]
    # The input names nothing the worker would act on; no secret anywhere in the history.
    assert [json.loads(getattr(a, "data", None) or json.dumps(a)) for a in args] == [{}]
    assert akua.owner_token.encode() not in history and akua.api_url.encode() not in history


def test_schedule_refuses_bad_ids_before_any_call(capsys: pytest.CaptureFixture[str]) -> None:
    code = onboard_main(["schedule", "drift", "--cron", "0 3 * * *", "--address", "127.0.0.1:1", "--only", "Bad/Id"])
    assert code == 2 and "not a customer id" in capsys.readouterr().err

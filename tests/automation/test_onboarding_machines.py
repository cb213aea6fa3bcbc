"""A customers file with machines (the one docs/layouts.md shows) onboarded through the real engine: the
customer's cluster gets its workers and their compute config; a re-run writes nothing; offboarding
deletes the machines before the cluster and the config and leaves nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "layouts.md"


def _documented_file() -> dict[str, object]:
    """The customers file of docs/layouts.md's Machines section."""
    section = DOCS.read_text().split("### Machines", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None, "docs/layouts.md: the Machines section shows no customers file"
    data = yaml.safe_load(block.group(1))
    assert isinstance(data, dict)
    return data


def test_customers_file_with_machines(pulumi_env: PulumiEnvironment, akua: LocalServer, api: AkuaClient) -> None:
    data = _documented_file()
    entries = parse_customers_file(data).entries
    pipeline = OnboardingPipeline(
        "akua_pulumi.automation.programs:customer_program",
        state_dir=pulumi_env.state_dir,
        parallelism=1,
        config={"akua:apiUrl": akua.api_url, "akua:token": Secret(akua.owner_token)},
    )
    report = pipeline.up(entries)
    assert report.exit_code == 0, str(report)
    ws = api.for_workspace(report["globex"].outputs["workspace_id"])
    [cluster] = ws.paginate("/clusters")
    machines = list(ws.paginate("/machines"))
    assert [(m["name"], m["state"], m["cluster_id"]) for m in machines] == [("globex-main-1", "ACTIVE", cluster["id"])]
    [config] = ws.paginate("/compute_configs")
    assert config["name"] == "globex-main-machines" and machines[0]["compute_config_id"] == config["id"]
    assert report["globex"].outputs["machine_ids"] == [machines[0]["id"]]

    akua.admin.reset_counters()
    again = pipeline.up(entries)
    assert again.exit_code == 0 and akua.admin.counters()["writes"] == 0

    # One machine more than the Free plan allows: the customer's run fails naming the plan limit.
    data["customers"][0]["machines"]["count"] = 2  # type: ignore[index]
    over = pipeline.up(parse_customers_file(data).entries)
    assert over.exit_code == 1 and "compute.max_machines" in (over["globex"].error or ""), str(over)
    assert len(list(ws.paginate("/machines"))) == 1

    offboard = pipeline.destroy(entries)
    assert offboard.exit_code == 0, str(offboard)
    assert [w for w in api.paginate("/workspaces") if w["slug"] == "globex"] == []

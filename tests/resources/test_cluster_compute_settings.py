"""ClusterComputeSettings: a singleton on a cluster; its own etag; plan limits; destroy leaves it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.cluster_compute_settings import ClusterComputeSettings, ClusterComputeSettingsProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from .conftest import CallCounter


def _cluster(api: AkuaClient, ws: str) -> str:
    region = api.post("/regions", json={"name": "eu"}, workspace=ws)["id"]
    op = api.post("/clusters", json={"name": "c", "region_id": region}, idempotency_key="c1", workspace=ws)
    return str(api.wait_operation(op, workspace=ws)["response"]["cluster_id"])


def test_cluster_compute_settings_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    cid = _cluster(api, ws)
    path = f"/clusters/{cid}/compute_settings"
    assert api.get(path, workspace=ws)["auto_scaling"] == "active"
    cluster_etag = api.get(f"/clusters/{cid}", workspace=ws)["etag"]

    stack = make_stack(lambda: ClusterComputeSettings("cs", cluster_id=cid, auto_scaling_enabled=False), workspace=ws)
    fixtures.up_within_budget(stack, calls, ClusterComputeSettingsProvider, "create")
    assert stack.state_of("ClusterComputeSettings")["id"] == cid
    assert api.get(path, workspace=ws)["auto_scaling"] == "paused"
    assert api.get(f"/clusters/{cid}", workspace=ws)["etag"] == cluster_etag  # its own etag

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, ClusterComputeSettingsProvider)

    # 2. Out-of-band change: refresh shows it, up converges it.
    live = api.get(path, workspace=ws)
    api.patch(path, json={"auto_scaling_enabled": True}, if_match=live["etag"], workspace=ws)
    stack.refresh()
    assert stack.state_of("ClusterComputeSettings")["outputs"]["auto_scaling_enabled"] is True
    fixtures.up_within_budget(stack, calls, ClusterComputeSettingsProvider, "update")
    assert api.get(path, workspace=ws)["auto_scaling"] == "paused"
    stack.preview(expect_no_changes=True)

    # Above the plan's machine limit (Free: 1): the API's 422 message surfaces, nothing changes.
    stack.program = lambda: ClusterComputeSettings("cs", cluster_id=cid, auto_scaling_enabled=False, max_machines=5)
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "max_machines" in str(err.value) or "limit" in str(err.value)
    assert api.get(path, workspace=ws)["max_machines"] == 1

    # 5. Destroy leaves the settings as they are (documented: they belong to the cluster).
    stack.program = lambda: ClusterComputeSettings("cs", cluster_id=cid, auto_scaling_enabled=False)
    fixtures.destroy_within_budget(stack, calls, ClusterComputeSettingsProvider)
    assert api.get(path, workspace=ws)["auto_scaling"] == "paused"

    # 4. Adoption: declaring the current settings writes nothing and shows no diff.
    akua.admin.reset_counters()
    stack.up()
    assert akua.admin.counters()["writes"] == 0
    stack.preview(expect_no_changes=True)

    # Faults (429/503 on the settings write, 5xx elsewhere): re-runs converge.
    stack.program = lambda: ClusterComputeSettings("cs", cluster_id=cid, auto_scaling_enabled=True, max_machines=0)
    akua.admin.set_faults(error_rate=0.3, rate_limited_rate=0.1, retry_after_seconds=0, seed=6, statuses=[503])
    stack.up_until_converged()
    akua.admin.clear_faults()
    live = api.get(path, workspace=ws)
    assert (live["auto_scaling"], live["max_machines"]) == ("active", 0)
    stack.preview(expect_no_changes=True)

    # 3. Deletion: the cluster goes, refresh drops the settings.
    op = api.delete(f"/clusters/{cid}", if_match=api.get(f"/clusters/{cid}", workspace=ws)["etag"], workspace=ws)
    if op:
        api.wait_operation(op, workspace=ws)
    fixtures.assert_refresh_drops(stack, "ClusterComputeSettings")

    # 6. Bad input fails at preview naming the property, with no write.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: ClusterComputeSettings("bad", **{"cluster_id": "cl_1", **kw}),
        {
            "cluster_id": {"cluster_id": ""},
            "max_machines": {"max_machines": 101},
            "max_machines ": {"max_machines": -1},
            "auto_scaling_enabled": {"auto_scaling_enabled": "yes"},
        },
    )

"""Machine: the invariants, suspend/resume, plan limits, lost responses and adoption, through the real engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.machine import Machine, MachineProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._invariants import assert_one_lost_response_converges
from .conftest import CallCounter


def _machines(api: AkuaClient, ws: str) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in api.paginate("/machines", workspace=ws)}


def arrange_cluster(api: AkuaClient, ws: str) -> tuple[str, str]:
    """An active managed cluster and a system compute config of ``ws``: (cluster id, config id)."""
    region = api.post("/regions", json={"name": "eu"}, workspace=ws)["id"]
    op = api.post("/clusters", json={"name": "prod", "region_id": region}, idempotency_key="c1", workspace=ws)
    cluster = api.wait_operation(op, workspace=ws)["response"]["cluster_id"]
    config = api.post(
        "/compute_configs",
        json={
            "name": "eu",
            "provider": "hcloud",
            "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"},
            "credential_scope": {"kind": "system"},
        },
        workspace=ws,
    )["id"]
    return cluster, config


def _program(cluster: str, config: str, **kw: Any) -> Callable[[], None]:
    return lambda: (Machine("m", cluster_id=cluster, compute_config_id=config, instance_type="cx23", **kw), None)[1]


def test_machine_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    cluster, config = arrange_cluster(api, ws)
    stack = make_stack(_program(cluster, config, name="w1"), workspace=ws)
    fixtures.up_within_budget(stack, calls, MachineProvider, "create")
    mid = stack.state_of("Machine")["id"]
    live = _machines(api, ws)
    assert list(live) == [mid] and live[mid]["state"] == "ACTIVE" and live[mid]["cluster_id"] == cluster

    # 1. No-op preview: no API call; no-op up: no write; refresh within budget.
    fixtures.assert_steady_state(stack, calls, MachineProvider)

    # 2. Out-of-band rename: refresh shows it, up converges it back in place.
    api.patch(f"/machines/{mid}", json={"name": "elsewhere"}, if_match=live[mid]["etag"], workspace=ws)
    fixtures.assert_refresh_shows(stack, "Machine", name="elsewhere")
    fixtures.up_within_budget(stack, calls, MachineProvider, "update")
    assert _machines(api, ws)[mid]["name"] == "w1"
    stack.preview(expect_no_changes=True)

    # Suspend and resume through `suspended`, in place, each within the update budget.
    stack.program = _program(cluster, config, name="w1", suspended=True)
    fixtures.up_within_budget(stack, calls, MachineProvider, "update")
    assert _machines(api, ws)[mid]["state"] == "SUSPENDED"
    stack.preview(expect_no_changes=True)
    stack.program = _program(cluster, config, name="w1", suspended=False)
    fixtures.up_within_budget(stack, calls, MachineProvider, "update")
    assert _machines(api, ws)[mid]["state"] == "ACTIVE" and stack.state_of("Machine")["id"] == mid

    # A second machine on the Free plan: the error names the plan limit it would exceed; nothing is left.
    def two() -> None:
        _program(cluster, config, name="w1")()
        Machine("m2", cluster_id=cluster, compute_config_id=config, instance_type="cx23")

    stack.program = two
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "compute.max_machines" in str(err.value) and "akua:Machine m2" in str(err.value)
    assert list(_machines(api, ws)) == [mid]
    stack.program = _program(cluster, config, name="w1")

    # 3. Out-of-band deletion: refresh drops it, up creates a new one (the replayed key is skipped).
    api.wait_operation(
        api.delete(f"/machines/{mid}", if_match=_machines(api, ws)[mid]["etag"], idempotency_key="oob", workspace=ws),
        workspace=ws,
    )
    fixtures.assert_refresh_drops(stack, "Machine")
    stack.up()
    mid = stack.state_of("Machine")["id"]
    assert list(_machines(api, ws)) == [mid]
    stack.preview(expect_no_changes=True)

    # 5. Destroy deletes it (async) within budget.
    fixtures.destroy_within_budget(stack, calls, MachineProvider)
    assert _machines(api, ws) == {}


def _name(api: AkuaClient, ws: str) -> list[tuple[str | None, str]]:
    return sorted((m.get("name"), m["state"]) for m in api.paginate("/machines", workspace=ws))


@pytest.mark.parametrize(
    ("operation", "programs", "expected"),
    [
        ("machines.create", ({},), [("w1", "ACTIVE")]),
        ("machines.update", ({}, {"name": "w2"}), [("w2", "ACTIVE")]),
        ("machines.suspend", ({}, {"suspended": True}), [("w1", "SUSPENDED")]),
        ("machines.resume", ({"suspended": True}, {"suspended": False}), [("w1", "ACTIVE")]),
        ("machines.delete", ({}, None), []),
    ],
)
def test_machine_one_lost_response_converges(
    operation: str,
    programs: tuple[dict[str, Any] | None, ...],
    expected: list[tuple[str, str]],
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
) -> None:
    ws = workspace_id
    cluster, config = arrange_cluster(api, ws)

    def program(**kw: Any) -> Callable[[], None]:
        return _program(cluster, config, **{"name": "w1", **kw})

    assert_one_lost_response_converges(
        make_stack, akua, ws, operation, programs, program, lambda: _name(api, ws), expected
    )


def test_machine_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    cluster, config = arrange_cluster(api, ws)
    op = api.post(
        "/machines",
        json={"cluster_id": cluster, "compute_config_id": config, "instance_type": "cx23", "name": "old"},
        idempotency_key="m1",
        workspace=ws,
    )
    existing = api.wait_operation(op, workspace=ws)["response"]["machine_id"]

    # 4. Adoption by id: no write, no diff; destroy deletes the adopted machine.
    stack = make_stack(_program(cluster, config, name="old", adopt_id=existing), workspace=ws)
    fixtures.assert_adopts_without_writes(stack, akua, "Machine", existing)
    stack.destroy()
    assert _machines(api, ws) == {}

    # 6. Bad input fails at preview, names the property, writes nothing.
    cases: dict[str, dict[str, Any]] = {
        "instance_type": dict(cluster_id=cluster, compute_config_id=config, instance_type=""),
        "cluster_id": dict(compute_config_id=config, instance_type="cx23"),
        "suspended": dict(cluster_id=cluster, compute_config_id=config, instance_type="cx23", suspended="yes"),
    }
    for i, (prop, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: Machine("bad", **kwargs), workspace=ws, stack=f"bad{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert f"{prop} " in str(err.value)
        assert akua.admin.counters()["writes"] == 0

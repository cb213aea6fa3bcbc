"""The six contract-v4 resources through the real engine, beyond their own lifecycle tests: ``.get`` reads an
existing object of each into the program without managing it, and a Machine's create-only fields replace it
(on a plan with room for one machine more only when the old one goes first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

from akua_pulumi import (
    Agent,
    Dashboard,
    DashboardWidget,
    Machine,
    OrganizationInvitation,
    OrganizationMember,
    PreviewHostname,
    Snippet,
    WorkerBootstrap,
)
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.stacks import AkuaStack

from .test_machine import arrange_cluster
from .test_snippet import CODE


def _machine(api: AkuaClient, ws: str, cluster: str, config: str) -> str:
    op = api.post(
        "/machines",
        json={"cluster_id": cluster, "compute_config_id": config, "instance_type": "cx23", "name": "outside"},
        idempotency_key="outside",
        workspace=ws,
    )
    return str(api.wait_operation(op, workspace=ws)["response"]["machine_id"])


def test_get_reads_each_v4_type_without_managing_it(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, workspace_id: str
) -> None:
    ws = workspace_id
    cluster, config = arrange_cluster(api, ws)
    ids = {
        "machine": _machine(api, ws, cluster, config),
        "bootstrap": api.post(f"/clusters/{cluster}/worker_bootstraps", json={"ttl_seconds": 7200}, workspace=ws)["id"],
        "agent": api.post(
            "/agents", json={"name": "watcher", "instructions": "watch", "capabilities": ["CHAT"]}, workspace=ws
        )["id"],
        "snippet": api.post("/snippets", json={"name": "count", "code": CODE, "display_type": "stat"}, workspace=ws)[
            "snippet_id"
        ],
        "dashboard": api.post("/dashboards", json={"name": "ops"}, workspace=ws)["dashboard_id"],
    }
    ids["widget"] = api.post(
        f"/dashboards/{ids['dashboard']}/widgets",
        json={"snippet_id": ids["snippet"], "title": "n", "col_span": 2},
        workspace=ws,
    )["id"]

    def program() -> None:
        pulumi.export("machine", Machine.get("m", ids["machine"]).state)
        pulumi.export("bootstrap", WorkerBootstrap.get("b", ids["bootstrap"], cluster_id=cluster).status)
        pulumi.export("agent", Agent.get("a", ids["agent"]).name)
        pulumi.export("snippet", Snippet.get("s", ids["snippet"]).name)
        pulumi.export("dashboard", Dashboard.get("d", ids["dashboard"]).name)
        pulumi.export("widget", DashboardWidget.get("w", ids["widget"], dashboard_id=ids["dashboard"]).snippet_id)

    stack = make_stack(program, workspace=ws)
    stack.up()
    assert stack.outputs() == {
        "machine": "ACTIVE",
        "bootstrap": "active",
        "agent": "watcher",
        "snippet": "count",
        "dashboard": "ops",
        "widget": ids["snippet"],
    }
    stack.preview(expect_no_changes=True)
    stack.destroy()
    # Read resources are not managed: destroy leaves every object as it was.
    assert api.get(f"/machines/{ids['machine']}", workspace=ws)["state"] == "ACTIVE"
    bootstrap = api.get(f"/clusters/{cluster}/worker_bootstraps/{ids['bootstrap']}", workspace=ws)
    assert bootstrap["status"] == "active"
    assert api.get(f"/agents/{ids['agent']}", workspace=ws)["state"] == "ENABLED"
    assert api.get(f"/snippets/{ids['snippet']}", workspace=ws)["archived_at"] is None
    widget = api.get(f"/dashboards/{ids['dashboard']}/widgets/{ids['widget']}", workspace=ws)
    assert widget["snippet_id"] == ids["snippet"]


def test_get_of_a_nested_type_without_its_parent_names_it(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, workspace_id: str
) -> None:
    """Every type that lives under a parent (a worker bootstrap under its cluster, a widget under its
    dashboard, a preview hostname under its install, organization members and invitations under their
    organization): ``.get`` without the parent's id fails with a message naming it."""
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("cluster_id", lambda: WorkerBootstrap.get("b", "wbs_missing")),
        ("dashboard_id", lambda: DashboardWidget.get("w", "dwg_missing")),
        ("install_id", lambda: PreviewHostname.get("p", "phn_missing")),
        ("organization_id", lambda: OrganizationMember.get("m", "usr_missing")),
        ("organization_id", lambda: OrganizationInvitation.get("i", "inv_missing")),
    ]
    for i, (field, get) in enumerate(cases):
        stack = make_stack(lambda get=get: (get(), None)[1], workspace=workspace_id, stack=f"get{i}")
        with pytest.raises(auto.CommandError) as err:
            stack.up()
        assert field in str(err.value), str(err.value)[-800:]
        assert "Traceback" not in str(err.value) and "KeyError" not in str(err.value), str(err.value)[-800:]


def _machines(api: AkuaClient, ws: str) -> list[tuple[str, str]]:
    return sorted((m["id"], m["compute_config_id"]) for m in api.paginate("/machines", workspace=ws))


def test_machine_create_only_fields_replace_it(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    cluster, config = arrange_cluster(api, ws)

    def program(opts: pulumi.ResourceOptions | None = None, **kw: Any) -> Callable[[], None]:
        args = {"cluster_id": cluster, "compute_config_id": config, "instance_type": "cx23", "name": "w1", **kw}
        return lambda: (Machine("m", opts=opts, **args), None)[1]

    stack = make_stack(program(), workspace=ws)
    stack.up()
    [(first, _)] = _machines(api, ws)

    # Each create-only field replaces (instance_type is never returned by the API: the change is seen
    # against state).
    for change in ({"instance_type": "cax11"}, {"compute_config_id": "cfg_other"}, {"cluster_id": "clu_other"}):
        stack.program = program(**change)
        assert stack.preview().change_summary.get("replace") == 1, change

    # The Free plan allows one machine: a create-first replacement is refused naming the plan limit and
    # saying how to replace anyway; nothing changes.
    stack.program = program(instance_type="cax11")
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "compute.max_machines" in str(err.value) and "delete_before_replace" in str(err.value)
    assert _machines(api, ws) == [(first, config)]

    # With delete_before_replace the old machine goes first and the new one fits.
    stack.program = program(pulumi.ResourceOptions(delete_before_replace=True), instance_type="cax11")
    stack.up()
    [(second, _)] = _machines(api, ws)
    assert second != first and stack.state_of("Machine")["id"] == second
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert _machines(api, ws) == []


def test_machine_suspended_outside_pulumi(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, workspace_id: str
) -> None:
    """Undeclared, ``suspended`` follows the server (the platform suspends machines itself, e.g. on a
    downgrade): refresh shows it and up leaves it. Declared ``suspended=False``, up resumes it."""
    ws = workspace_id
    cluster, config = arrange_cluster(api, ws)

    def program(**kw: Any) -> Callable[[], None]:
        return lambda: (Machine("m", cluster_id=cluster, compute_config_id=config, instance_type="cx23", **kw), None)[1]

    stack = make_stack(program(), workspace=ws)
    stack.up()
    mid = stack.state_of("Machine")["id"]
    live = api.get(f"/machines/{mid}", workspace=ws)
    op = api.post(f"/machines/{mid}:suspend", json={}, if_match=live["etag"], idempotency_key="oob", workspace=ws)
    api.wait_operation(op, workspace=ws)
    stack.refresh()
    assert stack.state_of("Machine")["outputs"]["suspended"] is True
    stack.preview(expect_no_changes=True)
    stack.program = program(suspended=False)
    stack.up()
    assert api.get(f"/machines/{mid}", workspace=ws)["state"] == "ACTIVE"
    stack.preview(expect_no_changes=True)
    stack.destroy()


def test_worker_bootstrap_replaced_mints_a_new_one_and_revokes_the_old(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, workspace_id: str
) -> None:
    ws = workspace_id
    cluster, _ = arrange_cluster(api, ws)

    def program(ttl: int) -> Callable[[], None]:
        return lambda: pulumi.export("token", WorkerBootstrap("b", cluster_id=cluster, ttl_seconds=ttl).token)

    stack = make_stack(program(3600), workspace=ws)
    stack.up()
    first, token = stack.state_of("WorkerBootstrap")["id"], stack.outputs()["token"]
    stack.program = program(7200)
    stack.up()
    second = stack.state_of("WorkerBootstrap")["id"]
    statuses = {b["id"]: b["status"] for b in api.paginate(f"/clusters/{cluster}/worker_bootstraps", workspace=ws)}
    assert second != first and statuses == {first: "revoked", second: "active"}
    assert stack.outputs()["token"] not in (None, token)
    stack.preview(expect_no_changes=True)
    stack.destroy()

"""Lookups inside a real Pulumi program: config from the stack, Output variants on unknown ids."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
from pulumi import automation as auto

from akua_pulumi import Workspace, lookups
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.stacks import AkuaStack


def test_lookups_in_a_program(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    org = api.post("/organizations", json={"name": "Vendor Inc"})
    akua.admin.grant_management(workspace_id, org["id"])

    def program() -> None:
        # Plain lookup: config (akua:apiUrl, akua:token, akua:workspace) comes from the stack.
        current = lookups.get_current_workspace()
        pulumi.export("current", current.as_dict())
        pulumi.export("quota_metrics", sorted(q.metric for q in lookups.get_quotas()))
        pulumi.export("managed_by", lookups.get_workspace_management(workspace_id).as_dict())  # type: ignore[union-attr]
        # Output lookup chained on an id that is unknown until the workspace exists.
        ws = Workspace("new", name="Chained", slug="chained-ws")
        pulumi.export("new_tier", lookups.get_current_workspace_output(ws.id).apply(lambda w: w.plan_tier))
        pulumi.export(
            "new_managed_by",
            lookups.get_workspace_management_output(ws.id).apply(lambda m: m.as_dict() if m else "none"),
        )

    stack = make_stack(program, workspace=workspace_id)
    preview = stack.preview()
    assert preview.change_summary.get(auto.OpType.CREATE) == 2  # the stack and the Workspace; lookups create nothing
    stack.up()
    out = stack.outputs()
    assert out["current"]["id"] == workspace_id and out["current"]["slug"] == "test-ws"
    assert out["current"]["plan_tier"] == "free"
    assert "kaas/clusters" in out["quota_metrics"]
    assert out["managed_by"]["organization_id"] == org["id"]
    assert out["new_tier"] == "free"
    assert out["new_managed_by"] == "none"
    stack.destroy()

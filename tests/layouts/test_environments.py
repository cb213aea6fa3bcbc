"""EnvironmentWorkspaces: one workspace per environment, converged, grown and destroyed for real."""

from __future__ import annotations

from collections.abc import Callable

from akua_pulumi.client import AkuaClient
from akua_pulumi.components import (
    ClusterArgs,
    EnvironmentArgs,
    EnvironmentWorkspaces,
    EnvironmentWorkspacesArgs,
    InstallArgs,
    MemberArgs,
    RegionArgs,
)
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import Seller


def _program(seller: Seller, users: list[str], environments: list[str | EnvironmentArgs]) -> Callable[[], None]:
    def program() -> None:
        import pulumi

        layout = EnvironmentWorkspaces(
            "acme",
            EnvironmentWorkspacesArgs(
                prefix="acme",
                display_name="Acme",
                environments=environments,
                members=[MemberArgs(users[0], "admin"), MemberArgs(users[1])],
                regions=[RegionArgs("eu-west", clusters=[ClusterArgs("main")])],
                installs=[InstallArgs("grafana", product_id=seller.product_id)],
            ),
        )
        pulumi.export("workspace_ids", layout.workspace_ids)
        pulumi.export("kubeconfigs", layout.kubeconfigs)

    return program


def _acme_workspaces(api: AkuaClient) -> dict[str, dict]:
    return {w["slug"]: w for w in api.paginate("/workspaces") if w["slug"].startswith("acme-")}


def test_environment_workspaces(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, seller: Seller, users: list[str]
) -> None:
    stack = make_stack(_program(seller, users, ["prod", "staging"]))
    up = stack.up()
    ids = stack.outputs()["workspace_ids"]
    assert set(ids) == {"prod", "staging"}
    assert set(_acme_workspaces(api)) == {"acme-prod", "acme-staging"}
    for env, wid in ids.items():
        scoped = api.for_workspace(wid)
        members = {m["user_id"]: m["role"] for m in api.get(f"/workspaces/{wid}/members", workspace=wid)["data"]}
        assert members[users[0]] == "admin" and members[users[1]] == "member", env
        [cluster] = scoped.paginate("/clusters")
        [install] = scoped.paginate("/installs")
        assert install["product_id"] == seller.product_id and install["cluster_id"] == cluster["id"]
        assert install["state"] == "healthy"
    # Children are parented under the component.
    component = next(r for r in stack.resources() if r["type"] == "akua:layouts:EnvironmentWorkspaces")
    assert all(r.get("parent") == component["urn"] for r in stack.resources("Workspace"))
    assert (
        up.summary.resource_changes["create"] == 1 + 1 + 2 * 6
    )  # stack, component, 2 x (ws, 2 members, region, cluster, install)

    stack.preview(expect_no_changes=True)

    # Growing the layout touches nothing that exists.
    stack.program = _program(seller, users, ["prod", "staging", EnvironmentArgs("dev", members=[MemberArgs(users[2])])])
    grown = stack.up()
    assert grown.summary.resource_changes == {"same": 14, "create": 7}
    assert stack.outputs()["workspace_ids"]["prod"] == ids["prod"]
    stack.preview(expect_no_changes=True)

    stack.destroy()
    assert _acme_workspaces(api) == {}
    assert [w["slug"] for w in api.paginate("/workspaces")] == ["seller-platform"]

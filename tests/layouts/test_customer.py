"""CustomerWorkspace: a customer's workspace with members, cluster, seller installs and a token."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.components import (
    ApiTokenArgs,
    ClusterArgs,
    CustomerWorkspace,
    CustomerWorkspaceArgs,
    InstallArgs,
    MemberArgs,
    RegionArgs,
)
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import Seller


def _paths_containing(obj: object, needle: str, path: str = "") -> list[str]:
    """JSON paths in ``obj`` whose string value contains ``needle``."""
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _paths_containing(v, needle, f"{path}.{k}")]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _paths_containing(v, needle, f"{path}[{i}]")]
    return [path] if isinstance(obj, str) and needle in obj else []


def _customer(seller: Seller, users: list[str], org: str | None, require: bool = False) -> Callable[[], None]:
    def program() -> None:
        layout = CustomerWorkspace(
            "globex",
            CustomerWorkspaceArgs(
                name="Globex",
                slug="globex",
                members=[MemberArgs(users[0], "admin")],
                region=RegionArgs("us-east"),
                cluster=ClusterArgs("globex-main"),
                installs=[InstallArgs("grafana", product_id=seller.product_id)],
                api_token=ApiTokenArgs("ci"),
                managing_organization_id=org,
                require_management=require,
            ),
        )
        for key in ("workspace_id", "cluster_id", "kubeconfig", "api_token", "install_ids", "management_ok"):
            pulumi.export(key, getattr(layout, key))

    return program


def test_customer_workspace(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, seller: Seller, users: list[str]
) -> None:
    org = api.post("/organizations", json={"name": "Seller Inc", "slug": "seller-inc"})["id"]
    stack = make_stack(_customer(seller, users, org))
    stack.up()
    out = stack.outputs()
    wid = out["workspace_id"]
    scoped = api.for_workspace(wid)
    assert [c["id"] for c in scoped.paginate("/clusters")] == [out["cluster_id"]]
    [install] = scoped.paginate("/installs")
    assert out["install_ids"] == {"grafana": install["id"]} and install["product_id"] == seller.product_id
    [token] = scoped.paginate("/api_tokens")
    assert out["api_token"].startswith("sk_akua_") and token["name"] == "ci"
    assert "apiVersion" in out["kubeconfig"] or out["kubeconfig"]
    # Management is granted by the customer, so a new workspace is not managed yet: a warning, not a failure.
    assert out["management_ok"] is False

    # Secrets never reach the state file in plaintext.
    deployment = stack.export_masked()
    assert _paths_containing(stack.deployment(), out["api_token"]) != []  # the check can see a leak
    for secret in (out["api_token"], out["kubeconfig"], akua.owner_token):
        assert _paths_containing(deployment, secret) == []

    # The customer grants management; the next run sees it, and nothing else changes.
    akua.admin.grant_management(wid, org)
    result = stack.up()
    assert stack.outputs()["management_ok"] is True
    assert set(result.summary.resource_changes) == {"same"}
    stack.preview(expect_no_changes=True)

    # The new token authenticates as the customer's workspace.
    with AkuaClient(api_url=akua.api_url, token=out["api_token"]) as as_customer:
        assert [w["id"] for w in as_customer.paginate("/workspaces")] == [wid]

    stack.destroy()
    assert [w["slug"] for w in api.paginate("/workspaces")] == ["seller-platform"]


def test_customer_workspace_requires_management(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, seller: Seller, users: list[str]
) -> None:
    org = api.post("/organizations", json={"name": "Seller Inc", "slug": "seller-inc"})["id"]
    stack = make_stack(_customer(seller, users, org, require=True))
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert f"expected {org}" in str(err.value)
    stack.destroy()

"""A seller's estate run under an admin's CI token (issue 19): exactly the steps the role table keeps for
the owner fail (adding a member, changing the tier, deleting the cluster), each naming the operation and
the role it needs; everything else converges. With the preflight on, the preview says so first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

from akua_pulumi import (
    ApiToken,
    CloudflareConnection,
    Cluster,
    ComputeConfig,
    CustomDomain,
    Install,
    Offer,
    Region,
    RegistryConnection,
    Secret,
    WorkspaceMember,
    WorkspaceSubdomain,
    WorkspaceSubscription,
)
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources import _preflight
from akua_pulumi.testing.fixtures import CallCounter, Seller
from akua_pulumi.testing.stacks import AkuaStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: What an admin may not do in the estate: (type, operationId) -> the role the message must name.
OWNER_ONLY = {
    ("akua:WorkspaceMember", "workspaces.addMember"): "owner",
    ("akua:WorkspaceSubscription", "workspaces.changeSubscriptionTier"): "owner",
}


@pytest.fixture(autouse=True)
def _preflight_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(_preflight.ENV_VAR, raising=False)
    yield


def _estate(seller: Seller, newcomer: str, version: int) -> Callable[[], None]:
    """Change set 0: the estate, with a member and a tier change (owner steps); 1: without them, the
    cluster renamed (an admin step)."""

    def program() -> None:
        region = Region("eu", name="eu")
        cluster = Cluster("main", name="main" + ("-v2" if version else ""), region_id=region.id)
        Install(
            "shop",
            product_id=seller.product_id,
            region_id=region.id,
            opts=pulumi.ResourceOptions(depends_on=[cluster]),
        )
        WorkspaceSubdomain("subdomain", name="acme-apps")
        Secret("webhook", name="webhook-signing", kind="webhook_signing", value="whsec-2f9d81c0a7e1", force_delete=True)
        hcloud = Secret("hcloud", name="hcloud-token", kind="cloud_provider/hcloud", value="H" * 64, force_delete=True)
        ComputeConfig(
            "machines",
            name="eu-machines",
            provider_config={"region": "fsn1", "image": "ubuntu-24.04", "machine_type_filter": "cx*"},
            secret_id=hcloud.id,
        )
        RegistryConnection(
            "registry", name="ghcr", registry_url="ghcr.io", type="token", credentials={"token": "ghp-77e1a0c3"}
        )
        CloudflareConnection(
            "cloudflare",
            name="cloudflare",
            account_id="seller-account",
            origin_zone_id="seller-zone",
            origin_hostname_suffix="origin.seller.example",
            api_token="cf-token-5b03a9d2",
        )
        CustomDomain("storefront", hostname="shop.acme.example", endpoint="https://origin.acme.example")
        Offer(
            "offer",
            product_id=seller.product_id,
            customer={"display_name": "Acme", "external_id": "acme"},
            allowed_emails=["buyer@acme.example"],
        )
        ApiToken("deploy", name="deploy")
        if version == 0:
            WorkspaceMember("newcomer", user_id=newcomer, role="member")
            WorkspaceSubscription("plan", tier="pro")

    return program


def _admin_ci_token(akua: LocalServer, api: AkuaClient, workspace_id: str) -> str:
    """A workspace API token minted by an admin of ``workspace_id`` (it acts as admin)."""
    admin = akua.admin.create_user("Ada", "ada@example.com")
    api.post(f"/workspaces/{workspace_id}/members", json={"user_id": admin["id"], "role": "admin"})
    with AkuaClient(api_url=akua.api_url, token=admin["token"]) as client:
        minted: dict[str, Any] = client.for_workspace(workspace_id).post("/api_tokens", json={"name": "ci"})
    return str(minted["token"])


def _types(stack: AkuaStack) -> set[str]:
    return {r["type"].rsplit("akua:", 1)[-1] for r in stack.resources() if "akua:" in r["type"]}


def test_estate_under_an_admin_token(
    pulumi_env: PulumiEnvironment,
    akua: LocalServer,
    api: AkuaClient,
    seller: Seller,
    calls: Callable[[], CallCounter],
) -> None:
    ws = seller.workspace_id
    newcomer = akua.admin.create_user("Nia", "nia@example.com")["id"]
    token = _admin_ci_token(akua, api, ws)
    stack = AkuaStack(pulumi_env, _estate(seller, newcomer, 0), api_url=akua.api_url, token=token, workspace=ws)

    # With the preflight on, the preview fails at an owner's step (the engine stops at the first), before
    # any write; every admin step passes it.
    stack.stack.set_config(_preflight.CONFIG_KEY, auto.ConfigValue("true"))
    with calls() as c, pytest.raises(auto.CommandError) as err:
        stack.preview()
    text = str(err.value)
    named = [op for (type_name, op), role in OWNER_ONLY.items() if f"{op} needs the workspace role {role}" in text]
    assert len(named) == 1, text[-3000:]
    assert "may not create it" in text and "preflight" in text
    assert c.writes == 0, c.by_operation
    stack.stack.remove_config(_preflight.CONFIG_KEY)

    # Without it, up applies everything else and fails exactly those steps, each with the API's 403.
    with pytest.raises(auto.CommandError) as err:
        stack.up(continue_on_error=True)
    text = str(err.value)
    for (type_name, op), role in OWNER_ONLY.items():
        assert type_name in text, (type_name, text[-3000:])
        assert f"{op} needs the workspace role {role}; the caller's role is admin" in text, (op, text[-3000:])
    everything = {
        "Region",
        "Cluster",
        "Install",
        "WorkspaceSubdomain",
        "Secret",
        "ComputeConfig",
        "RegistryConnection",
        "CloudflareConnection",
        "CustomDomain",
        "Offer",
        "ApiToken",
    }
    assert _types(stack) == everything
    assert api.get(f"/workspaces/{ws}/subscription")["tier"] == "free"
    assert newcomer not in {m["user_id"] for m in api.get(f"/workspaces/{ws}/members")["data"]}

    # An admin's change set (rename the cluster) converges.
    stack.program = _estate(seller, newcomer, 1)
    stack.up()
    cluster_id = stack.state_of("Cluster")["id"]
    assert api.get(f"/clusters/{cluster_id}", workspace=ws)["name"] == "main-v2"
    stack.preview(expect_no_changes=True)

    # Destroy removes everything but the cluster (only the owner deletes a cluster) and what it needs.
    with pytest.raises(auto.CommandError) as err:
        stack.destroy(continue_on_error=True)
    text = str(err.value)
    assert "akua:Cluster main-v2" in text, text[-3000:]
    assert "clusters.delete needs the workspace role owner; the caller's role is admin" in text, text[-3000:]
    assert _types(stack) <= {"Cluster", "Region"} and "Cluster" in _types(stack)
    assert api.get(f"/clusters/{cluster_id}", workspace=ws)["state"] == "active"

    # The owner finishes it. Deletes use the provider configuration in state, so an up with what is left
    # (no change) records the owner's token first.
    stack.stack.set_config("akua:token", auto.ConfigValue(akua.owner_token, secret=True))

    def left() -> None:
        region = Region("eu", name="eu")
        Cluster("main", name="main-v2", region_id=region.id)

    stack.program = left
    stack.up()
    stack.destroy()
    assert _types(stack) == set()

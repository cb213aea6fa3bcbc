"""The role each step needs (docs/resources/ **Roles**, and what the preflight asks) is the role of the calls
the step really makes (issue 19): a seller's estate, v4 resources included, is created, updated, refreshed
and destroyed through the real engine against akua-local, and every operation akua-local received in a
phase is one the estate's resources declare for that step (``step_operations``) or for reading back, or a
read any member may make, so no step calls something above the role its page states."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest

from akua_pulumi import (
    Agent,
    ApiToken,
    CloudflareConnection,
    Cluster,
    ClusterComputeSettings,
    ComputeConfig,
    CustomDomain,
    Dashboard,
    DashboardWidget,
    Install,
    Machine,
    Offer,
    Organization,
    OrganizationInvitation,
    OrganizationMember,
    Package,
    Product,
    Region,
    RegistryConnection,
    Secret,
    Snippet,
    WorkerBootstrap,
    WorkspaceMember,
    WorkspaceSubdomain,
    WorkspaceSubscription,
)
from akua_pulumi.contract import contract
from akua_pulumi.local import LocalServer
from akua_pulumi.resources import ALL_RESOURCES
from akua_pulumi.roles import ROLE_TABLE
from akua_pulumi.testing.fixtures import CallCounter, Seller
from akua_pulumi.testing.stacks import AkuaStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REF = "oci://registry.local/step-roles/web"
VERSION = {"semver": "1.0.0", "ref": "sha256:step-roles", "input_schema": {"type": "object"}}
#: Phase → the steps whose declared operations it may call (besides member-level reads).
PHASES = {"create": ("create", "read"), "update": ("update", "read"), "refresh": ("read",), "delete": ("delete",)}


def _estate(seller: Seller, newcomer: str, version: int) -> Callable[[], None]:
    """Every updatable name changes between version 0 and 1; nothing is added or removed."""
    v = f"-v{version}" if version else ""

    def program() -> None:
        region = Region("eu", name="eu")
        cluster = Cluster("main", name="main" + v, region_id=region.id)
        Install(
            "shop", product_id=seller.product_id, region_id=region.id, opts=pulumi.ResourceOptions(depends_on=[cluster])
        )
        ClusterComputeSettings("scaling", cluster_id=cluster.id, auto_scaling_enabled=False, max_machines=2 + version)
        WorkerBootstrap("join", cluster_id=cluster.id, ttl_seconds=7200)
        WorkspaceSubdomain("subdomain", name="acme-apps" + v)
        hcloud = Secret("hcloud", name="hcloud-token", kind="cloud_provider/hcloud", value="H" * 64, force_delete=True)
        config = ComputeConfig(
            "machines",
            name="eu-machines" + v,
            provider_config={"region": "fsn1", "image": "ubuntu-24.04"},
            secret_id=hcloud.id,
        )
        RegistryConnection(
            "registry", name="ghcr", registry_url="ghcr.io", type="token", credentials={"token": "g" * 12}
        )
        CloudflareConnection(
            "cloudflare",
            name="cloudflare",
            account_id="seller-account",
            origin_zone_id="seller-zone",
            origin_hostname_suffix="origin.seller.example",
            api_token="cf-token-5b03a9d2",
        )
        CustomDomain("storefront", hostname="shop.acme.example", endpoint="https://origin.acme.example" + v)
        package = Package("web", name="web", oci_ref=REF, version=VERSION)
        Product("web", name="Web" + v, package_id=package.id)
        Offer("offer", product_id=seller.product_id, customer={"display_name": "Acme", "external_id": "acme"})
        ApiToken("deploy", name="deploy")
        snippet = Snippet("installs", name="install-count" + v, code="return 1", display_type="stat")
        board = Dashboard("board", name="Customers" + v)  # renamed after its widget moved its etag
        DashboardWidget("widget", dashboard_id=board.id, snippet_id=snippet.id, title="Installs" + v)
        Agent("watcher", name="install-watcher", instructions="Watch installs" + v, capabilities=["CHAT"])
        Machine("worker", cluster_id=cluster.id, compute_config_id=config.id, instance_type="cx23", name="worker" + v)
        WorkspaceMember("newcomer", user_id=newcomer, role="member" if version else "admin")
        team = Organization("team", name="Team" + v, slug="step-roles-team")
        OrganizationMember("helper", organization_id=team.id, user_id=newcomer, role="member" if version else "admin")
        OrganizationInvitation("invite", organization_id=team.id, email="invitee@example.com")
        WorkspaceSubscription("plan", tier="pro")

    return program


def _declared(types: set[str], steps: tuple[str, ...]) -> set[str]:
    by_type = {r.provider_class.type_name: r.provider_class for r in ALL_RESOURCES}
    return {op for t in types for step in steps for op in by_type[t].step_operations.get(step, ())}


def _undeclared(observed: dict[str, int], declared: set[str]) -> dict[str, str]:
    """Observed operations neither declared nor a member-level GET (reading back, waiting): op → role."""
    methods = {op.operation_id: op.method for op in contract()}
    return {
        op: ROLE_TABLE[op].role
        for op in observed
        if op not in declared and not (ROLE_TABLE[op].role == "member" and (methods[op] == "GET" or "wait" in op))
    }


def test_each_step_calls_only_what_its_roles_section_states(
    make_stack: Callable[..., AkuaStack],
    akua: LocalServer,
    seller: Seller,
    calls: Callable[[], CallCounter],
) -> None:
    akua.admin.publish_artifact(REF, "1.0.0", "sha256:step-roles", {"type": "object"})
    newcomer = akua.admin.create_user("Nia", "nia@example.com")["id"]
    stack = make_stack(_estate(seller, newcomer, 0), workspace=seller.workspace_id)
    observed: dict[str, dict[str, int]] = {}
    for phase, run in (
        ("create", stack.up),
        ("update", lambda: (setattr(stack, "program", _estate(seller, newcomer, 1)), stack.up())),
        ("refresh", stack.refresh),
    ):
        with calls() as c:
            run()
        observed[phase] = c.by_operation
    types = {r["type"].rsplit("dynamic/", 1)[-1] for r in stack.resources() if "akua:" in r["type"]}
    assert len(types) == 25, types
    with calls() as c:
        stack.destroy()
    observed["delete"] = c.by_operation

    assert "workspaces.updateMember" in observed["update"] and "clusters.update" in observed["update"]
    for phase, steps in PHASES.items():
        stray = _undeclared(observed[phase], _declared(types, steps))
        assert not stray, f"{phase}: calls no resource declares for {'/'.join(steps)}: {stray}"

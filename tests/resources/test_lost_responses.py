"""Exactly one lost response (the write commits, the connection drops) on each write a resource uses:
a single ``pulumi up`` (or destroy) converges, with no duplicate on the server.

Data-driven: a :class:`Case` names the resource's write operation, the programs before and after the
change, and a census of what the server must hold afterwards. A new resource type joins by adding its
cases to ``CASES`` (one per write operation: create, update, every action, delete).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from akua_pulumi.client import AkuaClient
from akua_pulumi.contract import contract
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.api_token import ApiToken
from akua_pulumi.resources.cluster import Cluster
from akua_pulumi.resources.install import Install
from akua_pulumi.resources.organization import Organization
from akua_pulumi.resources.organization_invitation import OrganizationInvitation
from akua_pulumi.resources.organization_member import OrganizationMember
from akua_pulumi.resources.package import Package
from akua_pulumi.resources.product import Product
from akua_pulumi.resources.region import Region
from akua_pulumi.resources.secret import Secret
from akua_pulumi.resources.workspace import Workspace
from akua_pulumi.resources.workspace_member import WorkspaceMember
from akua_pulumi.resources.workspace_subscription import WorkspaceSubscription
from akua_pulumi.testing.stacks import AkuaStack

Program = Callable[[], None]
Census = Callable[[AkuaClient, str], Any]
KUBECONFIG = "apiVersion: v1\nkind: Config\n"
USER = "usr_lost"  # created by the test before the first run


@dataclass(frozen=True)
class Case:
    """One write operation of one resource type, losing its response once."""

    resource: str
    operation: str  # the contract's operationId whose response is dropped after commit
    programs: tuple[Program | None, ...]  # run in order; the drop is armed before the last (None: destroy)
    census: Census  # what the server holds afterwards (compared with ``expected``)
    expected: Any
    setup: Callable[[LocalServer], None] | None = None  # before the first run (e.g. publish an artifact)


def _nothing() -> None:
    pass


def _regions(api: AkuaClient, ws: str) -> Counter[str]:
    return Counter(r["name"] for r in api.paginate("/regions", workspace=ws))


def _clusters(api: AkuaClient, ws: str) -> Counter[tuple[str, str]]:
    return Counter((c["name"], c["state"]) for c in api.paginate("/clusters", workspace=ws))


def _tokens(api: AkuaClient, ws: str) -> Counter[str]:
    return Counter(t["name"] for t in api.paginate("/api_tokens", workspace=ws))


def _workspaces(api: AkuaClient, ws: str) -> Counter[tuple[str, str]]:
    return Counter((w["name"], w["slug"]) for w in api.paginate("/workspaces") if w["id"] != ws)


def _orgs(api: AkuaClient, ws: str) -> Counter[str]:
    return Counter(o["name"] for o in api.paginate("/organizations"))


def _ws_members(api: AkuaClient, ws: str) -> Counter[tuple[str, str]]:
    return Counter((m["user_id"], m["role"]) for m in api.paginate(f"/workspaces/{ws}/members") if m["user_id"] == USER)


def _org_members(api: AkuaClient, ws: str) -> Counter[tuple[str, str]]:
    return Counter(
        (m["user_id"], m["role"])
        for o in api.paginate("/organizations")
        for m in api.paginate(f"/organizations/{o['id']}/members")
        if m["user_id"] == USER
    )


def _invitations(api: AkuaClient, ws: str) -> Counter[str]:
    return Counter(
        i["email"]
        for o in api.paginate("/organizations")
        for i in api.paginate(f"/organizations/{o['id']}/invitations")
    )


def _tier(api: AkuaClient, ws: str) -> str:
    return str(api.get(f"/workspaces/{ws}")["plan"]["tier"])


def _ws_member(role: str | None) -> Program:
    return (lambda: WorkspaceMember("m", user_id=USER, role=role)) if role else _nothing


def _org_member(role: str | None) -> Program:
    def program() -> None:
        org = Organization("o", name="Org")
        if role:
            OrganizationMember("m", organization_id=org.id, user_id=USER, role=role)

    return program


def _invitation(invite: bool) -> Program:
    def program() -> None:
        org = Organization("o", name="Org")
        if invite:
            OrganizationInvitation("i", organization_id=org.id, email="new@example.com")

    return program


REF = "oci://registry.example/lost/shop"
V1 = {"semver": "1.0.0", "ref": "sha256:lost-1", "input_schema": {"type": "object"}}


def _publish(akua: LocalServer) -> None:
    akua.admin.publish_artifact(REF, V1["semver"], V1["ref"], V1["input_schema"])


def _catalog(product: bool = True, install: bool = False, name: str = "Shop", auto: bool = False) -> Program:
    def program() -> None:
        pkg = Package("pkg", name="shop", oci_ref=REF, version=V1)
        if not product:
            return
        prod = Product("prod", name=name, package_id=pkg.id)
        if install:
            region = Region("eu", name="eu")
            cluster = Cluster("c", name="c1", region_id=region.id)
            Install(
                "inst",
                product_id=prod.id,
                region_id=region.id,
                cluster_id=cluster.id,
                automatic_updates=auto,
            )

    return program


def _packages(api: AkuaClient, ws: str) -> Counter[str]:
    return Counter(p["name"] for p in api.paginate("/packages", workspace=ws))


def _products(api: AkuaClient, ws: str) -> Counter[tuple[str, str]]:
    return Counter((p["name"], p["state"]) for p in api.paginate("/products", workspace=ws))


def _installs(api: AkuaClient, ws: str) -> Counter[str]:
    # automatic_updates is never returned by the API: the no-change preview after the run checks it
    return Counter(i["state"] for i in api.paginate("/installs", workspace=ws) if i["state"] != "deleted")


def _secret(value: str = "first-value-1234", description: str = "db", present: bool = True) -> Program:
    def program() -> None:
        if present:
            Secret("s", name="db-password", value=value, description=description)

    return program


def _secrets(api: AkuaClient, ws: str) -> Counter[tuple[str, str, int]]:
    return Counter(
        (x["name"], x["state"], len(list(api.paginate(f"/secrets/{x['id']}/versions", workspace=ws))))
        for x in api.paginate("/secrets", workspace=ws)
        if x["state"] == "active"
    )


def _region(name: str = "eu") -> Program:
    return lambda: Region("eu", name=name)


def _cluster(name: str = "prod", suspended: bool | None = None, managed: bool = False) -> Program:
    def program() -> None:
        region = Region("eu", name="eu")
        kw: dict[str, Any] = {} if managed else {"import_kubeconfig": KUBECONFIG}
        if suspended is not None:
            kw["suspended"] = suspended
        Cluster("c", name=name, region_id=region.id, **kw)

    return program


def _with_region(counter: Counter[tuple[str, str]]) -> Any:
    return counter


CASES = [
    # Workspace
    Case("Workspace", "workspaces.create", (lambda: Workspace("w", name="Lost", slug="lost-ws"),), _workspaces,
         Counter({("Lost", "lost-ws"): 1})),
    Case("Workspace", "workspaces.update",
         (lambda: Workspace("w", name="Lost", slug="lost-ws"), lambda: Workspace("w", name="Found", slug="lost-ws")),
         _workspaces, Counter({("Found", "lost-ws"): 1})),
    Case("Workspace", "workspaces.delete", (lambda: Workspace("w", name="Lost", slug="lost-ws"), _nothing),
         _workspaces, Counter()),
    # Region (create only: the API has no update or delete for regions)
    Case("Region", "regions.create", (_region(),), _regions, Counter({"eu": 1})),
    # Cluster: create (managed and imported), update, both actions, delete
    Case("Cluster", "clusters.create", (_cluster(managed=True),), _clusters, Counter({("prod", "active"): 1})),
    Case("Cluster", "clusters.import", (_cluster(),), _clusters, Counter({("prod", "active"): 1})),
    Case("Cluster", "clusters.update", (_cluster(), _cluster("renamed")), _clusters,
         Counter({("renamed", "active"): 1})),
    Case("Cluster", "clusters.suspend", (_cluster(), _cluster(suspended=True)), _clusters,
         Counter({("prod", "suspended"): 1})),
    Case("Cluster", "clusters.resume", (_cluster(suspended=True), _cluster(suspended=False)), _clusters,
         Counter({("prod", "active"): 1})),
    Case("Cluster", "clusters.delete", (_cluster(managed=True), _region()), _clusters, Counter()),
    # ApiToken: create, revoke
    Case("ApiToken", "apiTokens.create", (lambda: ApiToken("t", name="ci"),), _tokens, Counter({"ci": 1})),
    Case("ApiToken", "apiTokens.revoke", (lambda: ApiToken("t", name="ci"), _nothing), _tokens, Counter()),
    # Organization: create, update, delete
    Case("Organization", "organizations.create", (lambda: Organization("o", name="Org"),), _orgs,
         Counter({"Org": 1})),
    Case("Organization", "organizations.update",
         (lambda: Organization("o", name="Org"), lambda: Organization("o", name="Org Renamed")), _orgs,
         Counter({"Org Renamed": 1})),
    Case("Organization", "organizations.delete", (lambda: Organization("o", name="Org"), _nothing), _orgs,
         Counter()),
    # WorkspaceMember: add, update, remove
    Case("WorkspaceMember", "workspaces.addMember", (_ws_member("member"),), _ws_members,
         Counter({(USER, "member"): 1})),
    Case("WorkspaceMember", "workspaces.updateMember", (_ws_member("member"), _ws_member("admin")), _ws_members,
         Counter({(USER, "admin"): 1})),
    Case("WorkspaceMember", "workspaces.removeMember", (_ws_member("member"), _nothing), _ws_members, Counter()),
    # OrganizationMember: add, update role, remove
    Case("OrganizationMember", "organizations.addMember", (_org_member("member"),), _org_members,
         Counter({(USER, "member"): 1})),
    Case("OrganizationMember", "organizations.updateMemberRole", (_org_member("member"), _org_member("admin")),
         _org_members, Counter({(USER, "admin"): 1})),
    Case("OrganizationMember", "organizations.removeMember", (_org_member("member"), _org_member(None)),
         _org_members, Counter()),
    # OrganizationInvitation: create, cancel
    Case("OrganizationInvitation", "organizations.createInvitation", (_invitation(True),), _invitations,
         Counter({"new@example.com": 1})),
    Case("OrganizationInvitation", "organizations.cancelInvitation", (_invitation(True), _invitation(False)),
         _invitations, Counter()),
    # WorkspaceSubscription: change tier
    Case("WorkspaceSubscription", "workspaces.changeSubscriptionTier",
         (lambda: WorkspaceSubscription("s", tier="pro"),), _tier, "pro"),
    # Package: import, delete
    Case("Package", "packages.importPublished", (_catalog(product=False),), _packages, Counter({"shop": 1}), _publish),
    Case("Package", "packages.delete", (_catalog(product=False), _nothing), _packages, Counter(), _publish),
    # Product: create, update, archive (its delete)
    Case("Product", "products.create", (_catalog(),), _products, Counter({("Shop", "active"): 1}), _publish),
    Case("Product", "products.update", (_catalog(), _catalog(name="Shop 2")), _products,
         Counter({("Shop 2", "active"): 1}), _publish),
    Case("Product", "products.archive", (_catalog(), _catalog(product=False)), _products,
         Counter({("Shop", "archived"): 1}), _publish),
    # Secret: create, update, new version (rotation), delete
    Case("Secret", "secrets.create", (_secret(),), _secrets, Counter({("db-password", "active", 1): 1})),
    Case("Secret", "secrets.update", (_secret(), _secret(description="database")), _secrets,
         Counter({("db-password", "active", 1): 1})),
    Case("Secret", "secrets.createVersion", (_secret(), _secret(value="second-value-5678")), _secrets,
         Counter({("db-password", "active", 2): 1})),
    Case("Secret", "secrets.delete", (_secret(), _secret(present=False)), _secrets, Counter()),
    # Install: create, automatic updates (action), delete
    Case("Install", "installs.create", (_catalog(install=True),), _installs, Counter({"healthy": 1}),
         _publish),
    Case("Install", "installs.setAutomaticUpdates", (_catalog(install=True), _catalog(install=True, auto=True)),
         _installs, Counter({"healthy": 1}), _publish),
    Case("Install", "installs.delete", (_catalog(install=True), _catalog()), _installs, Counter(), _publish),
]  # fmt: skip


def test_cases_name_real_write_operations() -> None:
    ops = contract().operations
    for case in CASES:
        assert case.operation in ops and not ops[case.operation].is_read, case.operation


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.resource}-{c.operation}")
def test_one_lost_response_converges_in_one_run(
    case: Case, make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    akua.admin.create_user("Lost Response", "lost@example.com", user_id=USER)
    if case.setup is not None:
        case.setup(akua)
    stack = make_stack(case.programs[0] or _nothing, workspace=workspace_id)
    for program in case.programs[:-1]:
        stack.program = program or _nothing
        stack.up()
    akua.admin.set_faults(operations=[case.operation], drop_after_commit_rate=1.0, max_faults=1)
    try:
        last = case.programs[-1]
        if last is None:
            stack.destroy()
        else:
            stack.program = last
            stack.up()  # one run, no retry loop: it must converge the first time
    finally:
        faults = akua.admin.get_faults()
        akua.admin.clear_faults()
    assert faults["injected"] == 1, f"{case.operation} was never called: the case does not exercise it"
    assert case.census(api, workspace_id) == case.expected
    if case.programs[-1] is not None:
        stack.preview(expect_no_changes=True)

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
from akua_pulumi.resources.cloudflare_connection import CloudflareConnection
from akua_pulumi.resources.cluster import Cluster
from akua_pulumi.resources.cluster_compute_settings import ClusterComputeSettings
from akua_pulumi.resources.compute_config import ComputeConfig
from akua_pulumi.resources.custom_domain import CustomDomain
from akua_pulumi.resources.install import Install
from akua_pulumi.resources.offer import Offer
from akua_pulumi.resources.organization import Organization
from akua_pulumi.resources.organization_invitation import OrganizationInvitation
from akua_pulumi.resources.organization_member import OrganizationMember
from akua_pulumi.resources.package import Package
from akua_pulumi.resources.preview_hostname import PreviewHostname
from akua_pulumi.resources.product import Product
from akua_pulumi.resources.region import Region
from akua_pulumi.resources.registry_connection import RegistryConnection
from akua_pulumi.resources.secret import Secret
from akua_pulumi.resources.workspace import Workspace
from akua_pulumi.resources.workspace_member import WorkspaceMember
from akua_pulumi.resources.workspace_subdomain import WorkspaceSubdomain
from akua_pulumi.resources.workspace_subscription import WorkspaceSubscription
from akua_pulumi.testing.stacks import AkuaStack

from .test_preview_hostname import _install_with_renders

Program = Callable[[], Any]  # a Pulumi program (lambdas return the resource they declare)
Census = Callable[[AkuaClient, str], Any]
Setup = Callable[[LocalServer, AkuaClient, str], None]
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
    setup: Setup | None = None  # before the first run (e.g. publish an artifact)
    step: str = ""  # tells apart cases of one operation used by two lifecycle steps (test id)


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


def _publish(akua: LocalServer, api: AkuaClient, ws: str) -> None:
    akua.admin.publish_artifact(REF, V1["semver"], V1["ref"], V1["input_schema"])


def _catalog(
    product: bool = True, install: bool = False, name: str = "Shop", auto: bool = False, offer: bool = False
) -> Program:
    def program() -> None:
        pkg = Package("pkg", name="shop", oci_ref=REF, version=V1)
        if not product:
            return
        prod = Product("prod", name=name, package_id=pkg.id)
        if offer:
            Offer("offer", product_id=prod.id, notes="lost")
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


# ---- estate resources (issue 13) ----

ORIGIN = "https://origin.example.com"
ARRANGED: dict[str, str] = {}  # ids a setup made through the API, read by the programs when they run


def _domain(protocol: str = "http", present: bool = True) -> Program:
    def program() -> None:
        if present:
            CustomDomain("d", hostname="shop.example.com", endpoint=ORIGIN, protocol=protocol)

    return program


def _domains(api: AkuaClient, ws: str) -> Counter[tuple[str, str]]:
    return Counter((d["hostname"], d["protocol"]) for d in api.paginate(f"/workspaces/{ws}/custom_domains"))


def _subdomain(api: AkuaClient, ws: str) -> str:
    return str(api.get(f"/workspaces/{ws}/subdomain")["name"])


def _renders(akua: LocalServer, api: AkuaClient, ws: str) -> None:
    ARRANGED.clear()
    ARRANGED["install"], (ARRANGED["r1"], ARRANGED["r2"]) = _install_with_renders(api, akua, ws)


def _pinned(present: bool = True) -> Program:
    def program() -> None:
        if present:
            PreviewHostname("p", install_id=ARRANGED["install"], render_id=ARRANGED["r1"])

    return program


def _floating(render: str) -> Program:
    return lambda: PreviewHostname("f", install_id=ARRANGED["install"], track="main", render_id=ARRANGED[render])


def _hostnames(api: AkuaClient, ws: str) -> Counter[tuple[str, str]]:
    return Counter(
        (h["binding"]["kind"], next(k for k in ("r1", "r2") if ARRANGED[k] == h["binding"]["render_id"]))
        for h in api.paginate(f"/installs/{ARRANGED['install']}/preview_hostnames", workspace=ws)
    )


def _offers(api: AkuaClient, ws: str) -> Counter[tuple[str, str]]:
    return Counter((o["notes"], o["status"]) for o in api.paginate("/offers", workspace=ws))


def _registry(present: bool = True) -> Program:
    def program() -> None:
        if present:
            RegistryConnection(
                "r", name="ghcr", registry_url="ghcr.io", type="token", credentials={"token": "registry-token-9f2c"}
            )

    return program


def _registries(api: AkuaClient, ws: str) -> Counter[str]:
    return Counter(c["name"] for c in api.paginate("/registry_connections", workspace=ws))


def _cloudflare(present: bool = True) -> Program:
    def program() -> None:
        if present:
            CloudflareConnection(
                "cf",
                name="cf",
                account_id="acct_123",
                origin_zone_id="zone_9",
                origin_hostname_suffix="origin.example.com",
                api_token="cf-api-token-0b3e9d27c4a1f8",
            )

    return program


def _cloudflares(api: AkuaClient, ws: str) -> Counter[str]:
    kinds = Counter(s["kind"] for s in api.paginate("/secrets", workspace=ws))
    conns = Counter(c["name"] for c in api.paginate("/cloudflare_connections", workspace=ws))
    return conns + Counter({"cloudflare_api secret": kinds["cloudflare_api"]})


def _compute(name: str = "eu", present: bool = True) -> Program:
    def program() -> None:
        if present:
            ComputeConfig("cc", name=name, provider_config={"region": "fsn1", "image": "ubuntu-24.04"})

    return program


def _computes(api: AkuaClient, ws: str) -> Counter[str]:
    return Counter(c["name"] for c in api.paginate("/compute_configs", workspace=ws))


def _settings(max_machines: int | None = None) -> Program:
    def program() -> None:
        region = Region("eu", name="eu")
        cluster = Cluster("c", name="prod", region_id=region.id)
        ClusterComputeSettings("cs", cluster_id=cluster.id, auto_scaling_enabled=False, max_machines=max_machines)

    return program


def _compute_settings(api: AkuaClient, ws: str) -> Counter[tuple[str, int]]:
    return Counter(
        (s["auto_scaling"], s["max_machines"])
        for c in api.paginate("/clusters", workspace=ws)
        for s in [api.get(f"/clusters/{c['id']}/compute_settings", workspace=ws)]
    )


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
    # CustomDomain: create, update, delete (async Operations)
    Case("CustomDomain", "customDomains.create", (_domain(),), _domains, Counter({("shop.example.com", "http"): 1})),
    Case("CustomDomain", "customDomains.update", (_domain(), _domain("websocket")), _domains,
         Counter({("shop.example.com", "websocket"): 1})),
    Case("CustomDomain", "customDomains.delete", (_domain(), _domain(present=False)), _domains, Counter()),
    # WorkspaceSubdomain: :setName on create (adopt and rename) and on update; destroy writes nothing
    Case("WorkspaceSubdomain", "workspaceSubdomains.setName", (lambda: WorkspaceSubdomain("s", name="lost-shop"),),
         _subdomain, "lost-shop", step="create"),
    Case("WorkspaceSubdomain", "workspaceSubdomains.setName",
         (lambda: WorkspaceSubdomain("s", name="lost-shop"), lambda: WorkspaceSubdomain("s", name="found-shop")),
         _subdomain, "found-shop", step="update"),
    # PreviewHostname: bind pinned (create), bind floating (create, rebind), delete
    Case("PreviewHostname", "previewHostnames.bindPinned", (_pinned(),), _hostnames, Counter({("pinned", "r1"): 1}),
         _renders),
    Case("PreviewHostname", "previewHostnames.bindFloating", (_floating("r1"), _floating("r2")), _hostnames,
         Counter({("floating", "r2"): 1}), _renders),
    Case("PreviewHostname", "previewHostnames.delete", (_pinned(), _pinned(present=False)), _hostnames, Counter(),
         _renders),
    # Offer: create, archive (its delete)
    Case("Offer", "offers.create", (_catalog(offer=True),), _offers, Counter({("lost", "active"): 1}), _publish),
    Case("Offer", "offers.archive", (_catalog(offer=True), _catalog()), _offers, Counter({("lost", "archived"): 1}),
         _publish),
    # RegistryConnection: create, delete (no update: changes replace)
    Case("RegistryConnection", "registry.createCredential", (_registry(),), _registries, Counter({"ghcr": 1})),
    Case("RegistryConnection", "registry.deleteCredential", (_registry(), _registry(present=False)), _registries,
         Counter()),
    # CloudflareConnection: create (no Idempotency-Key: found by name), delete (removes its secret too)
    Case("CloudflareConnection", "cloudflare.createCredential", (_cloudflare(),), _cloudflares,
         Counter({"cf": 1, "cloudflare_api secret": 1})),
    Case("CloudflareConnection", "cloudflare.deleteCredential", (_cloudflare(), _cloudflare(present=False)),
         _cloudflares, Counter()),
    # ComputeConfig: create, update, delete
    Case("ComputeConfig", "computeConfigs.create", (_compute(),), _computes, Counter({"eu": 1})),
    Case("ComputeConfig", "computeConfigs.update", (_compute(), _compute("eu-2")), _computes, Counter({"eu-2": 1})),
    Case("ComputeConfig", "computeConfigs.delete", (_compute(), _compute(present=False)), _computes, Counter()),
    # ClusterComputeSettings: PATCH on create (adopt and converge) and on update; destroy writes nothing
    Case("ClusterComputeSettings", "clusters.updateComputeSettings", (_settings(),), _compute_settings,
         Counter({("paused", 1): 1}), step="create"),
    Case("ClusterComputeSettings", "clusters.updateComputeSettings", (_settings(), _settings(0)), _compute_settings,
         Counter({("paused", 0): 1}), step="update"),
]  # fmt: skip


def test_cases_name_real_write_operations() -> None:
    ops = contract().operations
    for case in CASES:
        assert case.operation in ops and not ops[case.operation].is_read, case.operation


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(filter(None, (c.resource, c.operation, c.step))))
def test_one_lost_response_converges_in_one_run(
    case: Case, make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    akua.admin.create_user("Lost Response", "lost@example.com", user_id=USER)
    if case.setup is not None:
        case.setup(akua, api, workspace_id)
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

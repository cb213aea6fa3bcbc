"""A workspace with every kind of principal of API.md §6.1, and one real object per ``{id}`` kind.

Principals: ``owner`` (the bootstrap user), ``admin``, ``member`` (direct roles), ``org`` (a member of the
organization that manages the workspace: admin through it), ``outsider``, and API tokens minted by the
owner, the admin and the organization member. ``ORG`` is a second organization for the ``organizations.*``
rows: owner (owner), admin (admin), member (member), everyone else outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from akua_pulumi.local import App, LocalAdmin, create_app

from .conftest import Api

# Expected effective workspace role, and where it comes from (API.md §6.1).
WS_ROLE = {
    "outsider": ("none", "none"),
    "member": ("member", "direct"),
    "org": ("admin", "managing_organization"),
    "tok_org": ("admin", "api_token"),
    "tok_admin": ("admin", "api_token"),
    "admin": ("admin", "direct"),
    "tok_owner": ("owner", "api_token"),
    "owner": ("owner", "direct"),
}
ORG_ROLE = {
    "outsider": "none",
    "member": "member",
    "org": "none",
    "admin": "admin",
    "owner": "owner",
}
TOKENS = ("tok_org", "tok_admin", "tok_owner")
SCHEMA = {"type": "object", "properties": {"replicas": {"type": "integer"}}}
OCI = "oci://registry.test/roles"


@dataclass
class World:
    app: App
    local: LocalAdmin
    ws: str
    org: str
    mgr: str
    bearer: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def api(self, who: str, ws: str | None = "") -> Api:
        """A checked client for ``who``; ``ws`` is the akua-context (default: the world's workspace)."""
        return Api(self.app, self.bearer[who], self.ws if ws == "" else ws)


def _ok(resp: httpx.Response, *codes: int) -> Any:
    assert resp.status_code in (codes or (200, 201, 202, 204)), resp.text
    return resp.json() if resp.content else None


def wait(api: Api, op: dict[str, Any]) -> dict[str, Any]:
    done: dict[str, Any] = _ok(api.post(f"/operations/{op['id']}:wait", params={"timeout": 5}))
    assert done["state"] == "SUCCEEDED", done
    return done


def build(app: App | None = None) -> World:
    """The world on a fresh in-process app (or ``app``)."""
    app = app or create_app(":memory:", operation_delay=0.0)
    local = LocalAdmin(
        "http://akua.test",
        app.owner_token,
        client=httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://akua.test"),
    )
    root = Api(app, app.owner_token)
    ws = _ok(root.post("/workspaces", json={"name": "Roles"}))["id"]
    local.patch_object(ws, plan={"tier": "enterprise", "billed_by": "platform"})
    w = World(app, local, ws, "", "")
    w.bearer["owner"] = app.owner_token
    w.users["owner"] = "usr_owner"
    for who in ("admin", "member", "org", "outsider", "target"):
        u = local.create_user(who.title(), f"{who}@roles.test")
        w.bearer[who], w.users[who] = u["token"], u["id"]
    owner = w.api("owner")
    for who, role in (("admin", "admin"), ("member", "member"), ("target", "member")):
        _ok(owner.post(f"/workspaces/{ws}/members", json={"user_id": w.users[who], "role": role}))
    w.mgr = _ok(w.api("org", None).post("/organizations", json={"name": "Managers"}))["id"]
    local.grant_management(ws, w.mgr)
    w.org = _ok(root.post("/organizations", json={"name": "Team"}))["id"]
    for who, role in (("admin", "admin"), ("member", "member"), ("target", "member")):
        etag = _ok(root.get(f"/organizations/{w.org}"))["etag"]
        body = {"user_id": w.users[who], "role": role}
        _ok(root.post(f"/organizations/{w.org}/members", json=body, headers={"If-Match": etag}))
    _objects(w, owner)
    for tok, who in (("tok_owner", "owner"), ("tok_admin", "admin"), ("tok_org", "org")):
        w.bearer[tok] = _ok(w.api(who).post("/api_tokens", json={"name": tok}))["token"]
    return w


def _objects(w: World, owner: Api) -> None:
    """One real object per ``{id}`` kind of the contract, in the world's workspace."""
    ids = w.ids
    ids["region"] = _ok(owner.post("/regions", json={"name": "eu"}))["id"]
    cluster = {"name": "c1", "region_id": ids["region"], "kubeconfig": "apiVersion: v1"}
    ids["clusters"] = _ok(owner.post("/clusters:import", json=cluster))["id"]
    w.local.publish_artifact(OCI, "1.0.0", "sha256:1", SCHEMA)
    version = {"semver": "1.0.0", "ref": "sha256:1", "input_schema": SCHEMA}
    ids["packages"] = _ok(owner.post("/packages:import", json={"name": "app", "oci_ref": OCI, "version": version}))[
        "id"
    ]
    pin = {"kind": "pinned", "version": "1.0.0"}
    product = {"name": "App", "package_id": ids["packages"], "package_version_pin": pin}
    ids["products"] = _ok(owner.post("/products", json=product))["id"]
    ids["offers"] = _ok(owner.post("/offers", json={"product_id": ids["products"]}))["id"]
    install = {"product_id": ids["products"], "region_id": ids["region"], "initial_values": {"replicas": 1}}
    op = wait(owner, _ok(owner.post("/installs", json=install, headers={"Idempotency-Key": "i1"})))
    ids["installs"] = op["response"]["install_id"]
    secret = {"name": "h", "kind": "cloud_provider/hcloud", "value": "s" * 64}
    ids["secrets"] = _ok(owner.post("/secrets", json=secret))["id"]
    config = {"name": "fsn", "provider": "hcloud", "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"}}
    ids["compute_configs"] = _ok(
        owner.post("/compute_configs", json={**config, "credential_scope": {"kind": "system"}})
    )["id"]
    registry = {
        "name": "ghcr",
        "registry_url": "ghcr.io",
        "type": "basic",
        "credentials": {"username": "u", "password": "p"},
    }
    _ok(owner.post("/registry_connections", json=registry))
    ids["registry_connections"] = _ok(owner.get("/registry_connections"))["data"][0]["id"]
    cloudflare = {
        "name": "cf",
        "account_id": "acc_1",
        "origin_zone_id": "zone-1",
        "origin_hostname_suffix": "origin.example.com",
        "api_token": "cf-token",
    }
    _ok(owner.post("/cloudflare_connections", json=cloudflare))
    ids["cloudflare_connections"] = _ok(owner.get("/cloudflare_connections"))["data"][0]["id"]
    ids["api_tokens"] = _ok(owner.post("/api_tokens", json={"name": "victim"}))["id"]
    refresh = _ok(owner.post(f"/clusters/{ids['clusters']}/capabilities:refresh"))
    ids["operations"] = refresh["id"]
    ids["operation_type"] = refresh["metadata"]["type"]

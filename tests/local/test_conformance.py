"""Every one of the 78 original operations, success and error paths, each response validated by the contract.

The 45 seller-estate operations (API.md §5) are covered family by family in ``test_estate_*.py``, the 47 of
contract v4 (§7) in ``test_v4_*.py``."""

from __future__ import annotations

from typing import Any

import pytest

from akua_pulumi.contract import contract
from akua_pulumi.local import App, LocalAdmin
from akua_pulumi.local.backend import load_all
from akua_pulumi.roles import ROLE_TABLE

from .conftest import SEEN, Api, code, is_estate, new_workspace

# Their last test checks what the others exercised in this process: one xdist worker runs the module.
pytestmark = pytest.mark.xdist_group(__name__)

OCI = "oci://registry.akua.local/acme/app"


def _op(api: Api, resp: Any) -> dict[str, Any]:
    assert resp.status_code == 202, resp.text
    body = resp.json()
    op_id = body.get("operation_id") or body["id"]
    waited = api.post(f"/operations/{op_id}:wait", params={"timeout": 5})
    assert waited.status_code == 200 and waited.json()["done"], waited.text
    return dict(waited.json())


def _stack(api: Api, admin: LocalAdmin) -> dict[str, Any]:
    """Workspace, region, active cluster, OCI package with 1.0.0 and 1.1.0, product."""
    w, ws = new_workspace(api)
    reg = w.post("/regions", json={"name": "eu", "icon": "https://x.test/eu.png"}).json()
    op = _op(w, w.post("/clusters", json={"name": "c1", "region_id": reg["id"]}))
    cluster_id = op["response"]["cluster_id"]
    schema = {
        "type": "object",
        "properties": {"replicas": {"type": "integer"}},
        "additionalProperties": False,
    }
    for v in ("1.0.0", "1.1.0"):
        admin.publish_artifact(OCI, v, f"sha256:{v}", schema)
    pkg = w.post(
        "/packages:import",
        json={
            "name": "app",
            "oci_ref": OCI,
            "version": {"semver": "1.0.0", "ref": "sha256:1.0.0", "input_schema": schema},
        },
    )
    assert pkg.status_code == 201, pkg.text
    pkg_id = pkg.json()["id"]
    v2 = w.post(
        f"/packages/{pkg_id}/versions",
        json={"semver": "1.1.0", "ref": "sha256:1.1.0", "input_schema": schema},
    )
    assert v2.status_code == 201, v2.text
    prod = w.post(
        "/products",
        json={
            "name": "App",
            "package_id": pkg_id,
            "package_version_pin": {"kind": "pinned", "version": "1.0.0"},
        },
    )
    assert prod.status_code == 201, prod.text
    return {
        "w": w,
        "ws": ws,
        "region": reg,
        "cluster_id": cluster_id,
        "pkg_id": pkg_id,
        "v2": v2.json(),
        "product": prod.json(),
    }


def test_every_operation_has_a_handler() -> None:
    routes = load_all()
    missing = sorted(op.operation_id for op in contract() if op.operation_id not in routes)
    assert not missing, f"operations without a handler: {missing}"
    assert len(list(contract())) == len(routes) == 173
    no_role = sorted(op.operation_id for op in contract() if op.operation_id not in ROLE_TABLE)
    assert not no_role, f"operations without a row in the role table: {no_role}"


def test_auth_and_context(api: Api, app: App) -> None:
    assert api.as_("nope").get("/workspaces").status_code == 401
    r = api.get("/clusters")
    assert r.status_code == 403 and code(r) == 7004
    assert r.json()["errors"][0]["message"] == "Akua-Context header is required"
    w, ws = new_workspace(api)
    tok = w.post("/api_tokens", json={"name": "ci"}).json()
    assert tok["token"].startswith("sk_akua_") and len(tok["token"]) == 40
    t = api.as_(tok["token"])
    assert t.get("/clusters").status_code == 200
    assert [x["id"] for x in t.get("/workspaces").json()["data"]] == [ws["id"]]
    _, other = new_workspace(api, "Other")
    assert t.as_(tok["token"], other["id"]).get("/clusters").status_code == 403
    assert t.get("/organizations").status_code in (401, 403)
    listed = w.get("/api_tokens").json()["data"]
    assert listed[0]["prefix"] == tok["token"][:12] and listed[0]["last_used_at"] is not None
    assert w.delete(f"/api_tokens/{tok['id']}").status_code == 204
    assert t.get("/clusters").status_code == 401
    assert w.delete(f"/api_tokens/{tok['id']}").status_code == 404


def test_workspaces_members_management_subscription(api: Api, admin: LocalAdmin) -> None:
    assert api.post("/workspaces", json={"name": "Acme", "bogus": 1}).json()["errors"][0]["path"] == [
        "body",
        "bogus",
    ]
    w, ws = new_workspace(api, "Acme Corp")
    assert ws["slug"] == "acme-corp" and ws["etag"] == "1" and ws["plan"]["tier"] == "free"
    _, ws2 = new_workspace(api, "Acme Corp")
    assert ws2["slug"] == "acme-corp-2"
    assert api.post("/workspaces", json={"name": "x", "slug": "acme-corp"}).status_code == 409
    assert api.get(f"/workspaces/{ws['id']}").status_code == 200
    assert api.get("/workspaces/ws_nope").status_code == 404
    assert len(api.get("/workspaces", params={"limit": 1}).json()["data"]) == 1
    r = w.patch(f"/workspaces/{ws['id']}", json={"name": "Renamed"})
    assert r.status_code in (400, 422) and r.json()["errors"][0]["path"] == ["headers", "if-match"]
    r = w.patch(f"/workspaces/{ws['id']}", json={"name": "Renamed"}, headers={"If-Match": "7"})
    assert r.status_code == 409 and code(r) == 7009 and r.json()["errors"][0]["metadata"] == {"etag": "1"}
    r = w.patch(f"/workspaces/{ws['id']}", json={"name": "Renamed"}, headers={"If-Match": "1"})
    assert r.status_code == 200 and r.json()["etag"] == "2"
    assert (
        w.patch(f"/workspaces/{ws['id']}", json={"slug": "acme-corp-2"}, headers={"If-Match": "2"}).status_code == 409
    )

    bob = admin.create_user("Bob", "bob@example.com")
    members = f"/workspaces/{ws['id']}/members"
    assert w.post(members, json={"user_id": bob["id"], "role": "member"}).status_code == 201
    assert w.post(members, json={"user_id": bob["id"], "role": "member"}).status_code == 409
    assert w.post(members, json={"user_id": "usr_ghost", "role": "member"}).status_code == 422
    assert w.post(members, json={"user_id": bob["id"], "role": "owner"}).status_code in (400, 422)
    listed = w.get(members).json()
    assert {m["role"] for m in listed["data"]} == {"owner", "member"} and listed["has_more"] is False
    b = api.as_(bob["token"], ws["id"])
    assert b.post("/api_tokens", json={"name": "x"}).status_code == 403
    assert w.patch(f"{members}/{bob['id']}", json={"role": "admin"}).status_code == 200
    assert w.patch(f"{members}/usr_owner", json={"role": "admin"}).status_code == 400
    assert w.patch(f"{members}/usr_ghost", json={"role": "admin"}).status_code == 404
    assert w.delete(f"{members}/usr_owner").status_code == 400
    assert w.delete(f"{members}/{bob['id']}").status_code == 204
    assert w.delete(f"{members}/{bob['id']}").status_code == 404

    mg = w.get(f"/workspaces/{ws['id']}/management").json()
    assert mg["management"] is None
    org = api.post("/organizations", json={"name": "Vendor Inc"}).json()
    admin.grant_management(ws["id"], org["id"])
    mg = w.get(f"/workspaces/{ws['id']}/management").json()
    assert mg["management"]["organization"]["id"] == org["id"]
    assert [x["id"] for x in api.get(f"/organizations/{org['id']}/workspaces").json()["data"]] == [ws["id"]]
    revoke = f"/workspaces/{ws['id']}:revokeManagement"
    assert w.post(revoke, headers={"If-Match": "0"}).status_code == 409
    assert w.post(revoke, headers={"If-Match": mg["etag"]}).status_code == 204
    assert w.get(f"/workspaces/{ws['id']}/management").json()["management"] is None

    sub = f"/workspaces/{ws['id']}/subscription"
    assert w.get(sub).json()["tier"] == "free"
    etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
    assert w.post(f"{sub}:cancel", json={"effective": "period_end"}, headers={"If-Match": etag}).status_code == 409
    assert w.post(f"{sub}:changeTier", json={"tier": "gold"}, headers={"If-Match": etag}).status_code == 400
    done = _op(w, w.post(f"{sub}:changeTier", json={"tier": "pro"}, headers={"If-Match": etag}))
    assert done["state"] == "SUCCEEDED"
    assert w.get(sub).json()["tier"] == "pro"
    reqs = w.get(f"{sub}/change_requests").json()["data"]
    assert reqs[0]["status"] == "applied"
    assert w.get(f"{sub}/change_requests/{reqs[0]['id']}").status_code == 200
    assert w.get(f"{sub}/change_requests/scr_nope").status_code == 404
    etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
    assert w.post(f"{sub}:reactivate", json={}, headers={"If-Match": etag}).status_code == 409
    done = _op(w, w.post(f"{sub}:cancel", json={"effective": "period_end"}, headers={"If-Match": etag}))
    assert done["response"]["type"] == "workspace.subscription.cancel"
    assert w.get(sub).json()["cancellation_scheduled"] is True
    etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
    _op(w, w.post(f"{sub}:reactivate", json={}, headers={"If-Match": etag}))
    assert w.get(sub).json()["cancellation_scheduled"] is False
    assert w.get(f"/workspaces/{ws['id']}/access_state").json()["accessible"] is True


def test_organizations(api: Api, admin: LocalAdmin) -> None:
    assert api.post("/organizations", json={"name": "_bad_"}).status_code == 400
    org = api.post("/organizations", json={"name": "Vendor Inc", "slug": "vendor"}).json()
    assert api.post("/organizations", json={"name": "Other", "slug": "vendor"}).status_code == 409
    o = f"/organizations/{org['id']}"
    assert api.get("/organizations").json()["data"][0]["role"] == "owner"
    assert api.get(o).json()["etag"] == "1"
    assert api.get("/organizations/org_nope").status_code == 404
    assert api.patch(o, json={"name": "Vendor"}, headers={"If-Match": "9"}).status_code == 409
    assert api.patch(o, json={"name": "Vendor", "icon": "https://x.test/i.png"}, headers={"If-Match": "1"}).json() == {
        "ok": True
    }
    etag = api.get(o).json()["etag"]
    carol = admin.create_user("Carol", "carol@example.com")
    assert api.post(f"{o}/members", json={"user_id": carol["id"]}, headers={"If-Match": etag}).status_code == 201
    assert api.post(f"{o}/members", json={"user_id": carol["id"]}, headers={"If-Match": etag}).status_code == 409
    members = api.get(f"{o}/members").json()["data"]
    me = next(m for m in members if m["user_id"] == "usr_owner")
    cm = next(m for m in members if m["user_id"] == carol["id"])
    assert cm["role"] == "member" and cm["email"] == "carol@example.com"
    c = api.as_(carol["token"])
    assert c.patch(o, json={"name": "Hacked"}, headers={"If-Match": etag}).status_code == 403
    assert (
        api.patch(f"{o}/members/usr_owner", json={"role": "admin"}, headers={"If-Match": me["etag"]}).status_code == 400
    )
    assert api.delete(f"{o}/members/usr_owner", headers={"If-Match": me["etag"]}).status_code == 400
    assert api.patch(f"{o}/members/{carol['id']}", json={"role": "admin"}, headers={"If-Match": cm["etag"]}).json() == {
        "ok": True
    }
    assert api.patch(f"{o}/members/nobody", json={"role": "admin"}, headers={"If-Match": "1"}).status_code == 404
    inv = api.post(f"{o}/invitations", json={"email": "dave@example.com"}).json()
    assert inv["status"] == "pending" and inv["role"] == "member"
    assert api.post(f"{o}/invitations", json={"email": "dave@example.com"}).status_code == 409
    assert api.get(f"{o}/invitations").json()["data"][0]["id"] == inv["id"]
    assert api.post(f"{o}/invitations/{inv['id']}/resend").json()["etag"] == "2"
    assert api.post(f"{o}/invitations/orgi_nope/resend").status_code == 404
    dave = admin.create_user("Dave", "dave@example.com")
    token = admin.get_object(inv["id"])["data"]["_token"]
    assert api.post("/organization_invitations/accept", json={"token": token}).status_code == 403
    d = api.as_(dave["token"])
    assert d.post("/organization_invitations/accept", json={"token": "x" * 40}).status_code == 404
    assert d.post("/organization_invitations/accept", json={"token": token}).json()["status"] == "accepted"
    assert d.post("/organization_invitations/accept", json={"token": token}).status_code == 409
    assert api.get(f"{o}/invitations").json()["data"] == []
    inv2 = api.post(f"{o}/invitations", json={"email": "erin@example.com", "role": "admin"}).json()
    assert api.delete(f"{o}/invitations/{inv2['id']}").status_code == 204
    assert api.delete(f"{o}/invitations/{inv2['id']}").status_code == 404
    dm = next(m for m in api.get(f"{o}/members").json()["data"] if m["user_id"] == dave["id"])
    assert d.delete(f"{o}/members/{dave['id']}", headers={"If-Match": dm["etag"]}).status_code == 204
    assert api.delete(o, headers={"If-Match": "1"}).status_code == 409
    assert c.delete(o, headers={"If-Match": api.get(o).json()["etag"]}).status_code == 403
    assert api.delete(o, headers={"If-Match": api.get(o).json()["etag"]}).status_code == 204
    assert api.get(o).status_code == 404


def test_clusters_regions_quotas(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    assert w.post("/regions", json={"name": "eu", "extra": 1}).status_code == 422  # declares 422, not 400
    reg = w.post("/regions", json={"name": "eu"}).json()
    assert w.get("/regions").json()["data"][0]["id"] == reg["id"]
    assert (
        w.post("/clusters", json={"name": "c", "region_id": "reg_nope"}).status_code == 400
    )  # 422 is undeclared here: 400 (API.md 1.8)
    op = _op(w, w.post("/clusters", json={"name": "c1", "region_id": reg["id"]}))
    cid = op["response"]["cluster_id"]
    assert op["owner_id"] == cid
    c = w.get(f"/clusters/{cid}").json()
    assert c["state"] == "active" and c["provider"] == "managed_kaas"
    r = w.post("/clusters", json={"name": "c2", "region_id": reg["id"]})
    assert r.status_code == 409 and code(r) == 7002 and "kaas/clusters" in r.json()["errors"][0]["message"]
    q = {x["metric"]: x for x in w.get("/quotas").json()["data"]}
    assert q["kaas/clusters"]["usage"] == 1 and q["kaas/clusters"]["limit"] == 1
    assert w.get("/quotas", params={"cluster_id": cid}).status_code == 200
    assert w.get("/quotas/compute%2Fmachines").json()["metric"] == "compute/machines"
    assert w.get("/quotas/nope").status_code == 404
    imp = w.post("/clusters:import", json={"name": "byoc", "region_id": reg["id"], "kubeconfig": "apiVersion: v1"})
    assert imp.status_code == 200 and imp.json()["provider"] == "imported_byoc"
    assert w.get(f"/clusters/{imp.json()['id']}/kubeconfig").json()["kubeconfig"] == "apiVersion: v1"
    assert "server:" in w.get(f"/clusters/{cid}/kubeconfig").json()["kubeconfig"]
    assert w.get("/clusters").json()["data"][0]["id"] == imp.json()["id"]
    u = w.patch(f"/clusters/{cid}", json={"name": "renamed"}, headers={"If-Match": c["etag"]})
    assert u.status_code == 200 and u.json()["name"] == "renamed"
    etag = u.json()["etag"]
    assert w.post(f"/clusters/{cid}:resume", headers={"If-Match": etag}).status_code == 409
    _op(w, w.post(f"/clusters/{cid}:suspend", headers={"If-Match": etag}))
    c = w.get(f"/clusters/{cid}").json()
    assert c["state"] == "suspended"
    _op(w, w.post(f"/clusters/{cid}:resume", headers={"If-Match": c["etag"]}))
    assert w.get(f"/clusters/{cid}/capabilities").json()["freshness"]["state"] == "missing"
    _op(w, w.post(f"/clusters/{cid}/capabilities:refresh"))
    assert w.get(f"/clusters/{cid}/capabilities").json()["freshness"]["state"] == "fresh"
    bob = admin.create_user("Bob", "bob@example.com")
    w.post(f"/workspaces/{ws['id']}/members", json={"user_id": bob["id"], "role": "admin"})
    b = api.as_(bob["token"], ws["id"])
    etag = w.get(f"/clusters/{cid}").json()["etag"]
    assert b.delete(f"/clusters/{cid}", headers={"If-Match": etag}).status_code == 403
    assert w.delete(f"/clusters/{cid}", headers={"If-Match": "0"}).status_code == 409
    _op(w, w.delete(f"/clusters/{cid}", headers={"If-Match": etag}))
    assert w.get(f"/clusters/{cid}").status_code == 404
    assert w.get("/clusters/clu_nope/capabilities").status_code == 404


def test_packages_products_installs(api: Api, admin: LocalAdmin) -> None:
    s = _stack(api, admin)
    w, pkg_id, prod = s["w"], s["pkg_id"], s["product"]
    assert prod["package"]["default_version_id"] is not None
    bad = {"name": "x", "oci_ref": OCI, "version": {"semver": "9.9.9", "ref": "r", "input_schema": {}}}
    assert w.post("/packages:import", json=bad).status_code == 422
    assert (
        w.post(
            f"/packages/{pkg_id}/versions",
            json={"semver": "1.1.0", "ref": "sha256:1.1.0", "input_schema": s["v2"]["input_schema"]},
        ).status_code
        == 409
    )
    created = w.post(
        "/packages",
        json={
            "name": "hosted",
            "sources": [{"kind": "helm", "repo_url": "oci://r/x", "target_revision": "2.0.0"}],
        },
        headers={"Idempotency-Key": "pkg-1"},
    )
    hosted = _op(w, created)["response"]
    assert hosted["package_id"].startswith("pkg_") and hosted["repository_id"].startswith("repo_")
    full = w.get(f"/packages/{hosted['package_id']}", params={"view": "full"}).json()
    assert full["source"]["kind"] == "hosted" and full["composed_from_sources"]
    assert "composed_from_sources" not in w.get(f"/packages/{hosted['package_id']}").json()
    assert len(w.get("/packages").json()["data"]) == 2
    versions = w.get(f"/packages/{pkg_id}/versions").json()["data"]
    assert [v["semver"] for v in versions] == ["1.1.0", "1.0.0"]
    assert w.get(f"/packages/{pkg_id}/versions/{versions[1]['id']}").status_code == 200
    assert w.get(f"/packages/{pkg_id}/versions/{versions[1]['id']}/inputs").json()["type"] == "object"
    assert w.get(f"/packages/{pkg_id}/versions/pkgv_nope").status_code == 404

    assert (
        w.post(
            "/products",
            json={
                "name": "Bad",
                "package_id": pkg_id,
                "package_version_pin": {"kind": "pinned", "version": "3.0.0"},
            },
        ).status_code
        == 422
    )
    p = f"/products/{prod['id']}"
    u = w.patch(
        p,
        json={"custom_description": "hi", "package_version_pin": {"kind": "latest"}},
        headers={"If-Match": prod["etag"]},
    )
    assert u.status_code == 200 and u.json()["package"]["default_version_id"] == s["v2"]["id"]
    u = w.patch(p, json={"custom_description": None}, headers={"If-Match": u.json()["etag"]})
    assert "custom_description" not in u.json()
    assert w.get("/products").json()["data"][0]["id"] == prod["id"]
    assert w.get("/products/prod_nope").status_code == 404

    inst_op = _op(
        w,
        w.post(
            "/installs",
            json={
                "product_id": prod["id"],
                "region_id": s["region"]["id"],
                "initial_values": {"replicas": 2},
            },
            headers={"Idempotency-Key": "i-1"},
        ),
    )
    iid = inst_op["response"]["install_id"]
    assert (
        w.post(
            "/installs",
            json={
                "product_id": prod["id"],
                "region_id": s["region"]["id"],
                "initial_values": {"replicas": "two"},
            },
        ).status_code
        == 400  # installs.create declares no 422
    )
    inst = w.get(f"/installs/{iid}").json()
    assert inst["state"] == "healthy" and inst["cluster_id"] == s["cluster_id"] and inst["urls"]
    assert "region_id" not in inst and "initial_values" not in inst
    assert w.get("/installs", params={"product_id": prod["id"]}).json()["data"][0]["id"] == iid
    assert w.get(f"/installs/{iid}/status").json()["health"] == "Healthy"
    direct = _op(
        w,
        w.post(
            "/installs",
            json={
                "package_id": pkg_id,
                "package_version_pin": {"kind": "latest"},
                "region_id": s["region"]["id"],
                "cluster_id": s["cluster_id"],
            },
        ),
    )
    assert direct["state"] == "SUCCEEDED"

    h = {"If-Match": inst["etag"], "Idempotency-Key": "up-1"}
    r = w.post(f"/installs/{iid}:update", json={"package_version_id": s["v2"]["id"]})
    assert r.status_code in (400, 422)
    r = w.post(f"/installs/{iid}:update", json={"package_version_id": s["v2"]["id"]}, headers=h)
    assert r.status_code == 202, r.text
    again = w.post(f"/installs/{iid}:update", json={"package_version_id": s["v2"]["id"]}, headers=h)
    assert again.json() == r.json()
    inst = w.get(f"/installs/{iid}").json()
    assert inst["package_version_id"] == s["v2"]["id"]
    first_render = (
        next(
            x
            for x in w.app.store.tx().__enter__().find("render", parent_id=iid)
            if x["package_version_id"] != s["v2"]["id"]
        )
        if False
        else None
    )
    assert first_render is None
    renders = admin.get_object(iid)["data"]
    assert renders["_current"]["semver"] == "1.1.0"
    r = w.patch(
        f"/installs/{iid}/automatic_updates",
        json={"automatic_updates_enabled": True},
        headers={"If-Match": inst["etag"], "Idempotency-Key": "au-1"},
    )
    assert r.status_code == 200 and r.json()["install"]["automatic_updates_enabled"] is True
    assert "automatic_updates_enabled" not in w.get(f"/installs/{iid}").json()
    bad = w.post(
        f"/installs/{iid}:restore",
        json={"render_id": "rnd_nope"},
        headers={"If-Match": r.json()["install"]["etag"], "Idempotency-Key": "rs-0"},
    )
    assert bad.status_code == 404
    first = inst_op  # the create operation's render is the first deployed render
    with w.app.store.tx() as tx:
        # each render's install.render Operation is a child of the operation that caused it (API.md §7.6)
        parents = {o["id"]: o["parent_operation_id"] for o in tx.find("operation")}
        initial = next(x for x in tx.find("render", parent_id=iid) if parents.get(x["operation_id"]) == first["id"])
    rs = w.post(
        f"/installs/{iid}:restore",
        json={"render_id": initial["id"]},
        headers={"If-Match": r.json()["install"]["etag"], "Idempotency-Key": "rs-1"},
    )
    assert rs.status_code == 202 and rs.json()["render"]["restored_from_render_id"] == initial["id"]
    assert w.get(f"/installs/{iid}").json()["package_version_id"] == initial["package_version_id"]

    etag = w.get(f"/clusters/{s['cluster_id']}").json()["etag"]
    busy = w.delete(f"/clusters/{s['cluster_id']}", headers={"If-Match": etag})
    assert busy.status_code == 409 and iid in busy.json()["errors"][0]["message"]
    pkg = w.get(f"/packages/{pkg_id}").json()
    assert w.delete(f"/packages/{pkg_id}", headers={"If-Match": pkg["etag"]}).status_code == 409
    for i in w.get("/installs").json()["data"]:
        _op(w, w.delete(f"/installs/{i['id']}", headers={"If-Match": i["etag"]}))
    assert w.get(f"/installs/{iid}").status_code == 404
    assert w.delete("/installs/inst_nope", headers={"If-Match": "1"}).status_code == 404
    prod = w.get(p).json()
    arch = w.post(f"{p}:archive", json={"archive_reason": "eol"}, headers={"If-Match": prod["etag"]})
    assert arch.status_code == 200 and arch.json()["state"] == "archived"
    assert w.post(f"{p}:archive", json={}, headers={"If-Match": arch.json()["etag"]}).status_code == 409
    un = w.post(f"{p}:unarchive", json={}, headers={"If-Match": arch.json()["etag"]})
    assert un.status_code == 200 and "archived_at" not in un.json()
    assert w.post(f"{p}:unarchive", json={}, headers={"If-Match": un.json()["etag"]}).status_code == 409
    w.post(f"{p}:archive", json={}, headers={"If-Match": un.json()["etag"]})
    assert w.delete(f"/packages/{pkg_id}", headers={"If-Match": "0"}).status_code == 409
    assert (
        w.delete(f"/packages/{pkg_id}", headers={"If-Match": w.get(f"/packages/{pkg_id}").json()["etag"]}).status_code
        == 204
    )
    assert w.get(f"/packages/{pkg_id}").status_code == 404


def test_operations_and_workspace_delete(api: Api, admin: LocalAdmin, app: App) -> None:
    s = _stack(api, admin)
    w, ws = s["w"], s["ws"]
    ops = w.get("/operations").json()["data"]
    assert ops and "steps" not in ops[0]
    assert w.get("/operations", params={"owner_type": "cluster"}).status_code == 400
    by_owner = w.get("/operations", params={"owner_type": "cluster", "owner_id": s["cluster_id"]}).json()["data"]
    assert [o["owner_id"] for o in by_owner] == [s["cluster_id"]]
    assert w.get(f"/operations/{ops[0]['id']}").json()["steps"]
    assert w.get("/operations/op_nope").status_code == 404
    assert w.post(f"/operations/{ops[0]['id']}:cancel").status_code == 422
    admin.set_operation_delay(30)
    pending = w.post("/regions", json={"name": "us"}).json()
    started = w.post("/clusters:import", json={"name": "b", "region_id": pending["id"], "kubeconfig": "k"}).json()
    op = w.post(f"/clusters/{started['id']}:suspend", headers={"If-Match": started["etag"]}).json()
    assert op["state"] == "RUNNING"
    assert w.post(f"/operations/{op['id']}:wait", params={"timeout": 1}).json()["done"] is False
    c = w.post(f"/operations/{op['id']}:cancel")
    assert c.status_code == 202 and c.json()["state"] == "CANCELLED"
    admin.set_operation_delay(0)
    admin.fail_next_operation("cluster.suspend", "boom")
    etag = w.get(f"/clusters/{started['id']}").json()["etag"]
    failed = _op(w, w.post(f"/clusters/{started['id']}:suspend", headers={"If-Match": etag}))
    assert failed["state"] == "FAILED" and failed["error"]["message"] == "boom"
    etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
    done = _op(w, w.delete(f"/workspaces/{ws['id']}", headers={"If-Match": etag}))
    assert done["response"]["workspace_id"] == ws["id"]
    assert api.get(f"/workspaces/{ws['id']}").status_code == 404
    with app.store.tx() as tx:
        assert tx.q("SELECT COUNT(*) FROM objects WHERE workspace_id=? AND kind!='operation'", ws["id"])[0][0] == 0


# The operations contract v4 adds (API.md §7), exercised family by family in tests/local/test_v4_*.py.
V4_PREFIXES = (
    "machines.",
    "agents.",
    "agentSkills.",
    "agentTemplates.",
    "dashboards.",
    "snippets.",
    "orderDrafts.",
    "repositories.",
    "installs.listRenders",
    "installs.getRender",
    "clusters.createWorkerBootstrap",
    "clusters.listWorkerBootstraps",
    "clusters.getWorkerBootstrap",
    "clusters.revokeWorkerBootstrap",
)


def test_v4_prefixes_name_exactly_the_47_added_operations() -> None:
    added = [op.operation_id for op in contract() if op.operation_id.startswith(V4_PREFIXES)]
    assert len(added) == 47


def test_every_operation_was_exercised() -> None:
    """Runs last in this module: every original operation answered at least one 2xx above."""
    ok = {op for op, statuses in SEEN.items() if any(200 <= s < 300 for s in statuses)}
    missing = sorted(
        op.operation_id
        for op in contract()
        if op.operation_id not in ok and not is_estate(op.operation_id) and not op.operation_id.startswith(V4_PREFIXES)
    )
    assert not missing, f"never exercised successfully: {missing}"

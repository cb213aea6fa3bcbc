"""Custom domains, the workspace subdomain and preview hostnames (API.md §5.2-5.4): async Operations."""

from __future__ import annotations

from typing import Any

import pytest

from akua_pulumi.local import App, LocalAdmin

from .conftest import Api, assert_exercised, new_workspace
from .test_conformance import _op, _stack

# Their last test checks what the others exercised in this process: one xdist worker runs the module.
pytestmark = pytest.mark.xdist_group(__name__)


def _install(api: Api, admin: LocalAdmin) -> dict[str, Any]:
    s = _stack(api, admin)
    w = s["w"]
    op = _op(
        w,
        w.post(
            "/installs",
            json={"product_id": s["product"]["id"], "region_id": s["region"]["id"], "initial_values": {"replicas": 1}},
            headers={"Idempotency-Key": "inst-1"},
        ),
    )
    s["install_id"] = op["response"]["install_id"]
    with w.app.store.tx() as tx:
        s["render_id"] = tx.find("render", parent_id=s["install_id"])[0]["id"]
    return s


def test_custom_domain_lifecycle(api: Api, admin: LocalAdmin) -> None:
    s = _install(api, admin)
    w, ws = s["w"], s["ws"]
    base = f"/workspaces/{ws['id']}/custom_domains"
    body = {"hostname": "Shop.Example.com", "target": {"kind": "install", "install_id": s["install_id"]}}
    assert w.post(base, json=body).status_code in (400, 422)  # Idempotency-Key is required
    admin.set_operation_delay(30)
    started = w.post(base, json=body, headers={"Idempotency-Key": "d1"})
    assert started.status_code == 202 and started.json()["metadata"]["type"] == "custom_domain.create"
    assert started.json()["owner_type"] == "workspace" and started.json()["owner_id"] == ws["id"]
    pending = w.get(base).json()["data"][0]
    assert pending["status"] == "provisioning" and pending["ssl"]["status"] == "pending_validation"
    assert pending["ssl"]["validation_records"][0]["name"] == "_acme-challenge.shop.example.com"
    replay = w.post(base, json=body, headers={"Idempotency-Key": "d1"})
    assert replay.json()["id"] == started.json()["id"]
    admin.advance_operations()
    admin.set_operation_delay(0)
    done = w.get(f"/operations/{started.json()['id']}").json()
    did = done["response"]["custom_domain_id"]
    assert done["state"] == "SUCCEEDED" and done["response"]["hostname"] == "shop.example.com"
    d = w.get(f"{base}/{did}").json()
    assert d["status"] == "active" and d["ssl"] == {"status": "active", "validation_records": []}
    assert d["protocol"] == "http" and d["routing_mode"] == "through_dispatcher"
    assert [x["id"] for x in w.get(base, params={"target_kind": "install", "state": "active"}).json()["data"]] == [did]
    assert w.get(base, params={"target_kind": "cluster"}).json()["data"] == []
    # taken hostname (platform-wide) and a missing target: accepted, then the operation fails
    w2, ws2 = new_workspace(api, "Other")
    taken = _op(
        w2,
        w2.post(
            f"/workspaces/{ws2['id']}/custom_domains",
            json={"hostname": "shop.example.com", "target": {"kind": "external", "endpoint": "https://o.test"}},
            headers={"Idempotency-Key": "d2"},
        ),
    )
    assert taken["state"] == "FAILED" and "already in use" in taken["error"]["message"]
    missing = _op(
        w,
        w.post(
            base,
            json={"hostname": "b.example.com", "target": {"kind": "cluster", "cluster_id": "clu_nope"}},
            headers={"Idempotency-Key": "d3"},
        ),
    )
    assert missing["state"] == "FAILED" and "clu_nope" in missing["error"]["message"]
    assert len(w.get(base).json()["data"]) == 1
    eve = admin.create_user("Eve", "eve@example.com")
    assert api.as_(eve["token"]).get(base).status_code == 403  # a workspace the caller may not use
    # update
    assert w.patch(f"{base}/{did}", json={"protocol": "grpc"}, headers={"Idempotency-Key": "u0"}).status_code in (
        400,
        422,
    )
    stale = w.patch(f"{base}/{did}", json={"protocol": "grpc"}, headers={"If-Match": "0", "Idempotency-Key": "u1"})
    assert stale.status_code == 409
    up = _op(
        w,
        w.patch(
            f"{base}/{did}",
            json={"protocol": "grpc", "target": {"kind": "cluster", "cluster_id": s["cluster_id"]}},
            headers={"If-Match": d["etag"], "Idempotency-Key": "u2"},
        ),
    )
    assert up["state"] == "SUCCEEDED" and up["metadata"]["if_match"] == d["etag"]
    d = w.get(f"{base}/{did}").json()
    assert d["protocol"] == "grpc" and d["target"] == {"kind": "cluster", "cluster_id": s["cluster_id"]}
    assert w.get(f"{base}/cdm_nope").status_code == 404
    # delete: releasing while it runs, then 404
    admin.set_operation_delay(30)
    gone = w.delete(f"{base}/{did}", headers={"If-Match": d["etag"], "Idempotency-Key": "x1"})
    assert gone.status_code == 202 and w.get(f"{base}/{did}").json()["status"] == "releasing"
    admin.advance_operations()
    admin.set_operation_delay(0)
    assert w.get(f"{base}/{did}").status_code == 404
    assert w.get(f"/operations/{gone.json()['id']}").json()["response"]["custom_domain_id"] == did


def test_subdomain_singleton_and_rename(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api, "Acme Shop")
    sub = w.get(f"/workspaces/{ws['id']}/subdomain").json()
    assert sub["name"] == "acme-shop" and sub["fqdn"] == "acme-shop.akua.local" and sub["status"] == "active"
    assert sub["name_changed_at"] is None and sub["id"].startswith("wsd_")
    path = f"/workspaces/{ws['id']}/subdomain:setName"
    same = _op(w, w.post(path, json={"name": "acme-shop"}, headers={"If-Match": sub["etag"], "Idempotency-Key": "s0"}))
    assert same["state"] == "SUCCEEDED" and w.get(f"/workspaces/{ws['id']}/subdomain").json() == sub
    admin.set_operation_delay(30)
    op = w.post(path, json={"name": "shop"}, headers={"If-Match": sub["etag"], "Idempotency-Key": "s1"})
    assert op.status_code == 202 and w.get(f"/workspaces/{ws['id']}/subdomain").json()["status"] == "propagating"
    w2, ws2 = new_workspace(api, "Rival")
    sub2 = w2.get(f"/workspaces/{ws2['id']}/subdomain").json()
    clash = w2.post(
        f"/workspaces/{ws2['id']}/subdomain:setName",
        json={"name": "shop"},
        headers={"If-Match": sub2["etag"], "Idempotency-Key": "s2"},
    )
    assert clash.status_code == 409  # reserved by the running rename
    admin.advance_operations()
    admin.set_operation_delay(0)
    done = w.get(f"/operations/{op.json()['id']}").json()
    assert done["response"]["fqdn"] == "shop.akua.local"
    sub = w.get(f"/workspaces/{ws['id']}/subdomain").json()
    assert sub["name"] == "shop" and sub["status"] == "active" and sub["name_changed_at"] is not None
    bad = _op(w, w.post(path, json={"name": "Not_A_Label"}, headers={"If-Match": sub["etag"], "Idempotency-Key": "s3"}))
    assert bad["state"] == "FAILED" and "DNS label" in bad["error"]["message"]
    assert w.post(path, json={"name": "x"}, headers={"If-Match": "0", "Idempotency-Key": "s4"}).status_code == 409
    _, ws3 = new_workspace(api, "Acme Shop")  # slug acme-shop-2; the freed name acme-shop is reusable
    admin.set_config(subdomain_base_domain="shops.example")
    sub3 = api.as_(ws=ws3["id"]).get(f"/workspaces/{ws3['id']}/subdomain").json()
    assert sub3["name"] == "acme-shop-2" and sub3["fqdn"] == "acme-shop-2.shops.example"


def test_preview_hostnames_pinned_floating(api: Api, admin: LocalAdmin, app: App) -> None:
    s = _install(api, admin)
    w, iid, rid = s["w"], s["install_id"], s["render_id"]
    base = f"/installs/{iid}/preview_hostnames"
    pinned = _op(w, w.post(f"{base}:bindPinned", json={"render_id": rid}, headers={"Idempotency-Key": "p1"}))
    assert pinned["state"] == "SUCCEEDED" and pinned["owner_type"] == "install" and pinned["owner_id"] == iid
    pid = pinned["response"]["preview_hostname_id"]
    fqdn = w.get(f"/workspaces/{s['ws']['id']}/subdomain").json()["fqdn"]
    h = w.get(f"{base}/{pid}").json()
    assert h["hostname"].endswith("." + fqdn) and h["status"] == "active" and h["binding"]["kind"] == "pinned"
    bad = _op(w, w.post(f"{base}:bindPinned", json={"render_id": "rnd_nope"}, headers={"Idempotency-Key": "p2"}))
    assert bad["state"] == "FAILED" and "rnd_nope" in bad["error"]["message"]
    fl = _op(
        w, w.post(f"{base}:bindFloating", json={"track": "main", "render_id": rid}, headers={"Idempotency-Key": "f1"})
    )
    fid = fl["response"]["preview_hostname_id"]
    again = _op(
        w,
        w.post(
            f"{base}:bindFloating",
            json={"track": "main", "render_id": rid, "protocol": "websocket"},
            headers={"Idempotency-Key": "f2"},
        ),
    )
    assert (
        again["response"]["preview_hostname_id"] == fid and again["response"]["hostname"] == fl["response"]["hostname"]
    )
    assert w.get(f"{base}/{fid}").json()["protocol"] == "websocket"
    assert [x["id"] for x in w.get(base, params={"binding_kind": "floating", "track": "main"}).json()["data"]] == [fid]
    assert len(w.get(base).json()["data"]) == 2
    etag = w.get(f"{base}/{pid}").json()["etag"]
    assert w.delete(f"{base}/{pid}", headers={"If-Match": "0", "Idempotency-Key": "x0"}).status_code == 409
    gone = _op(w, w.delete(f"{base}/{pid}", headers={"If-Match": etag, "Idempotency-Key": "x1"}))
    assert gone["response"]["preview_hostname_id"] == pid and w.get(f"{base}/{pid}").status_code == 404
    inst = w.get(f"/installs/{iid}").json()
    _op(w, w.delete(f"/installs/{iid}", headers={"If-Match": inst["etag"], "Idempotency-Key": "del"}))
    with app.store.tx() as tx:
        assert tx.find("preview_hostname") == []  # deleting the install deleted its hostnames


def test_every_domain_operation_was_exercised() -> None:
    """Runs last in this module."""
    assert_exercised(("customDomains.", "workspaceSubdomains.", "previewHostnames."))

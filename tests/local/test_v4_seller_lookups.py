"""Install renders (API.md §7.6), repositories (§7.7) and order drafts seeded through /_local (§7.8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from akua_pulumi.local import LocalAdmin
from akua_pulumi.local.util import canonical, sha256

from .conftest import Api, assert_exercised, new_workspace
from .test_conformance import _stack
from .test_v4_machines import _wait

# its last test checks what the others exercised in this process: one xdist worker runs the module
pytestmark = pytest.mark.xdist_group(__name__)


def _install(s: dict[str, Any]) -> str:
    w = s["w"]
    body = {"product_id": s["product"]["id"], "region_id": s["region"]["id"], "initial_values": {"replicas": 1}}
    op = w.post("/installs", json=body).json()
    return str(_wait(w, op)["response"]["install_id"])


def test_renders_on_install_create_and_update(api: Api, admin: LocalAdmin) -> None:
    s = _stack(api, admin)
    w = s["w"]
    iid = _install(s)
    renders = w.get(f"/installs/{iid}/renders").json()["data"]
    assert len(renders) == 1 and renders[0]["state"] == "deployed" and renders[0]["id"].startswith("rnd_")
    first = renders[0]
    op = w.get(f"/operations/{first['operation_id']}").json()
    assert op["metadata"] == {"type": "install.render", "install_id": iid} and op["owner_type"] == "install"
    assert op["response"]["install_render_id"] == first["id"] and op["parent_operation_id"]
    repo = w.get(f"/repositories/{op['response']['repository_id']}", params={"view": "full"}).json()
    assert repo["purpose"] == "deploy" and repo["cluster_id"] == s["cluster_id"]
    assert repo["last_deploy_sha"] == first["commit_sha"]
    i = w.get(f"/installs/{iid}").json()
    up = w.post(
        f"/installs/{iid}:update",
        json={"package_version_id": s["v2"]["id"]},
        headers={"If-Match": i["etag"], "Idempotency-Key": "u1"},
    )
    assert up.status_code == 202, up.text
    renders = w.get(f"/installs/{iid}/renders").json()["data"]
    assert len(renders) == 2 and renders[0]["package_version_id"] == s["v2"]["id"]  # newest first
    assert w.get(f"/installs/{iid}/renders/{renders[1]['id']}").json()["id"] == first["id"]
    assert w.get(f"/installs/{iid}/renders/rnd_nope").status_code == 404
    page = w.get(f"/installs/{iid}/renders", params={"limit": 1}).json()
    assert page["has_more"] is True
    repo2 = w.get(f"/repositories/{repo['id']}", params={"view": "full"}).json()
    assert repo2["last_deploy_sha"] == renders[0]["commit_sha"] and repo2["etag"] != repo["etag"]
    assert "last_deploy_sha" not in w.get(f"/repositories/{repo['id']}").json()  # basic view
    # the hash is the SHA-256 of install, version and values: the same version again is skipped
    want = sha256(canonical({"install_id": iid, "package_version_id": s["v2"]["id"], "values": {"replicas": 1}}))
    assert renders[0]["render_hash"] == want
    i = w.get(f"/installs/{iid}").json()
    same = w.post(
        f"/installs/{iid}:update",
        json={"package_version_id": s["v2"]["id"]},
        headers={"If-Match": i["etag"], "Idempotency-Key": "u2"},
    ).json()["render"]
    assert same["state"] == "skipped" and same["render_hash"] == want and same["commit_sha"] is None
    skipped_op = w.get(f"/operations/{same['operation_id']}").json()
    assert skipped_op["response"]["skipped"] is True
    assert w.get(f"/repositories/{repo['id']}", params={"view": "full"}).json()["etag"] == repo2["etag"]


def test_a_failed_render_leaves_the_install_failed_with_its_desired_version(api: Api, admin: LocalAdmin) -> None:
    s = _stack(api, admin)
    w = s["w"]
    iid = _install(s)
    before = w.get(f"/installs/{iid}").json()
    admin.fail_next_operation("install.render", "chart rendering failed: values invalid")
    out = w.post(
        f"/installs/{iid}:update",
        json={"package_version_id": s["v2"]["id"]},
        headers={"If-Match": before["etag"], "Idempotency-Key": "f1"},
    ).json()
    assert out["render"]["state"] == "failed" and out["render"]["message"] == "chart rendering failed: values invalid"
    assert out["install"]["desired_version"]["id"] == s["v2"]["id"]
    assert out["install"]["current_version"]["id"] == before["package_version_id"]
    i = w.get(f"/installs/{iid}").json()
    assert i["state"] == "failed" and i["package_version_id"] == before["package_version_id"]
    op = w.get(f"/operations/{out['render']['operation_id']}").json()
    assert op["state"] == "FAILED" and op["error"]["message"] == "chart rendering failed: values invalid"
    # with an operation delay the render runs first, then fails when its timer fires
    admin.set_operation_delay(60)
    admin.fail_next_operation("install.render", "boom")
    out = w.post(
        f"/installs/{iid}:update",
        json={"package_version_id": s["v2"]["id"]},
        headers={"If-Match": i["etag"], "Idempotency-Key": "f2"},
    ).json()
    assert out["render"]["state"] == "running"
    admin.advance_operations()
    got = w.get(f"/installs/{iid}/renders/{out['render']['id']}").json()
    assert got["state"] == "failed" and got["message"] == "boom"
    assert w.get(f"/installs/{iid}").json()["state"] == "failed"


def test_repositories_follow_clusters_and_packages(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    src = [{"kind": "helm", "repo_url": "oci://r/x", "target_revision": "2.0.0"}]
    op = _wait(w, w.post("/packages", json={"name": "hosted", "sources": src}).json())
    rid = op["response"]["repository_id"]
    repo = w.get(f"/repositories/{rid}").json()
    assert (
        repo["purpose"] == "package" and repo["package_id"] == op["response"]["package_id"] and repo["name"] == "hosted"
    )
    reg = w.post("/regions", json={"name": "eu"}).json()
    imported = w.post(
        "/clusters:import", json={"name": "imp", "region_id": reg["id"], "kubeconfig": "apiVersion: v1"}
    ).json()
    deploy = w.get("/repositories", params={"purpose": "deploy"}).json()["data"]
    assert [r["cluster_id"] for r in deploy] == [imported["id"]] and deploy[0]["name"] == "imp"
    pkg = w.get(f"/packages/{repo['package_id']}").json()
    assert w.delete(f"/packages/{pkg['id']}", headers={"If-Match": pkg["etag"]}).status_code == 204
    assert w.get(f"/repositories/{rid}").status_code == 404
    c = w.get(f"/clusters/{imported['id']}").json()
    gone = w.delete(f"/clusters/{imported['id']}", headers={"If-Match": c["etag"]}).json()
    _wait(w, gone)
    assert w.get(f"/repositories/{deploy[0]['id']}").status_code == 404
    child = w.get("/operations", params={"owner_type": "repository", "owner_id": deploy[0]["id"]}).json()["data"]
    assert child[0]["metadata"]["type"] == "repository.delete" and child[0]["parent_operation_id"] == gone["id"]
    assert child[0]["response"]["purged_at"] > 0
    rcr = admin.seed_repository(ws["id"], "repository_change_request", "rcr-1", repository_change_request_id="rcr_1")
    got = w.get(f"/repositories/{rcr['id']}").json()
    assert got["purpose"] == "repository_change_request" and got["repository_change_request_id"] == "rcr_1"
    with pytest.raises(httpx.HTTPStatusError) as bad:
        admin.seed_repository(ws["id"], "deploy", "d", package_id="pkg_x")
    assert bad.value.response.json()["errors"][0]["path"] == ["body", "package_id"]


def test_order_drafts_seeded_through_local(api: Api, admin: LocalAdmin) -> None:
    s = _stack(api, admin)
    w, ws = s["w"], s["ws"]
    offer = w.post("/offers", json={"product_id": s["product"]["id"], "max_uses": None}).json()
    cust = admin.create_user("Cust", "cust@x.test")
    d = admin.seed_order_draft(offer["id"], cust["id"])
    assert d["status"] == "auth" and d["customer_email"] == "cust@x.test" and d["id"].startswith("odft_")
    assert d["ttl_expires_at"] == d["created_at"] + 120 * 60  # the offer's default order_ttl_minutes
    listed = w.get("/order_drafts", params={"offer": offer["id"]}).json()["data"]
    assert [x["id"] for x in listed] == [d["id"]]
    missing = w.get("/order_drafts")
    assert missing.status_code == 400 and missing.json()["errors"][0]["path"] == ["query", "offer"]
    _, other = new_workspace(api, "Other")
    assert api.as_(ws=other["id"]).get("/order_drafts", params={"offer": offer["id"]}).status_code == 404
    # walk the phases; the customer's workspace is the seller's here, so the product is installable
    admin.advance_order_draft(d["id"])
    admin.advance_order_draft(d["id"], workspace_id=ws["id"])
    d = admin.advance_order_draft(d["id"], cluster_id=s["cluster_id"])
    assert d["status"] == "compute_bootstrap" and d["cluster_ready"] is True and d["server_joined"] is False
    d = admin.advance_order_draft(d["id"])
    d = admin.advance_order_draft(d["id"], field_values={"replicas": 2})
    assert d["status"] == "payment" and d["current_checkout_session"]["id"].startswith("cs_test_")
    d = admin.advance_order_draft(d["id"], pay=True)
    assert d["payment_completed"] is True
    seller_view = w.get(f"/order_drafts/{d['id']}").json()
    assert seller_view["status"] == "done" and "field_values" not in seller_view
    assert seller_view["delivery"]["status"] == "succeeded" and seller_view["order"]["status"] == "delivered"
    assert seller_view["delivery"]["authorization_kind"] == "paid_order"
    inst = w.get(f"/installs/{seller_view['delivery']['install_id']}").json()
    assert inst["state"] == "healthy"
    customer = api.as_(cust["token"]).get(f"/order_drafts/{d['id']}")
    assert customer.status_code == 200 and customer.json()["field_values"] == {"replicas": 2}
    assert w.get(f"/offers/{offer['id']}").json()["used_count"] == 1
    assert api.as_(cust["token"]).get("/order_drafts", params={"offer": offer["id"]}).json()["data"][0]["id"] == d["id"]
    # terminate and timeouts
    d2 = admin.seed_order_draft(offer["id"], cust["id"])
    t = admin.terminate_order_draft(d2["id"], "revoked")
    assert t["status"] == "terminated" and t["termination_reason"] == "revoked"
    d3 = admin.seed_order_draft(offer["id"], cust["id"])
    admin.patch_object(d3["id"], ttl_expires_at=1)
    assert w.get(f"/order_drafts/{d3['id']}").json()["termination_reason"] == "timeout"
    done = w.get("/order_drafts", params={"offer": offer["id"], "status": "terminated"}).json()["data"]
    assert {x["id"] for x in done} == {d2["id"], d3["id"]}
    with pytest.raises(httpx.HTTPStatusError):
        admin.seed_order_draft("off_nope", cust["id"])
    # a test order skips payment and is delivered as non-billable with a TTL cleanup
    test_offer = w.post(
        "/offers", json={"product_id": s["product"]["id"], "max_uses": None, "commercial_mode": "non_billable_test"}
    ).json()
    t = admin.seed_order_draft(test_offer["id"], cust["id"])
    for step in ({}, {"workspace_id": ws["id"]}, {"cluster_id": s["cluster_id"]}, {}):
        t = admin.advance_order_draft(t["id"], **step)
    t = admin.advance_order_draft(t["id"], field_values={"replicas": 3})
    assert t["status"] == "done" and t["payment_completed"] is False
    assert t["delivery"]["authorization_kind"] == "non_billable_test_order"
    assert t["order"]["cleanup_policy"]["kind"] == "temporal_actor_ttl"
    # the cluster is allocated in the customer's workspace: one of another workspace is refused, naming it
    u = admin.seed_order_draft(test_offer["id"], cust["id"])
    for step in ({}, {"workspace_id": other["id"]}):
        u = admin.advance_order_draft(u["id"], **step)
    with pytest.raises(httpx.HTTPStatusError) as refused:
        admin.advance_order_draft(u["id"], cluster_id=s["cluster_id"])
    assert refused.value.response.json()["errors"][0]["path"] == ["body", "cluster_id"]
    assert_exercised(("installs.listRenders", "installs.getRender", "repositories.", "orderDrafts."))

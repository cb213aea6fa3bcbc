"""Machines (API.md §7.1): async lifecycle, etags, idempotency, state rules, plan limits, references."""

from __future__ import annotations

from typing import Any

import pytest

from akua_pulumi.local import App, LocalAdmin

from .conftest import Api, assert_exercised, code, new_workspace

# its last test checks what the others exercised in this process: one xdist worker runs the module
pytestmark = pytest.mark.xdist_group(__name__)


def _wait(w: Api, op: dict[str, Any], state: str = "SUCCEEDED") -> dict[str, Any]:
    done = w.post(f"/operations/{op['id']}:wait", params={"timeout": 5}).json()
    assert done["state"] == state, done
    return dict(done)


def cluster(w: Api, name: str = "c1") -> str:
    """An active managed cluster of the workspace."""
    reg = w.post("/regions", json={"name": f"eu-{name}"}).json()
    op = w.post("/clusters", json={"name": name, "region_id": reg["id"]}).json()
    return str(_wait(w, op)["response"]["cluster_id"])


def system_config(w: Api) -> str:
    body = {
        "name": "fsn",
        "provider": "hcloud",
        "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"},
        "credential_scope": {"kind": "system"},
    }
    r = w.post("/compute_configs", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def machine(w: Api, cid: str, ccf: str, itype: str = "cx23", **extra: Any) -> dict[str, Any]:
    r = w.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": itype, **extra})
    assert r.status_code == 202, r.text
    return dict(r.json())


def pro(admin: LocalAdmin, ws_id: str) -> None:
    admin.patch_object(ws_id, plan={"tier": "pro", "billed_by": "platform"})


def test_lifecycle_with_etags_and_operations(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    pro(admin, ws["id"])
    cid, ccf = cluster(w), system_config(w)
    op = machine(w, cid, ccf, name="worker-1", node_claim={"labels": {"a": "b"}})
    assert op["operation_id"] == op["id"] and op["owner_type"] == "machine"
    meta = op["metadata"]
    assert meta["type"] == "machine.create" and meta["managed"] is True and meta["instance_type"] == "cx23"
    assert len(meta["request_fingerprint"]) == 64
    done = _wait(w, op)
    mid = done["response"]["machine_id"]
    m = w.get(f"/machines/{mid}").json()
    assert m["state"] == "ACTIVE" and m["reconciling"] is False and m["node_name"]
    assert m["provider_resource"]["public_ip"] and m["name"] == "worker-1"
    assert "instance_type" not in m and "node_claim" not in m
    assert done["response"]["provider_id"] == m["provider_id"]
    # update: If-Match required, stale etag is 409/7009, null clears the name
    assert w.patch(f"/machines/{mid}", json={"name": "x"}).status_code == 400
    stale = w.patch(f"/machines/{mid}", json={"name": "x"}, headers={"If-Match": "0"})
    assert stale.status_code == 409 and code(stale) == 7009
    upd = w.patch(f"/machines/{mid}", json={"name": None}, headers={"If-Match": m["etag"]})
    assert upd.status_code == 200 and "name" not in upd.json() and upd.json()["etag"] != m["etag"]
    m = upd.json()
    # suspend / resume keep the node name, move the provider id, set and clear current_suspension
    resume_early = w.post(f"/machines/{mid}:resume", json={}, headers={"If-Match": m["etag"], "Idempotency-Key": "r0"})
    assert resume_early.status_code == 409
    sus = w.post(
        f"/machines/{mid}:suspend", json={"reason": "manual"}, headers={"If-Match": m["etag"], "Idempotency-Key": "s1"}
    )
    assert sus.status_code == 202, sus.text
    replay = w.post(
        f"/machines/{mid}:suspend", json={"reason": "manual"}, headers={"If-Match": m["etag"], "Idempotency-Key": "s1"}
    )
    assert replay.status_code == 202 and replay.json()["id"] == sus.json()["id"]  # the stored Operation
    resp = _wait(w, sus.json())["response"]
    m2 = w.get(f"/machines/{mid}").json()
    assert m2["state"] == "SUSPENDED" and m2["current_suspension"]["event_id"] == resp["suspension_id"]
    assert (
        m2["current_suspension"]["snapshot_ref"]["size_gb"] == 40
        and m2["current_suspension"]["monthly_cost_cents"] == 40
    )
    assert m2["provider_resource"]["public_ip"] is None
    res = w.post(f"/machines/{mid}:resume", json={}, headers={"If-Match": m2["etag"], "Idempotency-Key": "r1"})
    _wait(w, res.json())
    m3 = w.get(f"/machines/{mid}").json()
    assert m3["state"] == "ACTIVE" and "current_suspension" not in m3 and m3["node_name"] == m["node_name"]
    assert m3["provider_id"] != m["provider_id"]
    # list filters and pagination
    machine(w, cid, ccf, "cax11")
    page = w.get("/machines", params={"limit": 1}).json()
    assert len(page["data"]) == 1 and page["has_more"] is True
    rest = w.get("/machines", params={"cursor": page["next_cursor"]}).json()
    assert {x["id"] for x in page["data"] + rest["data"]} >= {mid}
    assert [x["id"] for x in w.get("/machines", params={"state": "SUSPENDED"}).json()["data"]] == []
    assert len(w.get("/machines", params={"cluster_id": cid}).json()["data"]) == 2
    # the cluster cannot go while it has machines; the config cannot either
    c = w.get(f"/clusters/{cid}").json()
    held = w.delete(f"/clusters/{cid}", headers={"If-Match": c["etag"]})
    assert held.status_code == 409 and mid in held.json()["errors"][0]["message"]
    cfg = w.get(f"/compute_configs/{ccf}").json()
    assert w.delete(f"/compute_configs/{ccf}", headers={"If-Match": cfg["etag"]}).status_code == 409
    assert w.get(f"/clusters/{cid}/compute_settings").json()["machines"] == 2
    # delete needs an Idempotency-Key and If-Match
    assert w.delete(f"/machines/{mid}", headers={"If-Match": m3["etag"]}).status_code == 400
    d = w.delete(f"/machines/{mid}", headers={"If-Match": m3["etag"], "Idempotency-Key": "d1"})
    assert d.status_code == 202 and d.json()["metadata"]["type"] == "machine.delete"
    _wait(w, d.json())
    assert w.get(f"/machines/{mid}").status_code == 404


def test_create_idempotency_and_references(api: Api) -> None:
    w, _ = new_workspace(api)
    cid, ccf = cluster(w), system_config(w)
    body = {"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cx23"}
    first = w.post("/machines", json=body, headers={"Idempotency-Key": "k1"})
    again = w.post("/machines", json=body, headers={"Idempotency-Key": "k1"})
    assert first.json()["id"] == again.json()["id"] and len(w.get("/machines").json()["data"]) == 1
    other = w.post("/machines", json={**body, "name": "n"}, headers={"Idempotency-Key": "k1"})
    assert other.status_code in (400, 422)
    assert w.post("/machines", json={**body, "cluster_id": "clu_nope"}).status_code == 404
    assert w.post("/machines", json={**body, "compute_config_id": "ccf_nope"}).status_code == 404
    bad = w.post("/machines", json={**body, "instance_type": ""})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == ["body", "instance_type"]
    extra = w.post("/machines", json={**body, "bogus": 1})
    assert extra.status_code == 400 and extra.json()["errors"][0]["path"] == ["body", "bogus"]
    unknown = w.post("/machines", json={**body, "instance_type": "zz99"})
    # 422 of §7.1 is rendered 400: machines.create declares no 422 (the app's rule for undeclared statuses)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["path"] == ["body", "instance_type"]


def test_plan_limits_name_the_limit(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    cid, ccf = cluster(w), system_config(w)
    big = w.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cx33"})
    assert big.status_code == 400  # §7.1's 422, rendered 400 as machines.create declares no 422
    err = big.json()["errors"][0]
    assert err["path"] == ["body", "instance_type"] and err["metadata"]["feature"] == "compute.all_instance_types"
    # cpx22 is a Free type (§7.1), but its 3 vCPU exceed Free's 2 cores: refused by the core limit, always.
    cpx = w.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cpx22"})
    assert cpx.status_code == 409 and cpx.json()["errors"][0]["metadata"]["feature"] == "compute.max_cpu_cores"
    _wait(w, machine(w, cid, ccf))
    over = w.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cx23"})
    assert over.status_code == 409 and code(over) == 7002
    assert over.json()["errors"][0]["metadata"]["feature"] == "compute.max_machines"
    assert "compute.max_machines" in over.json()["errors"][0]["message"]
    q = w.get("/quotas/compute%2Fmachines").json()
    assert q["usage"] == 1 and q["remaining"] == 0
    explained = w.post(
        "/access_decisions",
        json={"permission": "machines.create", "resource": {"workspace_id": ws["id"], "cluster_id": cid}},
    ).json()
    assert explained["decision"]["result"] == "denied"  # explain reads the same usage as the call
    assert "compute/machines" in explained["decision"]["message"]
    pro(admin, ws["id"])  # 3 machines, 8 cores, 16 GiB
    _wait(w, machine(w, cid, ccf, "cax21"))  # 2 + 4 cores, 4 + 8 GiB
    cpu = w.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cx33"})
    assert cpu.status_code == 409 and cpu.json()["errors"][0]["metadata"]["feature"] == "compute.max_cpu_cores"
    admin.patch_object(ws["id"], _entitlements={"compute.max_cpu_cores": {"type": "unlimited", "value": None}})
    mem = w.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cx43"})
    assert mem.status_code == 409 and mem.json()["errors"][0]["metadata"]["feature"] == "compute.max_memory_gib"
    # the cluster's own max_machines
    s = w.get(f"/clusters/{cid}/compute_settings").json()
    w.patch(f"/clusters/{cid}/compute_settings", json={"max_machines": 2}, headers={"If-Match": s["etag"]})
    cap = w.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cx23"})
    assert cap.status_code == 409 and "max_machines" in cap.json()["errors"][0]["message"]


def test_byom_is_not_counted_and_suspended_cluster_resumes(api: Api) -> None:
    w, _ = new_workspace(api)
    cid = cluster(w)
    secret = w.post("/secrets", json={"name": "h", "kind": "cloud_provider/hcloud", "value": "s" * 64}).json()
    byom = {
        "name": "own",
        "provider": "hcloud",
        "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"},
        "credential_scope": {"kind": "byom", "secret_id": secret["id"]},
    }
    ccf = w.post("/compute_configs", json=byom).json()["id"]
    c = w.get(f"/clusters/{cid}").json()
    _wait(w, w.post(f"/clusters/{cid}:suspend", headers={"If-Match": c["etag"]}).json())
    assert w.get(f"/clusters/{cid}").json()["state"] == "suspended"
    op = machine(w, cid, ccf, "any-type-1")
    assert op["metadata"]["managed"] is False
    _wait(w, op)
    assert w.get(f"/clusters/{cid}").json()["state"] == "active"
    assert w.get("/quotas/compute%2Fmachines").json()["usage"] == 0


def test_failed_create_removes_the_machine(api: Api, admin: LocalAdmin) -> None:
    w, _ = new_workspace(api)
    cid, ccf = cluster(w), system_config(w)
    admin.fail_next_operation("machine.create", "no capacity in fsn1")
    op = machine(w, cid, ccf)
    done = _wait(w, op, "FAILED")
    assert done["error"]["message"] == "no capacity in fsn1"
    assert w.get(f"/machines/{op['owner_id']}").status_code == 404


def test_launches_beyond_the_limit_wait_in_a_queue(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    admin.patch_object(ws["id"], plan={"tier": "enterprise", "billed_by": "platform"})  # 3 launches at once
    cid, ccf = cluster(w), system_config(w)
    admin.set_operation_delay(60)
    ops = [machine(w, cid, ccf) for _ in range(4)]
    assert [op["steps"][0]["name"] for op in ops] == ["machine.create"] * 3 + ["pending"]
    launches = w.get("/quotas", params={"cluster_id": cid}).json()["data"]
    assert next(q for q in launches if q["metric"] == "compute/machine_launches")["usage"] == 3
    admin.advance_operations()  # the first three finish; the queued one gets its slot
    assert w.get(f"/operations/{ops[3]['id']}").json()["state"] == "RUNNING"
    admin.advance_operations()
    assert w.get(f"/operations/{ops[3]['id']}").json()["state"] == "SUCCEEDED"
    assert {m["state"] for m in w.get("/machines").json()["data"]} == {"ACTIVE"}


def test_back_on_free_suspends_system_machines(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    sub = f"/workspaces/{ws['id']}/subscription"
    etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
    w.post(f"{sub}:changeTier", json={"tier": "pro"}, headers={"If-Match": etag})
    admin.advance_operations()
    cid, ccf = cluster(w), system_config(w)
    mid = _wait(w, machine(w, cid, ccf))["response"]["machine_id"]
    etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
    assert w.post(f"{sub}:changeTier", json={"tier": "free"}, headers={"If-Match": etag}).status_code == 202
    admin.advance_operations()
    m = w.get(f"/machines/{mid}").json()
    assert m["state"] == "SUSPENDED" and m["current_suspension"]["reason"] == "downgrade"
    ops = w.get("/operations", params={"owner_type": "machine", "owner_id": mid}).json()["data"]
    assert ops[0]["metadata"]["type"] == "machine.suspend" and ops[0]["state"] == "SUCCEEDED"


def test_roles_machines(api: Api, admin: LocalAdmin, app: App) -> None:
    w, ws = new_workspace(api)
    cid, ccf = cluster(w), system_config(w)
    u = admin.create_user("M", "m@x.test")
    w.post(f"/workspaces/{ws['id']}/members", json={"user_id": u["id"], "role": "member"})
    m = api.as_(u["token"], ws["id"])
    assert m.get("/machines").status_code == 200
    denied = m.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cx23"})
    assert denied.status_code == 403 and denied.json()["errors"][0]["metadata"]["required_role"] == "admin"
    assert_exercised(("machines.",))

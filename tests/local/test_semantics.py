"""Idempotency replay, etag conflicts, pagination stability, fault determinism."""

from __future__ import annotations

import httpx

from akua_pulumi.local import App, LocalAdmin

from .conftest import Api, code, new_workspace


def test_idempotency_replay_and_mismatch(api: Api, app: App, admin: LocalAdmin) -> None:
    w, _ = new_workspace(api)
    reg = w.post("/regions", json={"name": "eu"}).json()
    body = {"name": "c1", "region_id": reg["id"]}
    first = w.post("/clusters:import", json={**body, "kubeconfig": "k"}, headers={"Idempotency-Key": "k1"})
    again = w.post("/clusters:import", json={**body, "kubeconfig": "k"}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert len(w.get("/clusters").json()["data"]) == 1
    other = w.post("/clusters:import", json={**body, "kubeconfig": "x"}, headers={"Idempotency-Key": "k1"})
    assert other.status_code == 422 and code(other) == 7001
    assert other.json()["errors"][0]["message"] == "idempotency key reused with different parameters"
    # keys are scoped per operation: the same key on another operation is a fresh request
    op = w.post("/clusters", json=body, headers={"Idempotency-Key": "k1"})
    assert op.status_code == 202
    assert w.post("/clusters", json=body, headers={"Idempotency-Key": "k1"}).json()["id"] == op.json()["id"]
    # a header on an operation that does not declare it is ignored (no replay)
    r1 = w.post("/regions", json={"name": "x"}, headers={"Idempotency-Key": "k9"}).json()
    r2 = w.post("/regions", json={"name": "x"}, headers={"Idempotency-Key": "k9"}).json()
    assert r1["id"] != r2["id"]


def test_etag_bumps_on_every_mutation(api: Api) -> None:
    w, _ = new_workspace(api)
    reg = w.post("/regions", json={"name": "eu"}).json()
    c = w.post("/clusters:import", json={"name": "c", "region_id": reg["id"], "kubeconfig": "k"}).json()
    etags = [c["etag"]]
    w.post(f"/clusters/{c['id']}:suspend", headers={"If-Match": c["etag"]})
    etags.append(w.get(f"/clusters/{c['id']}").json()["etag"])
    stale = w.patch(f"/clusters/{c['id']}", json={"name": "n"}, headers={"If-Match": c["etag"]})
    assert stale.status_code == 409 and code(stale) == 7009
    assert stale.json()["errors"][0]["metadata"]["etag"] == etags[-1]
    assert len(set(etags)) == 2 and int(etags[-1]) > int(etags[0])


def test_pagination_stable_under_inserts(api: Api) -> None:
    w, _ = new_workspace(api)
    names = [f"r{i}" for i in range(7)]
    for n in names:
        w.post("/regions", json={"name": n})
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = w.get("/regions", params=params).json()
        seen += [r["name"] for r in page["data"]]
        w.post("/regions", json={"name": f"new{len(seen)}"})  # inserted between pages
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert seen == list(reversed(names))
    bad = w.get("/regions", params={"cursor": "garbage!"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == ["query", "cursor"]
    assert w.get("/regions", params={"limit": 0}).status_code == 400
    assert w.get("/regions", params={"limit": 101}).status_code == 400


def _fault_sequence(seed: int) -> list[int]:
    from akua_pulumi.local import create_app

    app = create_app(":memory:", operation_delay=0)
    app.faults.configure({"seed": seed, "error_rate": 0.3, "rate_limited_rate": 0.2})
    client = httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://t/v1",
        headers={"Authorization": f"Bearer {app.owner_token}"},
    )
    return [client.get("/workspaces").status_code for _ in range(40)]


def test_fault_injection_is_deterministic(admin: LocalAdmin, api: Api) -> None:
    a, b = _fault_sequence(7), _fault_sequence(7)
    assert a == b and {200, 429} <= set(a) and any(s >= 500 for s in a)
    assert _fault_sequence(8) != a
    admin.set_faults(error_rate=1.0, operations=["regions.list"], statuses=[503])
    w, _ = new_workspace(api)  # not in the operation filter: unaffected
    assert w.get("/regions").status_code == 503
    assert admin.counters()["by_status"]["503"] >= 1
    admin.clear_faults()
    assert w.get("/regions").status_code == 200


def test_counters(admin: LocalAdmin, api: Api) -> None:
    admin.reset_counters()
    w, _ = new_workspace(api)
    w.get("/regions")
    w.get("/clusters/clu_nope")
    c = admin.counters()
    assert c["total"] == 3 and c["writes"] == 1 and c["reads"] == 2
    assert c["by_operation"]["workspaces.create"] == 1 and c["by_status"]["404"] == 1


def test_admin_drift_and_reset(admin: LocalAdmin, api: Api, app: App) -> None:
    w, _ = new_workspace(api)
    reg = w.post("/regions", json={"name": "eu"}).json()
    admin.patch_object(reg["id"], name="renamed")
    assert w.get("/regions").json()["data"][0]["name"] == "renamed"
    admin.delete_object(reg["id"])
    assert w.get("/regions").json()["data"] == []
    token = app.owner_token
    admin.reset()
    assert app.owner_token == token
    assert api.get("/workspaces").json()["data"] == []

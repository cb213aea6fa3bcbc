"""Idempotency replay, etag conflicts, pagination stability, fault determinism."""

from __future__ import annotations

import httpx

from akua_pulumi.contract import contract
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
    assert other.status_code == 400 and code(other) == 7001  # clusters.import declares no 422
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


def input_error(operation_id: str) -> int:
    """The status of an input error: 400, or 422 where the operation declares 422 and no 400."""
    statuses = contract().operations[operation_id].statuses
    return 422 if 400 not in statuses and 422 in statuses else 400


def test_reused_key_gets_the_declared_status(api: Api) -> None:
    """422 where the operation declares it, 400 otherwise (docs/akua-local.md, "Input rules")."""
    h = {"Idempotency-Key": "reuse"}
    assert api.post("/organizations", json={"name": "Org A"}, headers=h).status_code == 201
    other = api.post("/organizations", json={"name": "Org B"}, headers=h)
    assert other.status_code == 400 and other.json()["errors"][0]["path"] == ["headers", "idempotency-key"]
    w, _ = new_workspace(api)
    src = [{"kind": "helm", "repo_url": "oci://r/x", "target_revision": "2.0.0"}]
    assert w.post("/packages", json={"name": "p1", "sources": src}, headers=h).status_code == 202
    assert w.post("/packages", json={"name": "p2", "sources": src}, headers=h).status_code == 422


def test_undeclared_methods_get_405_with_allow(app: App) -> None:
    from akua_pulumi.local import LocalServer

    with LocalServer() as srv:
        auth = {"Authorization": f"Bearer {srv.owner_token}"}
        for method in ("TRACE", "OPTIONS", "HEAD", "PUT", "BREW"):
            r = httpx.request(method, srv.api_url + "/workspaces", headers=auth)
            assert r.status_code == 405, (method, r.text)
            assert r.headers["allow"] == "GET, POST"
            if method != "HEAD":
                assert r.headers["content-type"] == "application/json" and r.json()["success"] is False
        r = httpx.request("DELETE", srv.api_url + "/workspaces/ws_x/members", headers=auth)
        assert r.status_code == 405 and set(r.headers["allow"].split(", ")) <= {"GET", "POST"}
        assert httpx.request("TRACE", srv.api_url + "/no/such/path", headers=auth).status_code == 404


def test_integers_beyond_64_bits_are_400_naming_the_field(api: Api) -> None:
    w, _ = new_workspace(api)
    for value in (2**63, -(2**63) - 1, 10**30, 1e300):
        r = w.post("/api_tokens", json={"name": "t", "expires_at": value})
        assert r.status_code == input_error("apiTokens.create"), (value, r.text)
        assert r.json()["errors"][0]["path"] == ["body", "expires_at"]
    assert w.post("/api_tokens", json={"name": "t", "expires_at": 2**63 - 1}).status_code == 201
    r = w.post("/api_tokens", content=b'{"name": "t", "expires_at": NaN}', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == ["body"]


def test_formats_are_enforced_on_requests(api: Api) -> None:
    w, _ = new_workspace(api)
    bad_uri = w.post("/regions", json={"name": "eu", "icon": "not a uri"})
    assert bad_uri.status_code == input_error("regions.create")
    assert bad_uri.json()["errors"][0]["path"] == ["body", "icon"]
    assert w.post("/regions", json={"name": "eu", "icon": "https://cdn.example.com/eu.svg"}).status_code == 201
    assert w.post("/products", json={"name": "p", "custom_image": "http://"}).status_code in (400, 422)
    org = api.post("/organizations", json={"name": "Org"}).json()
    bad = api.post(f"/organizations/{org['id']}/invitations", json={"email": "nobody", "role": "member"})
    assert bad.status_code == input_error("organizations.createInvitation")
    assert bad.json()["errors"][0]["path"] == ["body", "email"]


def test_workspace_slug_rule(api: Api) -> None:
    for slug in ("Upper-Case", "under_score", "-dash-first", "dash-last-"):
        r = api.post("/workspaces", json={"name": "Acme", "slug": slug})
        assert r.status_code == input_error("workspaces.create"), (slug, r.text)
        assert r.json()["errors"][0]["path"] == ["body", "slug"]
    _, ws = new_workspace(api)
    r = api.patch(f"/workspaces/{ws['id']}", json={"slug": "No Spaces"}, headers={"If-Match": ws["etag"]})
    assert r.status_code == input_error("workspaces.update") and r.json()["errors"][0]["path"] == ["body", "slug"]
    assert api.post("/workspaces", json={"name": "Acme", "slug": "acme-2"}).status_code == 201

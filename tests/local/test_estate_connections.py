"""Registry and Cloudflare connections, compute configs, cluster compute settings (API.md §5.6-5.9)."""

from __future__ import annotations

import pytest

from akua_pulumi.local import App, LocalAdmin

from .conftest import Api, assert_exercised, code, new_workspace

# Their last test checks what the others exercised in this process: one xdist worker runs the module.
pytestmark = pytest.mark.xdist_group(__name__)

TOKEN = "c" * 64


def test_registry_connections(api: Api) -> None:
    w, _ = new_workspace(api)
    body = {
        "name": "ghcr",
        "registry_url": "ghcr.io",
        "type": "basic",
        "credentials": {"username": "u", "password": "p"},
    }
    r = w.post("/registry_connections", json=body, headers={"Idempotency-Key": "r1"})
    assert r.status_code == 201 and r.content == b""
    again = w.post("/registry_connections", json=body, headers={"Idempotency-Key": "r1"})
    assert again.status_code == 201 and again.content == b""
    listed = w.get("/registry_connections").json()["data"]
    assert len(listed) == 1 and listed[0]["id"].startswith("rcon_") and listed[0]["is_active"] is True
    assert "credentials" not in listed[0] and "p" not in w.get("/registry_connections").text.replace('"', " ").split()
    assert w.post("/registry_connections", json=body).status_code == 409
    missing = w.post(
        "/registry_connections",
        json={"name": "t", "registry_url": "r.io", "type": "token", "credentials": {"username": "u"}},
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["path"] == ["body", "credentials", "token"]
    assert w.delete(f"/registry_connections/{listed[0]['id']}").status_code == 204
    assert w.delete(f"/registry_connections/{listed[0]['id']}").status_code == 404
    assert w.get("/registry_connections").json()["data"] == []


def test_cloudflare_connections_keep_the_token_in_a_secret(api: Api, app: App) -> None:
    w, _ = new_workspace(api)
    body = {
        "name": "cf",
        "account_id": "acc_1",
        "origin_zone_id": "zone-1",
        "origin_hostname_suffix": "origin.example.com",
        "api_token": "cf-secret-token",
    }
    r = w.post("/cloudflare_connections", json=body)
    assert r.status_code == 201 and r.content == b""
    assert w.post("/cloudflare_connections", json=body).status_code == 409
    assert w.post("/cloudflare_connections", json={**body, "name": "x", "account_id": "a b"}).status_code == 400
    conn = w.get("/cloudflare_connections").json()["data"][0]
    assert conn["id"].startswith("cfcon_") and "cf-secret-token" not in w.get("/cloudflare_connections").text
    sec = w.get("/secrets", params={"kind": "cloudflare_api"}).json()["data"][0]
    assert sec["name"] == f"cloudflare/{conn['id']}" and sec["labels"] == {"akua.dev/cloudflare-connection": conn["id"]}
    blocked = w.delete(f"/secrets/{sec['id']}", headers={"If-Match": sec["etag"]})
    assert blocked.status_code == 409 and conn["id"] in blocked.json()["errors"][0]["message"]
    assert w.delete(f"/cloudflare_connections/{conn['id']}").status_code == 204
    assert w.get(f"/secrets/{sec['id']}").status_code == 404
    with app.store.tx() as tx:
        assert tx.q("SELECT COUNT(*) FROM objects WHERE kind LIKE 'secret%' OR kind LIKE 'cloudflare%'")[0][0] == 0


def test_compute_configs(api: Api) -> None:
    w, _ = new_workspace(api)
    sec = w.post("/secrets", json={"name": "h", "kind": "cloud_provider/hcloud", "value": TOKEN}).json()
    body = {
        "name": "fsn",
        "provider": "hcloud",
        "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"},
        "credential_scope": {"kind": "byom", "secret_id": sec["id"]},
    }
    bad = w.post("/compute_configs", json={**body, "credential_scope": {"kind": "byom", "secret_id": "sec_nope"}})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == ["body", "credential_scope", "secret_id"]
    c = w.post("/compute_configs", json=body, headers={"Idempotency-Key": "c1"})
    assert c.status_code == 201 and c.json()["id"].startswith("ccf_")
    c = c.json()
    assert w.post("/compute_configs", json=body, headers={"Idempotency-Key": "c1"}).json()["id"] == c["id"]
    assert len(w.get("/compute_configs", params={"view": "full"}).json()["data"]) == 1
    assert w.get(f"/compute_configs/{c['id']}").json() == c
    blocked = w.delete(f"/secrets/{sec['id']}", headers={"If-Match": sec["etag"]})
    assert blocked.status_code == 409
    u = w.patch(
        f"/compute_configs/{c['id']}",
        json={"provider_config": {"machine_type_filter": "cx"}, "credential_scope": {"kind": "system"}},
        headers={"If-Match": c["etag"]},
    )
    assert u.status_code == 200
    assert u.json()["provider_config"] == {"region": "fsn1", "image": "ubuntu-24.04", "machine_type_filter": "cx"}
    assert u.json()["credential_scope"] == {"kind": "system"} and u.json()["etag"] == "2"
    assert w.patch(f"/compute_configs/{c['id']}", json={"name": "x"}, headers={"If-Match": "1"}).status_code == 409
    d = w.delete(f"/compute_configs/{c['id']}", headers={"If-Match": "2"})
    assert d.status_code == 200 and d.json()["id"] == c["id"]
    assert w.get(f"/compute_configs/{c['id']}").status_code == 404
    assert w.delete(f"/secrets/{sec['id']}", headers={"If-Match": sec["etag"]}).status_code == 204


def test_cluster_compute_settings(api: Api, admin: LocalAdmin) -> None:
    w, _ = new_workspace(api)
    reg = w.post("/regions", json={"name": "eu"}).json()
    clu = w.post("/clusters:import", json={"name": "c", "region_id": reg["id"], "kubeconfig": "k"}).json()
    path = f"/clusters/{clu['id']}/compute_settings"
    s = w.get(path).json()
    assert s["auto_scaling"] == "active" and s["machines"] == 0 and s["max_machines"] == 1 and s["etag"] == "1"
    assert w.patch(path, json={}, headers={"If-Match": "1"}).status_code == 400
    over = w.patch(path, json={"max_machines": 2}, headers={"If-Match": "1"})
    assert over.status_code == 422 and over.json()["errors"][0]["path"] == ["body", "max_machines"]
    u = w.patch(path, json={"auto_scaling_enabled": False, "max_machines": 0}, headers={"If-Match": "1"})
    assert u.status_code == 200 and u.json()["auto_scaling"] == "paused" and u.json()["etag"] == "2"
    assert w.get(f"/clusters/{clu['id']}").json()["etag"] == clu["etag"]  # the cluster's etag does not move
    stale = w.patch(path, json={"max_machines": 1}, headers={"If-Match": "1"})
    assert stale.status_code == 409 and code(stale) == 7009
    assert w.get("/clusters/clu_nope/compute_settings").status_code == 404
    admin.set_faults(statuses=[429, 503], error_rate=1.0, operations=["clusters.updateComputeSettings"], seed=1)
    assert w.patch(path, json={"max_machines": 1}, headers={"If-Match": "2"}).status_code in (429, 503)
    admin.clear_faults()


def test_every_connection_and_compute_operation_was_exercised() -> None:
    """Runs last in this module."""
    assert_exercised(
        ("registry.", "cloudflare.", "computeConfigs.", "clusters.getComputeSettings", "clusters.updateComputeSettings")
    )

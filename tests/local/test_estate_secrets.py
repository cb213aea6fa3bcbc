"""Secrets and versions (API.md §5.1) against akua-local; every response is checked against openapi.json."""

from __future__ import annotations

import pytest

from akua_pulumi.local import App, LocalAdmin

from .conftest import Api, assert_exercised, code, new_workspace

# Their last test checks what the others exercised in this process: one xdist worker runs the module.
pytestmark = pytest.mark.xdist_group(__name__)

TOKEN = "a" * 64


def _secret(w: Api, name: str = "hcloud", **extra: object) -> dict:
    r = w.post("/secrets", json={"name": name, "kind": "cloud_provider/hcloud", "value": TOKEN, **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_create_read_update_never_returns_the_value(api: Api) -> None:
    w, _ = new_workspace(api)
    s = _secret(w, labels={"team": "a"}, description="prod token")
    assert s["id"].startswith("sec_") and s["state"] == "active" and s["version_count"] == 1
    assert s["enabled_version_count"] == 1 and s["validation"]["state"] == "unspecified"
    assert TOKEN not in w.get(f"/secrets/{s['id']}").text and TOKEN not in w.get("/secrets").text
    assert w.post("/secrets", json={"name": "hcloud", "kind": "generic", "value": "x"}).status_code == 409
    short = w.post("/secrets", json={"name": "hook", "kind": "webhook_signing", "value": "short"})
    assert short.status_code == 400 and short.json()["errors"][0]["path"][0] == "body"
    legacy = w.post("/secrets", json={"name": "old", "kind": "cloud_credential", "value": "x"})
    assert legacy.status_code == 400
    oci = w.post("/secrets", json={"name": "reg", "kind": "oci_registry", "value": "pw", "username": "bob"})
    assert oci.status_code == 201 and "username" not in oci.json()
    assert [x["name"] for x in w.get("/secrets", params={"kind": "oci_registry"}).json()["data"]] == ["reg"]
    r = w.patch(f"/secrets/{s['id']}", json={"description": "x"}, headers={"If-Match": "9"})
    assert r.status_code == 409 and code(r) == 7009
    bad = w.patch(f"/secrets/{s['id']}", json={"version_aliases": {"current": 2}}, headers={"If-Match": s["etag"]})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == ["body", "version_aliases", "current"]
    r = w.patch(
        f"/secrets/{s['id']}",
        json={"version_aliases": {"current": 1}, "mime_type": "text/plain"},
        headers={"If-Match": s["etag"]},
    )
    assert r.status_code == 200 and r.json()["version_aliases"] == {"current": 1} and r.json()["etag"] == "2"
    assert w.get("/secrets/sec_nope").status_code == 404
    _, other = new_workspace(api, "Other")
    assert api.as_(ws=other["id"]).get(f"/secrets/{s['id']}").status_code == 404


def test_versions_rotate_access_latest_alias(api: Api) -> None:
    w, _ = new_workspace(api)
    s = _secret(w)
    v1 = w.get(f"/secrets/{s['id']}/versions").json()["data"][0]
    assert v1["version_number"] == 1 and v1["state"] == "enabled"
    v2 = w.post(f"/secrets/{s['id']}/versions", json={"value": "b" * 64, "comment": "rotate"})
    assert v2.status_code == 201 and v2.json()["version_number"] == 2 and v2.json()["comment"] == "rotate"
    v2 = v2.json()
    assert w.get(f"/secrets/{s['id']}").json()["version_count"] == 2
    base = f"/secrets/{s['id']}/versions"
    assert w.post(f"{base}/latest:access").json() == {"value": "b" * 64}
    assert w.post(f"{base}/{v1['id']}:access").json() == {"value": TOKEN}
    etag = w.get(f"/secrets/{s['id']}").json()["etag"]
    w.patch(f"/secrets/{s['id']}", json={"version_aliases": {"current": 1}}, headers={"If-Match": etag})
    assert w.post(f"{base}/current:access").json() == {"value": TOKEN}
    assert w.post(f"{base}/nope:access").status_code == 404
    d = w.post(f"{base}/{v1['id']}:disable", headers={"If-Match": v1["etag"]})
    assert d.status_code == 200 and d.json()["state"] == "disabled"
    again = w.post(f"{base}/{v1['id']}:disable", headers={"If-Match": v1["etag"]})
    assert again.status_code == 200 and again.json() == d.json()  # a repeated action is a no-op
    assert w.post(f"{base}/{v1['id']}:access").status_code == 409
    assert w.get(f"/secrets/{s['id']}").json()["enabled_version_count"] == 1
    assert [v["id"] for v in w.get(base, params={"state": "disabled"}).json()["data"]] == [v1["id"]]
    e = w.post(f"{base}/{v1['id']}:enable", headers={"If-Match": d.json()["etag"]})
    assert e.status_code == 200 and e.json()["state"] == "enabled"
    x = w.post(f"{base}/{v1['id']}:destroy", headers={"If-Match": e.json()["etag"]})
    assert x.status_code == 200 and x.json()["state"] == "destroyed" and "destroyed_at" in x.json()
    assert w.post(f"{base}/{v1['id']}:access").status_code == 410
    assert w.post(f"{base}/{v1['id']}:enable", headers={"If-Match": x.json()["etag"]}).status_code == 409
    assert w.post(f"{base}/{v1['id']}:disable", headers={"If-Match": x.json()["etag"]}).status_code == 409
    assert w.post(f"{base}/{v1['id']}:destroy", headers={"If-Match": "0"}).status_code == 200
    assert w.get(f"{base}/{v2['id']}").json()["state"] == "enabled"
    assert w.get(f"{base}/secv_nope").status_code == 404
    assert w.post(f"{base}/{v2['id']}:disable", headers={"If-Match": "7"}).status_code == 409


def test_soft_delete_undelete_force_and_purge(api: Api, app: App, admin: LocalAdmin) -> None:
    w, _ = new_workspace(api)
    s = _secret(w)
    assert w.delete(f"/secrets/{s['id']}").status_code in (400, 422)  # If-Match is required
    assert w.delete(f"/secrets/{s['id']}", headers={"If-Match": s["etag"]}).status_code == 204
    got = w.get(f"/secrets/{s['id']}").json()
    assert got["state"] == "soft_deleted" and got["purge_at"] == got["deleted_at"] + 30 * 24 * 3600
    assert w.post(f"/secrets/{s['id']}/versions/latest:access").status_code == 404
    assert w.post("/secrets", json={"name": "hcloud", "kind": "generic", "value": "x"}).status_code == 409
    u = w.post(f"/secrets/{s['id']}:undelete", headers={"If-Match": got["etag"]})
    assert u.status_code == 200 and u.json()["state"] == "active" and "purge_at" not in u.json()
    assert w.post(f"/secrets/{s['id']}/versions/latest:access").json() == {"value": TOKEN}
    assert w.post(f"/secrets/{s['id']}:undelete", headers={"If-Match": u.json()["etag"]}).status_code == 409
    forced = w.delete(f"/secrets/{s['id']}", params={"force": "true"}, headers={"If-Match": u.json()["etag"]})
    assert forced.status_code == 204
    assert w.get(f"/secrets/{s['id']}").status_code == 404
    assert w.post(f"/secrets/{s['id']}:undelete", headers={"If-Match": "1"}).status_code == 404
    # retention 0: a soft delete is purged at the next touch
    assert admin.set_config(secret_retention_seconds=0)["secret_retention_seconds"] == 0
    t = _secret(w, "t2")
    assert w.delete(f"/secrets/{t['id']}", headers={"If-Match": t["etag"]}).status_code == 204
    assert w.get(f"/secrets/{t['id']}").status_code == 404 and w.get("/secrets").json()["data"] == []
    with app.store.tx() as tx:
        assert tx.q("SELECT COUNT(*) FROM objects WHERE kind LIKE 'secret%'")[0][0] == 0


def test_validate_token_and_idempotent_create(api: Api) -> None:
    w, _ = new_workspace(api)
    assert w.post("/secrets/validate_token", json={"provider": "hcloud", "value": TOKEN}).json() == {"valid": True}
    bad = w.post("/secrets/validate_token", json={"provider": "hcloud", "value": "short"}).json()
    assert bad["valid"] is False and bad["error"]
    body = {"name": "k", "kind": "generic", "value": "v"}
    a = w.post("/secrets", json=body, headers={"Idempotency-Key": "k1"})
    b = w.post("/secrets", json=body, headers={"Idempotency-Key": "k1"})
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    assert len(w.get("/secrets").json()["data"]) == 1


def test_no_plaintext_at_rest_outside_the_version_row(api: Api, app: App) -> None:
    """Idempotency records keep a hash of the request, never the secret value or a credential."""
    w, _ = new_workspace(api)
    value = "plaintext-" + "z" * 40
    w.post("/secrets", json={"name": "k", "kind": "generic", "value": value}, headers={"Idempotency-Key": "a"})
    w.post(
        "/registry_connections",
        json={"name": "r", "registry_url": "ghcr.io", "type": "token", "credentials": {"token": value}},
        headers={"Idempotency-Key": "b"},
    )
    with app.store.tx() as tx:
        rows = tx.q("SELECT fingerprint, body FROM idempotency")
        assert rows and not any(value in (f or "") or value in (b or "") for f, b in rows)
        holders = {r[0] for r in tx.q("SELECT kind FROM objects WHERE data LIKE ?", f"%{value}%")}
    assert holders == {"secret_version", "registry_connection"}


def test_every_secrets_operation_was_exercised() -> None:
    """Runs last in this module."""
    assert_exercised(("secrets.",))

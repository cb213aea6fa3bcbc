"""Offers (API.md §5.5): create returns only {id, short_hash}, archive/unarchive, anonymous resolve."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from akua_pulumi.local import LocalAdmin

from .conftest import Api, assert_exercised, check_response, code
from .test_conformance import _stack

# Their last test checks what the others exercised in this process: one xdist worker runs the module.
pytestmark = pytest.mark.xdist_group(__name__)


def _offer(prod: dict[str, Any]) -> dict[str, Any]:
    """An offer of ``prod`` for buyer@example.com: a locked field value, a customer name, an internal note."""
    return {
        "product_id": prod["id"],
        "allowed_emails": ["buyer@example.com"],
        "field_values": {"replicas": {"value": 3, "locked": True}},
        "customer": {"display_name": "Buyer"},
        "internal_note": "vip",
    }


def test_offer_lifecycle(api: Api, admin: LocalAdmin) -> None:
    s = _stack(api, admin)
    w, prod = s["w"], s["product"]
    body = {**_offer(prod), "pricing_request": {"currency": "eur", "unit_amount": 1000, "interval": "month"}}
    r = w.post("/offers", json=body, headers={"Idempotency-Key": "o1"})
    assert r.status_code == 201 and set(r.json()) == {"id", "short_hash"} and len(r.json()["short_hash"]) == 8
    created = r.json()
    assert w.post("/offers", json=body, headers={"Idempotency-Key": "o1"}).json() == created
    changed = w.post("/offers", json={**body, "internal_note": "x"}, headers={"Idempotency-Key": "o1"})
    assert changed.status_code == 409  # same key, changed intent
    o = w.get(f"/offers/{created['id']}").json()
    assert o["status"] == "active" and o["package_version_id"] == prod["package"]["default_version_id"]
    assert o["max_uses"] == 1 and o["order_ttl_minutes"] == 120 and o["approval_state"] == "not_required"
    assert "pricing_request" not in o and o["etag"] == "1"
    bad = w.post(
        "/offers", json={"product_id": prod["id"], "field_values": {"replicas": {"value": "x", "locked": False}}}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == ["body", "field_values", "replicas"]
    chan = w.post("/offers", json={"product_id": prod["id"], "offer_channel_id": "och_1"})
    assert chan.status_code == 422
    pinned = w.post("/offers", json={"package_version_id": s["v2"]["id"], "max_uses": None, "tier": "gold"})
    assert pinned.status_code == 201
    p = w.get(f"/offers/{pinned.json()['id']}").json()
    assert p["package_version_id"] == s["v2"]["id"] and "max_uses" not in p and "product_id" not in p
    assert [x["id"] for x in w.get("/offers", params={"product_id": prod["id"]}).json()["data"]] == [o["id"]]
    assert len(w.get("/offers").json()["data"]) == 2
    assert w.get("/offers/offer_nope").status_code == 404
    # archive / unarchive: idempotent, etag-checked when they change something
    assert w.post(f"/offers/{o['id']}:archive", headers={"If-Match": "9"}).status_code == 409
    a = w.post(f"/offers/{o['id']}:archive", headers={"If-Match": o["etag"]})
    assert a.status_code == 200 and a.json()["status"] == "archived" and "archived_at" in a.json()
    assert w.post(f"/offers/{o['id']}:archive", headers={"If-Match": o["etag"]}).json()["status"] == "archived"
    u = w.post(f"/offers/{o['id']}:unarchive", headers={"If-Match": a.json()["etag"]})
    assert u.status_code == 200 and u.json()["status"] == "active"
    # cascade from the product
    etag = w.get(f"/products/{prod['id']}").json()["etag"]
    assert (
        w.post(f"/products/{prod['id']}:archive", json={"cascade_offers": True}, headers={"If-Match": etag}).status_code
        == 200
    )
    assert w.get(f"/offers/{o['id']}").json()["status"] == "archived"


def test_resolve_anonymous_signed_in_and_allowlist(api: Api, admin: LocalAdmin) -> None:
    s = _stack(api, admin)
    w, prod = s["w"], s["product"]
    body = _offer(prod)
    created = w.post("/offers", json=body).json()
    anon = httpx.Client(
        transport=httpx.WSGITransport(app=w.app),
        base_url="http://akua.test/v1",
        event_hooks={"response": [check_response]},
    )
    r = anon.get("/offers:resolve", params={"short_hash": created["short_hash"]})
    assert r.status_code == 200 and r.json()["id"] == created["id"] and r.json()["status"] == "active"
    for never in ("allowed_emails", "internal_note", "customer", "workspace_id", "created_by", "field_values"):
        assert never not in r.json()
    assert anon.get("/offers:resolve", params={"short_hash": "nope0000"}).status_code == 404
    buyer = admin.create_user("Buyer", "buyer@example.com")
    ok = api.as_(buyer["token"]).get("/offers:resolve", params={"short_hash": created["short_hash"]})
    assert ok.status_code == 200 and ok.json()["field_values"] == body["field_values"]
    assert "internal_note" not in ok.json() and "allowed_emails" not in ok.json()
    eve = admin.create_user("Eve", "eve@example.com")
    denied = api.as_(eve["token"]).get("/offers:resolve", params={"short_hash": created["short_hash"]})
    assert denied.status_code == 403 and code(denied) == 7005
    # not a member: 404, ids of other workspaces are not revealed (API.md §6.1)
    assert api.as_(eve["token"]).get(f"/offers/{created['id']}").status_code == 404


def test_every_offers_operation_was_exercised() -> None:
    """Runs last in this module."""
    assert_exercised(("offers.",))

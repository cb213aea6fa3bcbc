"""Order drafts: the orders customers place on an offer (API.md §7.8), read-only for the seller.

Only a customer creates a draft for real, so akua-local seeds them through ``/_local/order_drafts``
(:data:`CONTROL`, registered by :mod:`akua_pulumi.local.control`) and moves them through the wizard's phases
with ``:advance`` and ``:terminate``. Timeouts, an expired offer and the end of the install are applied
whenever a draft is read or advanced (:func:`refresh`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...contract import is_email
from ..db import Obj, Store, Tx
from ..errors import Forbidden, LocalConflict, LocalNotFound, Unprocessable, ValidationFailed
from ..util import new_id, now
from . import Principal, Req, Runtime, bump, closed_body, public, route
from .authz import effective_role
from .offers import status_of

TERMINAL = ("done", "terminated")
REASONS = ("timeout", "revoked", "offer_expired", "install_failed", "cluster_allocation_failed", "quota_exceeded")


def _render(d: Obj, full: bool) -> Obj:
    out = {k: v for k, v in public(d).items() if v is not None}
    if not full:
        out.pop("field_values", None)
    return out


def _cleanup(paid: bool, ts: int) -> Obj:
    if paid:
        return {"kind": "none"}
    return {
        "kind": "temporal_actor_ttl",
        "cleanup_at": ts + 7 * 86400,
        "removable_by": "platform_policy",
        "conversion_required": "paid_order",
    }


def _terminate(tx: Tx, d: Obj, reason: str) -> None:
    d.update(status="terminated", termination_reason=reason, current_checkout_session=None)
    tx.save(bump(d))


def refresh(tx: Tx, d: Obj) -> Obj:
    """Apply what time and the install decided since the draft was last touched."""
    if d["status"] in TERMINAL:
        return d
    offer = tx.get("offer", d["offer_id"])
    if now() >= d["ttl_expires_at"]:
        _terminate(tx, d, "timeout")
    elif offer is None or status_of(offer) == "expired":
        _terminate(tx, d, "offer_expired")
    elif d["status"] == "install" and d.get("install_operation_id"):
        op = tx.get("operation", d["install_operation_id"])
        if op is not None and op["done"]:
            ts = now()
            if op["state"] == "SUCCEEDED":
                inst = tx.get("install", op["owner_id"]) or {}
                d["delivery"].update(status="succeeded", urls=inst.get("urls", []), completed_at=ts)
                d["order"]["status"] = "delivered"
                d["status"] = "done"
                if offer is not None:
                    offer["used_count"] = offer.get("used_count", 0) + 1
                    tx.save(bump(offer))
                tx.save(bump(d))
            else:
                d["delivery"].update(status="failed", completed_at=ts)
                d["order"]["status"] = "delivery_failed"
                _terminate(tx, d, "install_failed")
    return d


# -- the public reads ---------------------------------------------------------------------------------


@route("orderDrafts.list", scope="ctx?")
def list_drafts(r: Req) -> tuple[int, Any]:
    offer_id, status = r.query.get("offer"), r.query.get("status")
    if offer_id is None:
        raise ValidationFailed("offer is required", path=["query", "offer"])
    offer = r.tx.get("offer", offer_id)
    if r.workspace_id is not None:
        if offer is None or offer["workspace_id"] != r.workspace_id:
            raise LocalNotFound(f"offer {offer_id} not found")
        where: Callable[[Obj], bool] = lambda d: True  # noqa: E731
        full = False
    else:  # no workspace: the caller's own drafts
        who = r.principal.acting_user
        where = lambda d: d.get("user_id") == who  # noqa: E731
        full = True
    for d in r.tx.find("order_draft", parent_id=offer_id):
        refresh(r.tx, d)

    def keep(d: Obj) -> bool:
        return where(d) and (status is None or d["status"] == status)

    return r.page("order_draft", parent_id=offer_id, keep=keep, render=lambda d: _render(d, full))


@route("orderDrafts.get", scope="ctx?")
def get_draft(r: Req) -> tuple[int, Any]:
    d = r.tx.get("order_draft", r.path["id"])
    if d is None:
        raise LocalNotFound(f"order draft {r.path['id']} not found")
    seller_ws = d["_seller_workspace_id"]
    customer = d.get("user_id") is not None and d.get("user_id") == r.principal.acting_user
    if r.workspace_id is not None and r.workspace_id != seller_ws and not customer:
        raise LocalNotFound(f"order draft {d['id']} not found")
    member = effective_role(r.tx, r.principal, seller_ws).role != "none"
    if not (customer or member):
        raise LocalNotFound(f"order draft {d['id']} not found")
    return 200, _render(refresh(r.tx, d), customer)


# -- the control plane ----------------------------------------------------------------------------------


def _string(b: Obj, key: str, required: bool = True) -> str | None:
    v = b.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str) or not v or len(v) > 256:
        raise ValidationFailed(f"{key}: a string of 1-256 characters is required", path=["body", key])
    return v


def seed(store: Store, rt: Runtime, p: dict[str, str], b: Any) -> tuple[int, Any]:
    """``POST /_local/order_drafts {offer_id, customer_user_id, customer_email?}``: a draft in ``auth``."""
    b = closed_body(b, {"offer_id", "customer_user_id", "customer_email"})
    offer_id, uid = _string(b, "offer_id"), _string(b, "customer_user_id")
    email = _string(b, "customer_email", required=False)
    if email is not None and not is_email(email):
        raise ValidationFailed(f"customer_email: {email!r} is not an email address", path=["body", "customer_email"])
    with store.tx() as tx:
        offer = tx.get("offer", str(offer_id))
        if offer is None:
            raise Unprocessable(f"offer {offer_id} not found", path=["body", "offer_id"])
        if status_of(offer) != "active":
            raise Unprocessable(f"offer {offer_id} is {status_of(offer)}, not redeemable", path=["body", "offer_id"])
        user = tx.get("user", str(uid))
        if user is None:
            raise Unprocessable(f"user {uid} not found", path=["body", "customer_user_id"])
        email = email or user["email"]
        allowed = {e.lower() for e in offer.get("allowed_emails") or []}
        if allowed and str(email).lower() not in allowed:
            raise Forbidden(f"{email} is not on offer {offer_id}'s allowlist")
        ts = now()
        d: Obj = {
            "id": new_id("odft"),
            "offer_id": offer["id"],
            "status": "auth",
            "user_id": uid,
            "customer_email": email,
            "cluster_ready": False,
            "server_joined": False,
            "payment_completed": False,
            "created_at": ts,
            "updated_at": ts,
            "etag": "1",
            "ttl_expires_at": ts + int(offer.get("order_ttl_minutes") or 120) * 60,
            "_seller_workspace_id": offer["workspace_id"],
        }
        tx.insert("order_draft", d, workspace_id=offer["workspace_id"], parent_id=offer["id"])
    return 201, _render(d, True)


def _draft(tx: Tx, did: str) -> Obj:
    d = tx.get("order_draft", did)
    if d is None:
        raise LocalNotFound(f"order draft {did} not found")
    return refresh(tx, d)


def _start_install(tx: Tx, rt: Runtime, d: Obj, offer: Obj) -> None:
    from .installs import create_install

    cluster = tx.must("cluster", str(d.get("cluster_id")), what="cluster")
    version = tx.must("package_version", offer["package_version_id"], what="package version")
    source: Obj = (
        {"product_id": offer["product_id"]}
        if offer.get("product_id")
        else {
            "package_id": offer["package_id"],
            "package_version_pin": {"kind": "pinned", "version": version["semver"]},
        }
    )
    body: Obj = {
        **source,
        "region_id": cluster["_region_id"],
        "cluster_id": cluster["id"],
        "initial_values": d.get("field_values") or {},
    }
    r = Req(
        "installs.create", tx, rt, Principal(user_id=d["user_id"]), {}, {}, {}, body, workspace_id=d["workspace_id"]
    )
    _, op = create_install(r)
    paid = offer.get("commercial_mode") == "paid"
    ts = now()
    d["install_operation_id"] = op["id"]
    d["order"] = {
        "id": new_id("ord"),
        "status": "delivery_running",
        "stripe_environment": "sandbox",
        "stripe_checkout_id": (d.get("_checkout") or f"cs_test_{new_id('x')[2:]}"),
        "draft_revision": int(d["etag"]),
        "cleanup_policy": _cleanup(paid, ts),
        "committed_at": ts,
    }
    d["delivery"] = {
        "id": new_id("odlv"),
        "kind": "install",
        "authorization_kind": "paid_order" if paid else "non_billable_test_order",
        "status": "running",
        "cleanup_policy": _cleanup(paid, ts),
        "urls": [],
        "install_id": op["owner_id"],
        "install_operation_id": op["id"],
        "started_at": ts,
    }


def advance(store: Store, rt: Runtime, p: dict[str, str], b: Any) -> tuple[int, Any]:
    """``POST /_local/order_drafts/{id}:advance {workspace_id?, cluster_id?, field_values?, pay?}``: one phase on."""
    b = closed_body(b, {"workspace_id", "cluster_id", "field_values", "pay"})
    with store.tx() as tx:
        d = _draft(tx, p["id"])
        offer = tx.must("offer", d["offer_id"], what="offer")
        status = d["status"]
        if status in TERMINAL or status == "cleaning_up":
            raise LocalConflict(f"order draft {d['id']} is {status}")
        if status == "auth":
            d["status"] = "workspace"
        elif status == "workspace":
            ws = _string(b, "workspace_id")
            if tx.get("workspace", str(ws)) is None:
                raise Unprocessable(f"workspace {ws} not found", path=["body", "workspace_id"])
            d.update(workspace_id=ws, status="compute")
        elif status == "compute":
            cid = _string(b, "cluster_id")
            c = tx.get("cluster", str(cid))
            if c is None or c["workspace_id"] != d["workspace_id"]:
                raise Unprocessable(
                    f"cluster {cid} not found in workspace {d['workspace_id']}", path=["body", "cluster_id"]
                )
            bootstrap = c.get("provider") == "managed_kaas" and not tx.find("machine", parent_id=c["id"])
            d.update(cluster_id=cid, cluster_ready=True, status="compute_bootstrap" if bootstrap else "configure")
            d["server_joined"] = not bootstrap
        elif status == "compute_bootstrap":
            d.update(server_joined=True, status="configure")
        elif status == "configure":
            values = b.get("field_values", {})
            if not isinstance(values, dict):
                raise ValidationFailed("field_values: a JSON object is required", path=["body", "field_values"])
            prefilled = {k: v.get("value") for k, v in (offer.get("field_values") or {}).items() if isinstance(v, dict)}
            locked = {
                k for k, v in (offer.get("field_values") or {}).items() if isinstance(v, dict) and v.get("locked")
            }
            for key in sorted(locked & set(values)):
                raise Unprocessable(f"{key} is locked by the offer", path=["body", "field_values", key])
            d["field_values"] = {**prefilled, **values}
            if offer.get("commercial_mode") == "paid":
                d["status"] = "payment"
                d["_checkout"] = f"cs_test_{new_id('x')[2:]}"
                d["current_checkout_session"] = {
                    "stripe_environment": "sandbox",
                    "id": d["_checkout"],
                    "draft_revision": int(d["etag"]),
                    "url": f"https://checkout.stripe.test/{d['_checkout']}",
                }
            else:
                d["status"] = "install"
                _start_install(tx, rt, d, offer)
        elif status == "payment":
            if b.get("pay") is not True:
                raise Unprocessable("the payment phase needs pay: true", path=["body", "pay"])
            d.update(payment_completed=True, current_checkout_session=None, status="install")
            _start_install(tx, rt, d, offer)
        elif status == "install":
            raise LocalConflict(f"order draft {d['id']} is installing; it moves on when the install finishes")
        tx.save(bump(d))
        refresh(tx, d)
    return 200, _render(d, True)


def terminate(store: Store, rt: Runtime, p: dict[str, str], b: Any) -> tuple[int, Any]:
    """``POST /_local/order_drafts/{id}:terminate {reason}``: through ``cleaning_up`` to ``terminated``."""
    b = closed_body(b, {"reason"})
    reason = _string(b, "reason")
    if reason not in REASONS:
        raise ValidationFailed(f"reason: one of {', '.join(REASONS)}", path=["body", "reason"])
    with store.tx() as tx:
        d = _draft(tx, p["id"])
        if d["status"] in TERMINAL:
            raise LocalConflict(f"order draft {d['id']} is {d['status']}")
        d["status"] = "cleaning_up"
        _terminate(tx, d, str(reason))
    return 200, _render(d, True)


ControlFn = Callable[[Store, Runtime, dict[str, str], Any], tuple[int, Any]]
#: (method, path pattern under /_local, handler) for :mod:`akua_pulumi.local.control`.
CONTROL: tuple[tuple[str, str, ControlFn], ...] = (
    ("POST", "/order_drafts", seed),
    ("POST", r"/order_drafts/(?P<id>[^/:]+):advance", advance),
    ("POST", r"/order_drafts/(?P<id>[^/:]+):terminate", terminate),
)

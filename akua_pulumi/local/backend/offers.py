"""Offers (API.md §5.5): immutable after create, archive/unarchive, anonymous ``offers:resolve``.

Create answers only ``{id, short_hash}``; an Idempotency-Key replayed with another body gets 409 (the
route's ``reuse_status``). ``status`` is computed on every read. Channel-backed offers get 422: the
emulator has no offer channels.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from ..db import Obj, Tx
from ..errors import Forbidden, LocalNotFound, Unprocessable
from ..util import new_id, now
from . import Req, bump, check_etag, get_route, matching, public, route
from .packages import resolve_pin

_BASE62 = string.ascii_letters + string.digits
#: Fields a reduced (``offers:resolve``) view shows anonymous callers.
_LANDING = ("id", "short_hash", "product_id", "package_id", "package_version_id", "status", "tier", "created_at")
_LANDING_EXTRA = ("product_name", "image_url", "seller_name")
#: Added for signed-in callers who pass the allowlist.
_PREFILL = ("field_values", "input_schema", "expires_at", "order_ttl_minutes", "commercial_mode")


def status_of(o: Obj) -> str:
    if o.get("archived_at") is not None:
        return "archived"
    if o.get("expires_at") is not None and o["expires_at"] <= now():
        return "expired"
    if o.get("max_uses") is not None and o["used_count"] >= o["max_uses"]:
        return "redeemed"
    return "active"


def _sensitive(schema: Obj) -> set[str]:
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    return {
        k
        for k, v in props.items()
        if isinstance(v, dict) and (v.get("writeOnly") or v.get("format") == "password" or v.get("x-sensitive"))
    }


def render(o: Obj) -> Obj:
    out = public(o)
    out["status"] = status_of(o)
    hidden = _sensitive(o.get("input_schema") or {})
    if hidden and "field_values" in out:
        out["field_values"] = {
            k: ({"value": None, "locked": v["locked"], "redacted": True} if k in hidden else v)
            for k, v in out["field_values"].items()
        }
    return out


def _short_hash(tx: Tx) -> str:
    while True:
        h = "".join(secrets.choice(_BASE62) for _ in range(8))
        if not tx.find("offer", natural_key=h, scope=""):
            return h


def _validate_field_values(version: Obj, values: Obj) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    schema = version.get("input_schema") or {}
    plain = {k: v["value"] for k, v in values.items()}
    try:
        errors = list(Draft202012Validator(schema).iter_errors(plain))
    except SchemaError:
        return
    # a pre-fill is partial: only errors about the given keys count (missing required inputs do not)
    errors = [e for e in errors if e.validator != "required"]
    if errors:
        e = errors[0]
        path = [str(p) for p in e.absolute_path]
        raise Unprocessable(f"field_values: {e.message}", path=["body", "field_values", *path])


@route("offers.create", reuse_status=409)
def create_offer(r: Req) -> tuple[int, Any]:
    b, tx = r.body, r.tx
    if "offer_channel_id" in b:
        raise Unprocessable(f"offer channel {b['offer_channel_id']} not found", path=["body", "offer_channel_id"])
    product = None
    if "product_id" in b:
        product = tx.get("product", b["product_id"])
        if product is None or product["workspace_id"] != r.ws:
            raise Unprocessable(f"unknown product {b['product_id']}", path=["body", "product_id"])
        if product["state"] != "active":
            raise Unprocessable(f"product {b['product_id']} is archived", path=["body", "product_id"])
    if "package_version_id" in b:
        version = tx.get("package_version", b["package_version_id"])
        if version is None or version.get("package_id") is None:
            raise Unprocessable(
                f"unknown package version {b['package_version_id']}", path=["body", "package_version_id"]
            )
        pkg = tx.get("package", version["package_id"])
        if pkg is None or pkg["workspace_id"] != r.ws or (product and product["package"]["id"] != pkg["id"]):
            raise Unprocessable(
                f"package version {b['package_version_id']} is not a version of this workspace's product",
                path=["body", "package_version_id"],
            )
    else:
        assert product is not None  # the contract requires product_id or package_version_id
        resolved = resolve_pin(tx, product["package"]["id"], product["package"]["version_pin"], ["body", "product_id"])
        if resolved is None:
            raise Unprocessable(f"product {product['id']} has no published version", path=["body", "product_id"])
        version = resolved
    _validate_field_values(version, b.get("field_values") or {})
    ws = tx.must("workspace", r.ws)
    ts = now()
    o: Obj = {
        "id": new_id("offer"),
        "short_hash": _short_hash(tx),
        "workspace_id": r.ws,
        "created_by": r.principal.user_id or f"{r.principal.token_id}",
        "package_id": version["package_id"],
        "package_version_id": version["id"],
        "input_schema": version.get("input_schema") or {},
        "allowed_emails": list(b.get("allowed_emails") or []),
        "field_values": dict(b.get("field_values") or {}),
        "commercial_mode": b.get("commercial_mode", "paid"),
        "approval_state": "not_required",
        "order_ttl_minutes": b.get("order_ttl_minutes", 120),
        "used_count": 0,
        "seller_name": ws["name"],
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
    }
    if product is not None:
        o.update(product_id=product["id"], product_name=product["name"])
        if product.get("custom_image"):
            o["image_url"] = product["custom_image"]
    max_uses = b.get("max_uses", 1)
    if max_uses is not None:
        o["max_uses"] = max_uses  # null = unlimited: the field is omitted
    o.update({k: b[k] for k in ("customer", "internal_note", "notes", "tier", "expires_at") if k in b})
    if "pricing_request" in b:
        o["_pricing_request"] = b["pricing_request"]  # write-only (API.md §5.5)
    tx.insert("offer", o, workspace_id=r.ws, natural_key=o["short_hash"], scope="")
    return 201, {"id": o["id"], "short_hash": o["short_hash"]}


@route("offers.list")
def list_offers(r: Req) -> tuple[int, Any]:
    pid = r.query.get("product_id")
    return r.page("offer", workspace_id=r.ws, keep=matching("product_id", pid), render=render)


def _member_offer(r: Req) -> Obj:
    """The offer of the path (authorize checked it exists in a workspace where the caller is a member)."""
    return r.tx.must("offer", r.path["id"], what="offer")


get_route("offers.get", _member_offer, render, scope="any")


def _set_archived(r: Req, archived: bool) -> tuple[int, Any]:
    o = _member_offer(r)
    if (o.get("archived_at") is not None) == archived:
        return 200, render(o)  # idempotent: no etag check when nothing changes
    check_etag(o, r.if_match)
    if archived:
        o["archived_at"] = now()
    else:
        o.pop("archived_at", None)
    r.tx.save(bump(o))
    return 200, render(o)


@route("offers.archive", scope="ctx?")
def archive_offer(r: Req) -> tuple[int, Any]:
    return _set_archived(r, True)


@route("offers.unarchive", scope="ctx?")
def unarchive_offer(r: Req) -> tuple[int, Any]:
    return _set_archived(r, False)


@route("offers.resolve", scope="anon")
def resolve_offer(r: Req) -> tuple[int, Any]:
    rows = r.tx.find("offer", natural_key=r.query["short_hash"], scope="")
    if not rows:
        raise LocalNotFound(f"no offer with short hash {r.query['short_hash']}")
    o = rows[0]
    full = render(o)
    out = {k: full[k] for k in (*_LANDING, *_LANDING_EXTRA) if k in full}
    p = r.principal
    if p.user_id is None and p.token_id is None:
        return 200, out
    allowed = o.get("allowed_emails") or []
    if allowed:
        user = r.tx.get("user", p.user_id) if p.user_id else None
        if user is None or user["email"].lower() not in {e.lower() for e in allowed}:
            raise Forbidden("this offer is reserved for other customers")
    out.update({k: full[k] for k in _PREFILL if k in full})
    return 200, out

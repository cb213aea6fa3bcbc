"""Workspaces, their members, management, subscription, change requests and access state."""

from __future__ import annotations

from typing import Any

from ...rules import slug_problem
from ..db import Obj, Tx
from ..errors import LocalConflict, LocalNotFound, Unprocessable, ValidationFailed
from ..util import iso, new_id, now, slugify
from . import Req, bump, check_etag, public, route
from .authz import BLOCKED_STATES, access_state, accessible_workspaces
from .operations import effect, start
from .operations import render as render_op
from .tokens import revoke_stale

TIERS = ("free", "pro", "enterprise")
PERIOD = 30 * 24 * 3600


def render(ws: Obj) -> Obj:
    return public(ws)


def tier_of(tx: Tx, ws_id: str) -> str:
    ws = tx.get("workspace", ws_id)
    return str(ws["plan"]["tier"]) if ws else "free"


def _unique_slug(tx: Tx, base: str) -> str:
    slug, n = base, 1
    while tx.find("workspace", natural_key=slug):
        n += 1
        suffix = f"-{n}"
        slug = base[: 39 - len(suffix)] + suffix
    return slug


def _check_slug(r: Req) -> None:
    """Emulator rule (akua_pulumi.rules): a declared slug is lower-case letters, digits and dashes."""
    slug = r.body.get("slug")
    if isinstance(slug, str) and (problem := slug_problem(slug)):
        raise ValidationFailed(problem, path=["body", "slug"])


@route("workspaces.list", scope="any")
def list_workspaces(r: Req) -> tuple[int, Any]:
    ids = (
        [r.principal.token_workspace_id] if r.principal.token_workspace_id else accessible_workspaces(r.tx, r.principal)
    )
    return r.page("workspace", ids=[i for i in ids if i], render=render)


@route("workspaces.create", scope="user")
def create_workspace(r: Req) -> tuple[int, Any]:
    _check_slug(r)
    ts = now()
    slug = r.body.get("slug") or _unique_slug(r.tx, slugify(r.body["name"]))
    wid = new_id("ws")
    ws: Obj = {
        "id": wid,
        "name": r.body["name"],
        "slug": slug,
        "plan": {"tier": "free", "billed_by": "platform"},
        "workspace_class": "standard",
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
        "_subscription": {
            "id": new_id("sub"),
            "workspace_id": wid,
            "tier": "free",
            "status": "active",
            "cancellation_scheduled": False,
            "current_period_end": None,
            "billed_by": "platform",
            "created_at": ts,
        },
        "_management": None,
        "_mgmt_etag": "1",
    }
    r.tx.insert("workspace", ws, workspace_id=wid, natural_key=slug, conflict=f"workspace slug {slug!r} is taken")
    _add_member(r.tx, wid, str(r.principal.user_id), "owner")
    return 201, render(ws)


def _add_member(tx: Tx, ws_id: str, user_id: str, role: str) -> None:
    m = {
        "id": new_id("wsm"),
        "workspace_id": ws_id,
        "user_id": user_id,
        "role": role,
        "joined_at": iso(now()),
    }
    tx.insert(
        "ws_member",
        m,
        workspace_id=ws_id,
        parent_id=ws_id,
        scope=ws_id,
        natural_key=user_id,
        conflict=f"user {user_id} is already a member",
    )


@route("workspaces.get", scope="path")
def get_workspace(r: Req) -> tuple[int, Any]:
    return 200, render(r.tx.must("workspace", r.ws))


@route("workspaces.update", scope="path")
def update_workspace(r: Req) -> tuple[int, Any]:
    _check_slug(r)
    ws = r.tx.must("workspace", r.ws)
    check_etag(ws, r.if_match)
    ws.update({k: r.body[k] for k in ("name", "slug") if k in r.body})
    r.tx.save(bump(ws), natural_key=ws["slug"], conflict=f"workspace slug {ws['slug']!r} is taken")
    return 200, render(ws)


@route("workspaces.delete", scope="path")
def delete_workspace(r: Req) -> tuple[int, Any]:
    ws = r.tx.must("workspace", r.ws)
    check_etag(ws, r.if_match)
    r.tx.save(bump(ws))
    op = start(r, "workspace.delete", "workspace", ws["id"], {"workspace_id": ws["id"]})
    return 202, render_op(op)


def cascade_delete(tx: Tx, ws_id: str) -> None:
    """Remove a workspace and everything it owns (operations are kept so waits still resolve)."""
    tx.conn.execute("DELETE FROM objects WHERE workspace_id=? AND kind != 'operation'", (ws_id,))
    tx.conn.execute("DELETE FROM tokens WHERE workspace_id=?", (ws_id,))
    tx.conn.execute(
        "DELETE FROM timers WHERE ref NOT IN (SELECT id FROM objects WHERE kind='operation')"
        " AND ref NOT IN (SELECT id FROM objects)"
    )


# -- members -----------------------------------------------------------------------------------


@route("workspaces.listMembers", scope="path")
def list_members(r: Req) -> tuple[int, Any]:
    return 200, r.tx.page(
        "ws_member",
        parent_id=r.ws,
        limit=None,
        render=lambda m: {k: m[k] for k in ("id", "user_id", "role", "joined_at")},
    )


@route("workspaces.addMember", scope="path")
def add_member(r: Req) -> tuple[int, Any]:
    if r.tx.get("user", r.body["user_id"]) is None:
        raise Unprocessable(f"unknown user {r.body['user_id']}", path=["body", "user_id"])
    _add_member(r.tx, r.ws, r.body["user_id"], r.body["role"])
    return 201, None


def _member(r: Req) -> Obj:
    rows = r.tx.find("ws_member", parent_id=r.ws, natural_key=r.path["userId"])
    if not rows:
        raise LocalNotFound(f"user {r.path['userId']} is not a member of {r.ws}")
    return rows[0]


def _owner_protection(message: str) -> ValidationFailed:
    return ValidationFailed(message, path=["path", "userId"], metadata={"reason": "owner_protection"})


@route("workspaces.updateMember", scope="path")
def update_member(r: Req) -> tuple[int, Any]:
    m = _member(r)
    if m["role"] == "owner":
        raise _owner_protection("the workspace owner's role cannot be changed")
    m["role"] = r.body["role"]
    r.tx.save(m)
    revoke_stale(r.tx, [r.ws])  # a demoted admin's tokens stop at once (API.md §6.1)
    return 200, None


@route("workspaces.removeMember", scope="path")
def remove_member(r: Req) -> tuple[int, Any]:
    """Admins remove others; anyone may leave (the role table's "admin, or own"); never the owner."""
    m = _member(r)
    if m["role"] == "owner":
        raise _owner_protection("the workspace owner cannot be removed (no endpoint transfers ownership)")
    r.tx.delete(m["id"])
    revoke_stale(r.tx, [r.ws])
    return 204, None


# -- management ----------------------------------------------------------------------------------


def render_management(tx: Tx, ws: Obj) -> Obj:
    mgmt = ws.get("_management")
    out: Any = None
    if mgmt:
        org = tx.get("organization", mgmt["organization_id"])
        out = {
            "organization": {"id": mgmt["organization_id"], "name": org["name"] if org else ""},
            "granted_at": mgmt["granted_at"],
        }
    return {"workspace_id": ws["id"], "management": out, "etag": ws["_mgmt_etag"]}


def grant_management(tx: Tx, ws_id: str, org_id: str) -> Obj:
    """Admin hook: the customer grants management of ``ws_id`` to ``org_id``."""
    ws = tx.must("workspace", ws_id)
    tx.must("organization", org_id)
    ws["_management"] = {"organization_id": org_id, "granted_at": now()}
    bump(ws, "_mgmt_etag")
    tx.save(ws)
    return render_management(tx, ws)


@route("workspaces.getManagement", scope="path")
def get_management(r: Req) -> tuple[int, Any]:
    return 200, render_management(r.tx, r.tx.must("workspace", r.ws))


@route("workspaces.revokeManagement", scope="path")
def revoke_management(r: Req) -> tuple[int, Any]:
    ws = r.tx.must("workspace", r.ws)
    check_etag(ws, r.if_match, "_mgmt_etag")
    if not ws.get("_management"):
        raise LocalConflict(f"workspace {r.ws} has no managing organization")
    ws["_management"] = None
    bump(ws, "_mgmt_etag")
    r.tx.save(ws)
    revoke_stale(r.tx, [r.ws])  # the organization's members lose admin, and the tokens they minted
    return 204, None


# -- subscription ------------------------------------------------------------------------------


@route("workspaces.getSubscription", scope="path")
def get_subscription(r: Req) -> tuple[int, Any]:
    return 200, r.tx.must("workspace", r.ws)["_subscription"]


def _sub_action(r: Req) -> Obj:
    ws = r.tx.must("workspace", r.ws)
    check_etag(ws, r.if_match)  # the subscription has no etag: actions use the workspace's
    return ws


@route("workspaces.cancelSubscription", scope="path")
def cancel_subscription(r: Req) -> tuple[int, Any]:
    ws = _sub_action(r)
    sub = ws["_subscription"]
    if sub["tier"] == "free":
        raise LocalConflict("a free workspace has no paid subscription to cancel")
    if sub["cancellation_scheduled"]:
        raise LocalConflict("cancellation is already scheduled")
    r.tx.save(bump(ws))
    op = start(
        r,
        "workspace.subscription.cancel",
        "workspace",
        ws["id"],
        {"workspace_id": ws["id"], "mode": r.body["effective"]},
    )
    return 202, render_op(op)


@route("workspaces.reactivateSubscription", scope="path")
def reactivate_subscription(r: Req) -> tuple[int, Any]:
    ws = _sub_action(r)
    if not ws["_subscription"]["cancellation_scheduled"]:
        raise LocalConflict("no cancellation is scheduled")
    r.tx.save(bump(ws))
    op = start(r, "workspace.subscription.reactivate", "workspace", ws["id"], {"workspace_id": ws["id"]})
    return 202, {"operation_id": op["id"]}


@route("workspaces.changeSubscriptionTier", scope="path")
def change_tier(r: Req) -> tuple[int, Any]:
    tier = r.body["tier"]
    if tier not in TIERS:
        raise ValidationFailed(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}", path=["body", "tier"])
    ws = _sub_action(r)
    if ws["_subscription"]["tier"] == tier:
        raise LocalConflict(f"workspace is already on tier {tier}")
    r.tx.save(bump(ws))
    req = {
        "id": new_id("scr"),
        "workspace_id": ws["id"],
        "requested_tier": tier,
        "status": "pending",
        "effective_at": None,
        "created_at": now(),
    }
    r.tx.insert("sub_change", req, workspace_id=ws["id"], parent_id=ws["id"])
    op = start(
        r,
        "workspace.subscription.change_tier",
        "workspace",
        ws["id"],
        {"workspace_id": ws["id"], "tier": tier, "change_request_id": req["id"]},
    )
    return 202, {"operation_id": op["id"]}


@route("workspaces.listSubscriptionChangeRequests", scope="path")
def list_change_requests(r: Req) -> tuple[int, Any]:
    return r.page("sub_change", parent_id=r.ws)


@route("workspaces.getSubscriptionChangeRequest", scope="path")
def get_change_request(r: Req) -> tuple[int, Any]:
    return 200, r.tx.must("sub_change", r.path["req_id"], r.ws, "change request")


@route("workspaces.getAccessState", scope="path")
def get_access_state(r: Req) -> tuple[int, Any]:
    ws = r.tx.must("workspace", r.ws)
    state = access_state(r.tx, ws["id"])
    return 200, {
        "workspace_id": ws["id"],
        "status": state,
        "access_version": int(ws["etag"]),
        "accessible": state not in BLOCKED_STATES,
        "reason": None if state == "active" else state,
        "reconciliation_status": "reconciled",
        "payment_grace_ends_at": None,
        "restricted_at": None,
        "suspend_at": None,
        "ended_at": None,
    }


@effect("workspace.delete")
def _delete(tx: Tx, op: Obj) -> Any:
    cascade_delete(tx, op["metadata"]["workspace_id"])
    return {"type": "workspace.delete", "workspace_id": op["metadata"]["workspace_id"]}


def _sub(tx: Tx, op: Obj) -> tuple[Obj, Obj]:
    ws = tx.must("workspace", op["metadata"]["workspace_id"])
    return ws, ws["_subscription"]


@effect("workspace.subscription.cancel")
def _cancel(tx: Tx, op: Obj) -> Any:
    ws, sub = _sub(tx, op)
    end = now() + PERIOD
    sub.update(cancellation_scheduled=True, current_period_end=iso(end))
    tx.save(bump(ws))
    return {"type": "workspace.subscription.cancel", "subscription_id": sub["id"], "cancel_at": end}


@effect("workspace.subscription.reactivate")
def _reactivate(tx: Tx, op: Obj) -> Any:
    ws, sub = _sub(tx, op)
    sub["cancellation_scheduled"] = False
    tx.save(bump(ws))
    return None


def _abort_change(tx: Tx, op: Obj) -> None:
    req = tx.get("sub_change", op["metadata"]["change_request_id"])
    if req:
        req["status"] = "failed"
        tx.save(req)


@effect("workspace.subscription.change_tier", abort=_abort_change)
def _change(tx: Tx, op: Obj) -> Any:
    ws, sub = _sub(tx, op)
    tier = op["metadata"]["tier"]
    sub.update(
        tier=tier,
        status="active",
        cancellation_scheduled=False,
        current_period_end=None if tier == "free" else iso(now() + PERIOD),
    )
    ws["plan"]["tier"] = tier
    tx.save(bump(ws))
    req = tx.get("sub_change", op["metadata"]["change_request_id"])
    if req:
        req.update(status="applied", effective_at=iso(now()))
        tx.save(req)
    return None

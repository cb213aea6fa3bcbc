"""Organizations, their members and invitations (user-scoped: workspace tokens are refused).

The caller's organization role was checked by :func:`~akua_pulumi.local.backend.authz.authorize`
against the role table before a handler runs; handlers add only the body-dependent rules (adding or
inviting an ``owner`` needs ``org:owner``).
"""

from __future__ import annotations

from typing import Any

from ..db import Obj, Tx
from ..errors import Forbidden, LocalConflict, LocalNotFound, ValidationFailed
from ..util import new_id, now, rand, sha256
from . import Req, bump, check_etag, get_route, public, route
from .authz import org_role_at_least
from .tokens import revoke_stale

INVITE_TTL = 7 * 24 * 3600
_ORG_FIELDS = ("id", "name", "slug", "icon", "created_at", "updated_at", "etag")


def _org(r: Req) -> Obj:
    """The organization of the path (its existence and the caller's role were checked by authorize)."""
    return r.tx.must("organization", r.path["id"], what="organization")


def _managed(tx: Tx, org_id: str) -> list[str]:
    """The workspaces ``org_id`` manages."""
    return [w["id"] for w in tx.find("workspace") if (w.get("_management") or {}).get("organization_id") == org_id]


def _membership(tx: Tx, org_id: str, user_id: str) -> Obj | None:
    rows = tx.find("org_member", parent_id=org_id, natural_key=user_id)
    return rows[0] if rows else None


def _add(tx: Tx, org_id: str, user_id: str, role: str) -> Obj:
    ts = now()
    m = {
        "id": new_id("orgm"),
        "organization_id": org_id,
        "user_id": user_id,
        "role": role,
        "joined_at": ts,
        "updated_at": ts,
        "etag": "1",
    }
    return tx.insert(
        "org_member",
        m,
        parent_id=org_id,
        scope=org_id,
        natural_key=user_id,
        conflict=f"user {user_id} is already a member",
    )


def _render_member(tx: Tx, m: Obj) -> Obj:
    user = tx.get("user", m["user_id"]) or {}
    return {
        "user_id": m["user_id"],
        "name": user.get("name"),
        "email": user.get("email"),
        "image": user.get("image"),
        "role": m["role"],
        "joined_at": m["joined_at"],
        "updated_at": m["updated_at"],
        "etag": m["etag"],
    }


def _slug_key(slug: str | None) -> str | None:
    return slug  # NULL natural keys never clash in SQLite


@route("organizations.list", scope="user")
def list_orgs(r: Req) -> tuple[int, Any]:
    roles = {m["organization_id"]: m["role"] for m in r.tx.find("org_member", natural_key=r.principal.user_id)}
    return r.page(
        "organization", ids=list(roles), render=lambda o: {**{k: o[k] for k in _ORG_FIELDS}, "role": roles[o["id"]]}
    )


@route("organizations.create", scope="user")
def create_org(r: Req) -> tuple[int, Any]:
    ts = now()
    org = {
        "id": new_id("org"),
        "name": r.body["name"],
        "slug": r.body.get("slug"),
        "icon": None,
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
    }
    r.tx.insert(
        "organization",
        org,
        natural_key=_slug_key(org["slug"]),
        conflict=f"organization slug {org['slug']!r} is taken",
    )
    _add(r.tx, org["id"], str(r.principal.user_id), "owner")
    return 201, org


get_route("organizations.get", _org, scope="user")


@route("organizations.update", scope="user")
def update_org(r: Req) -> tuple[int, Any]:
    org = _org(r)
    check_etag(org, r.if_match)
    org.update({k: r.body[k] for k in ("name", "slug", "icon") if k in r.body})
    r.tx.save(bump(org), natural_key=_slug_key(org["slug"]), conflict=f"organization slug {org['slug']!r} is taken")
    return 200, {"ok": True}


@route("organizations.delete", scope="user")
def delete_org(r: Req) -> tuple[int, Any]:
    org = _org(r)
    check_etag(org, r.if_match)
    managed = _managed(r.tx, org["id"])
    for ws_id in managed:
        ws = r.tx.must("workspace", ws_id)
        ws["_management"] = None  # managed workspaces stay with their customers
        r.tx.save(bump(ws, "_mgmt_etag"))
    r.tx.conn.execute("DELETE FROM objects WHERE parent_id=? OR id=?", (org["id"], org["id"]))
    revoke_stale(r.tx, managed)  # tokens minted with the organization's admin access stop at once
    return 204, None


@route("organizations.listManagedWorkspaces", scope="user")
def list_managed(r: Req) -> tuple[int, Any]:
    org = _org(r)
    return r.page(
        "workspace",
        keep=lambda w: (w.get("_management") or {}).get("organization_id") == org["id"],
        render=lambda w: {"id": w["id"], "name": w["name"], "icon": None, "created_at": w["created_at"]},
    )


# -- members -------------------------------------------------------------------------------------


@route("organizations.listMembers", scope="user")
def list_members(r: Req) -> tuple[int, Any]:
    org = _org(r)
    return r.page("org_member", parent_id=org["id"], render=lambda m: _render_member(r.tx, m))


@route("organizations.addMember", scope="user")
def add_member(r: Req) -> tuple[int, Any]:
    org = _org(r)
    if r.body.get("role") == "owner":
        org_role_at_least(r, org["id"], "owner")  # like updateMemberRole: only owners make owners
    check_etag(org, r.if_match)  # the member does not exist yet: the organization's etag guards the add
    if r.tx.get("user", r.body["user_id"]) is None:
        raise ValidationFailed(f"unknown user {r.body['user_id']}", path=["body", "user_id"])
    _add(r.tx, org["id"], r.body["user_id"], r.body.get("role", "member"))
    return 201, {"ok": True}


def _target(r: Req, org: Obj) -> Obj:
    m = _membership(r.tx, org["id"], r.path["userId"])
    if m is None:
        raise LocalNotFound(f"user {r.path['userId']} is not a member of {org['id']}")
    return m


def _owners(tx: Tx, org_id: str) -> int:
    return sum(1 for m in tx.find("org_member", parent_id=org_id) if m["role"] == "owner")


@route("organizations.updateMemberRole", scope="user")
def update_member_role(r: Req) -> tuple[int, Any]:
    org = _org(r)
    m = _target(r, org)
    check_etag(m, r.if_match)
    if m["role"] == "owner" and r.body["role"] != "owner" and _owners(r.tx, org["id"]) == 1:
        raise ValidationFailed(
            "cannot demote the sole owner", path=["body", "role"], metadata={"reason": "owner_protection"}
        )
    m["role"] = r.body["role"]
    r.tx.save(bump(m))
    return 200, {"ok": True}


@route("organizations.removeMember", scope="user")
def remove_member(r: Req) -> tuple[int, Any]:
    org = _org(r)
    m = _target(r, org)
    check_etag(m, r.if_match)
    if m["role"] == "owner" and _owners(r.tx, org["id"]) == 1:
        raise ValidationFailed(
            "cannot remove the sole owner", path=["path", "userId"], metadata={"reason": "owner_protection"}
        )
    r.tx.delete(m["id"])
    revoke_stale(r.tx, _managed(r.tx, org["id"]))  # leaving ends the admin access it gave, and its tokens
    return 204, None


# -- invitations ---------------------------------------------------------------------------------


def _pending(inv: Obj) -> bool:
    return bool(inv["status"] == "pending" and inv["expires_at"] > now())


@route("organizations.listInvitations", scope="user")
def list_invitations(r: Req) -> tuple[int, Any]:
    org = _org(r)
    return r.page("org_invitation", parent_id=org["id"], keep=_pending, render=public)


@route("organizations.createInvitation", scope="user")
def create_invitation(r: Req) -> tuple[int, Any]:
    org = _org(r)
    if r.body.get("role") == "owner":
        org_role_at_least(r, org["id"], "owner")
    email = r.body["email"].lower()
    if any(_pending(i) and i["email"] == email for i in r.tx.find("org_invitation", parent_id=org["id"])):
        raise LocalConflict(f"a pending invitation for {email} exists")
    ts = now()
    token = rand(40)
    inv = {
        "id": f"orgi_{rand(16)}",
        "organization_id": org["id"],
        "email": email,
        "role": r.body.get("role", "member"),
        "status": "pending",
        "invited_by": r.principal.user_id,
        "expires_at": ts + INVITE_TTL,
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
        "_token": token,
        "_token_hash": sha256(token),
    }
    r.tx.insert("org_invitation", inv, parent_id=org["id"])
    return 201, public(inv)


def _invitation(r: Req) -> tuple[Obj, Obj]:
    org = _org(r)
    inv = r.tx.get("org_invitation", r.path["invitationId"])
    if inv is None or inv["organization_id"] != org["id"]:
        raise LocalNotFound(f"invitation {r.path['invitationId']} not found")
    return org, inv


@route("organizations.resendInvitation", scope="user")
def resend_invitation(r: Req) -> tuple[int, Any]:
    _, inv = _invitation(r)
    if inv["status"] != "pending":
        raise LocalConflict(f"invitation is {inv['status']}")
    inv["expires_at"] = now() + INVITE_TTL
    r.tx.save(bump(inv))
    return 200, public(inv)


@route("organizations.cancelInvitation", scope="user")
def cancel_invitation(r: Req) -> tuple[int, Any]:
    _, inv = _invitation(r)
    if inv["status"] != "pending":
        raise LocalNotFound(f"invitation {inv['id']} is not pending")
    inv["status"] = "canceled"
    r.tx.save(bump(inv))
    return 204, None


@route("organizations.acceptInvitation", scope="user")
def accept_invitation(r: Req) -> tuple[int, Any]:
    digest = sha256(r.body["token"])
    found = [i for i in r.tx.find("org_invitation") if i["_token_hash"] == digest]
    if not found:
        raise LocalNotFound("invitation not found")
    inv = found[0]
    if not _pending(inv):
        raise LocalConflict(f"invitation is {inv['status'] if inv['status'] != 'pending' else 'expired'}")
    user = r.tx.must("user", str(r.principal.user_id))
    if (user.get("email") or "").lower() != inv["email"]:
        raise Forbidden("this invitation was sent to another email address")
    _add(r.tx, inv["organization_id"], user["id"], inv["role"])
    inv["status"] = "accepted"
    r.tx.save(bump(inv))
    return 200, public(inv)

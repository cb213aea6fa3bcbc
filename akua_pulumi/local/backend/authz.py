"""Authorization (API.md §6.1-§6.2): effective roles, and the role-table check every operation passes first.

:func:`authorize` runs after authentication and before body validation, reference lookups, If-Match
and quotas, in the order of §6.2: 403/7004 (no workspace), membership (``none``), 404 for the object
the path names, the role of :data:`akua_pulumi.roles.ROLE_TABLE`, then the workspace's access state.
:func:`evaluate` is the same decision without raising, for ``accessDecisions.explain``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...roles import OVERVIEW_ADMIN, ROLE_RANK, RoleRule, cancel_role, permits, required_role
from ..db import Obj, Tx
from ..errors import ContextRequired, LocalNotFound, RoleDenied
from . import Principal, Req, Route

# Writes that stay allowed while the workspace is suspended or ended, so the owner can pay or leave.
ACCESS_STATE_EXEMPT = frozenset(
    {
        "workspaces.cancelSubscription",
        "workspaces.reactivateSubscription",
        "workspaces.changeSubscriptionTier",
        "workspaces.delete",
    }
)
BLOCKED_STATES = frozenset({"suspended", "ended"})
# First path segment of a template whose ``{id}`` names an object: the kind, and its name in a 404.
OBJECT_PATHS: dict[str, tuple[str, str]] = {
    "clusters": ("cluster", "cluster"),
    "installs": ("install", "install"),
    "secrets": ("secret", "secret"),
    "packages": ("package", "package"),
    "products": ("product", "product"),
    "offers": ("offer", "offer"),
    "compute_configs": ("compute_config", "compute config"),
    "registry_connections": ("registry_connection", "registry connection"),
    "cloudflare_connections": ("cloudflare_connection", "cloudflare connection"),
    "api_tokens": ("api_token", "api token"),
    "operations": ("operation", "operation"),
}


@dataclass(frozen=True)
class Role:
    """An effective role and where it comes from (``direct``, ``managing_organization``, ``api_token``, ``none``)."""

    role: str
    source: str


NONE = Role("none", "none")


def user_role(tx: Tx, user_id: str | None, ws_id: str) -> Role:
    """A user's effective role: the higher of the direct membership and ``admin`` from a managing organization."""
    if user_id is None:
        return NONE
    rows = tx.find("ws_member", parent_id=ws_id, natural_key=user_id)
    direct = Role(str(rows[0]["role"]), "direct") if rows else NONE
    ws = tx.get("workspace", ws_id)
    mgmt = (ws or {}).get("_management") or {}
    from_org = bool(mgmt) and bool(tx.find("org_member", parent_id=mgmt["organization_id"], natural_key=user_id))
    if from_org and ROLE_RANK[direct.role] < ROLE_RANK["admin"]:
        return Role("admin", "managing_organization")
    return direct


def effective_role(tx: Tx, p: Principal, ws_id: str) -> Role:
    """The principal's role in ``ws_id``: a token's minted role in its own workspace, a user's effective role."""
    if p.token_id is not None:
        return Role(p.token_role or "none", "api_token") if p.token_workspace_id == ws_id else NONE
    return user_role(tx, p.user_id, ws_id)


def accessible_workspaces(tx: Tx, p: Principal) -> list[str]:
    """Every workspace where the principal's effective role is at least ``member``."""
    if p.token_workspace_id is not None:
        return [p.token_workspace_id]
    if p.user_id is None:
        return []
    ids = {m["workspace_id"] for m in tx.find("ws_member", natural_key=p.user_id)}
    orgs = {m["organization_id"] for m in tx.find("org_member", natural_key=p.user_id)}
    if orgs:
        ids |= {w["id"] for w in tx.find("workspace") if (w.get("_management") or {}).get("organization_id") in orgs}
    return sorted(ids)


def access_state(tx: Tx, ws_id: str) -> str:
    """``active`` unless ``/_local`` set ``_access_state`` on the workspace (``suspended``/``ended``)."""
    ws = tx.get("workspace", ws_id) or {}
    return str(ws.get("_access_state") or "active")


def denied(op_id: str, p: Principal, scope_id: str, needed: str, have: Role, **extra: Any) -> RoleDenied:
    """The §6.2 denial of ``op_id`` for a caller with ``have`` where ``needed`` is required."""
    scope = "organization" if needed.startswith("org:") else ("user" if needed == "user" else "workspace")
    return RoleDenied(
        op_id,
        scope=scope,
        scope_id=scope_id,
        required_role=needed.removeprefix("org:"),
        caller_role=have.role,
        role_source=have.source,
        credential=p.credential,
        **extra,
    )


def _token_as_user(op_id: str, p: Principal) -> RoleDenied:
    return denied(op_id, p, p.token_workspace_id or "", "user", Role(p.token_role or "none", "api_token"))


# -- the check -------------------------------------------------------------------------------------


def authorize(r: Req, route: Route, template: str, is_read: bool) -> None:
    """Check the operation's role-table row for the request's principal; set ``r.workspace_id``/``r.role``."""
    rule = required_role(r.op_id)
    p = r.principal
    if rule.role == "anonymous" or route.scope == "body":
        return  # "body": the explain calls check the workspace each request item names (backend.explain)
    if p.token_id is not None and (rule.role == "user" or rule.scope == "organization" or route.scope == "user"):
        raise _token_as_user(r.op_id, p)
    if rule.scope == "organization":
        _authorize_org(r, rule)
        return
    if rule.role in ("own", "user"):
        _named_workspaces_visible(r)
        return
    ws_id, obj = _resolve(r, route, template, rule)
    if ws_id is None:
        return  # "member, or own" without a workspace: the caller's own view (quotas, operations)
    have = effective_role(r.tx, p, ws_id)
    if obj is not None and have.role == "none":
        kind, label = _object_kind(template) or ("", "object")
        if not (kind == "operation" and obj.get("_by") == p.key):
            raise LocalNotFound(f"{label} {obj['id']} not found")  # ids of other workspaces are not revealed
    needed = rule.role
    if r.op_id == "operations.cancel" and obj is not None:
        needed = cancel_role(str((obj.get("metadata") or {}).get("type", "")))
    if obj is not None and r.op_id in ("operations.get", "operations.wait") and obj.get("_by") == p.key:
        needed = "none"  # the caller's own operation stays readable, e.g. after its workspace was deleted
    # On the workspace overview these writes need admin (§6.3), checked here, with the role, before the body.
    overview = r.op_id in OVERVIEW_ADMIN and (obj or {}).get("purpose") == "workspace_overview"
    if overview and ROLE_RANK[needed] < ROLE_RANK["admin"]:
        needed = "admin"
    self_ok = rule.self_allowed and r.path.get("userId") is not None and r.path.get("userId") == p.user_id
    have, denial = role_check(r.tx, p, r.op_id, ws_id, needed=needed, is_read=is_read, self_ok=self_ok)
    if denial is not None and overview and have.role != "none" and not permits(have.role, RoleRule(r.op_id, needed)):
        message = (
            f"{r.op_id} on the workspace overview needs the workspace role admin; the caller's role is {have.role}"
        )
        raise denied(r.op_id, p, ws_id, needed, have, message=message)
    if denial is not None:
        raise denial
    r.workspace_id, r.role, r.role_source = ws_id, have.role, have.source


def role_check(
    tx: Tx,
    p: Principal,
    op_id: str,
    ws_id: str,
    *,
    needed: str | None = None,
    is_read: bool = False,
    self_ok: bool = False,
) -> tuple[Role, RoleDenied | None]:
    """The caller's role in ``ws_id`` and the denial of ``op_id`` (None when allowed): membership, the
    role-table row (or ``needed``), then the access state for writes. Shared by every operation and by
    ``accessDecisions.explain``, so an explanation never disagrees with the call."""
    needed = needed or required_role(op_id).role
    have = effective_role(tx, p, ws_id)
    if needed == "none":
        return have, None
    if have.role == "none" or (not self_ok and not permits(have.role, RoleRule(op_id, needed))):
        return have, denied(op_id, p, ws_id, needed, have)
    state = access_state(tx, ws_id)
    if not is_read and op_id not in ACCESS_STATE_EXEMPT and state in BLOCKED_STATES:
        message = f"{op_id} is refused: workspace {ws_id} is {state} (writes are blocked)"
        return have, denied(op_id, p, ws_id, needed, have, reason="access_state", message=message)
    return have, None


def _authorize_org(r: Req, rule: RoleRule) -> None:
    org = r.tx.must("organization", r.path["id"], what="organization")
    rows = r.tx.find("org_member", parent_id=org["id"], natural_key=r.principal.user_id)
    have = Role(str(rows[0]["role"]), "direct") if rows else NONE
    if have.role == "none":
        raise denied(r.op_id, r.principal, org["id"], rule.role, have)
    if rule.self_allowed and r.path.get("userId") == r.principal.user_id:
        r.role = have.role
        return
    if not permits(have.role, rule):
        raise denied(r.op_id, r.principal, org["id"], rule.role, have)
    r.role, r.role_source = have.role, have.source


def org_role_at_least(r: Req, org_id: str, needed: str) -> None:
    """403 unless the caller's organization role reaches ``needed`` (e.g. adding or inviting an owner)."""
    rows = r.tx.find("org_member", parent_id=org_id, natural_key=r.principal.user_id)
    have = Role(str(rows[0]["role"]), "direct") if rows else NONE
    if ROLE_RANK[have.role] < ROLE_RANK[needed]:
        raise denied(r.op_id, r.principal, org_id, f"org:{needed}", have)


def _object_kind(template: str) -> tuple[str, str] | None:
    parts = template.split("/")
    if len(parts) >= 3 and parts[2].startswith("{id}"):
        return OBJECT_PATHS.get(parts[1])
    return None


def _resolve(r: Req, route: Route, template: str, rule: RoleRule) -> tuple[str | None, Obj | None]:
    """The workspace the call is checked in (§6.1), and the object its path names (404 when unknown)."""
    p, tx = r.principal, r.tx
    header = r.headers.get("akua-context")
    if p.token_workspace_id is not None and header and header != p.token_workspace_id:
        raise denied(r.op_id, p, header, rule.role, NONE)  # a token acts in its one workspace only
    if route.scope == "path":
        ws_id = r.path["id"]
        if tx.get("workspace", ws_id) is None:
            raise LocalNotFound(f"workspace {ws_id} not found")
        return ws_id, None
    context = p.token_workspace_id or header
    kind = _object_kind(template)
    by_object = route.scope in ("ctx?", "any") and kind is not None
    if context is not None and not (by_object and tx.get("workspace", context) is None):
        have = effective_role(tx, p, context)
        if have.role == "none":  # membership before any lookup (§6.2 step 3)
            raise denied(r.op_id, p, context, _cancel_needs(tx, r) or rule.role, have)
        if kind is None:
            return context, None
        obj, owner = _lookup(tx, kind, r.path["id"])
        if owner not in (None, context):
            raise LocalNotFound(f"{kind[1]} {r.path['id']} not found")
        return context, obj
    if by_object and kind is not None:  # no context: checked in the workspace that owns the object
        obj, owner = _lookup(tx, kind, r.path["id"])
        if owner is None or tx.get("workspace", owner) is None:
            if obj.get("_by") != p.key:
                raise LocalNotFound(f"{kind[1]} {obj['id']} not found")
            return None, obj  # e.g. the operation of a workspace deleted since: its starter may still read it
        return owner, obj
    if route.scope == "ctx" or (route.scope == "any" and not rule.self_allowed):
        raise ContextRequired()
    return None, None


#: ``own`` rows that take a workspace in the query: the caller must see it (and ``akua-context``), §6.2 step 3.
WORKSPACE_QUERY = {"entitlements.list": "workspace"}


def _named_workspaces_visible(r: Req) -> None:
    """Membership of the workspace an ``own`` row's query (or ``akua-context``) names, before validation."""
    param = WORKSPACE_QUERY.get(r.op_id)
    if param is None:
        return
    for ws_id in dict.fromkeys(v for v in (r.query.get(param), r.headers.get("akua-context")) if v):
        have = effective_role(r.tx, r.principal, ws_id) if r.tx.get("workspace", ws_id) else NONE
        if have.role == "none":
            raise denied(r.op_id, r.principal, ws_id, "member", have)


def _cancel_needs(tx: Tx, r: Req) -> str | None:
    """``operations.cancel``: the role of the write that started the operation, to name it in a denial."""
    if r.op_id != "operations.cancel":
        return None
    op = tx.get("operation", r.path.get("id", ""))
    return cancel_role(str((op or {}).get("metadata", {}).get("type", ""))) if op else None


def _lookup(tx: Tx, kind: tuple[str, str], oid: str) -> tuple[Obj, str | None]:
    """The object ``oid`` of ``kind`` and the workspace that owns it (404 when unknown)."""
    rows = tx.q("SELECT workspace_id, data FROM objects WHERE id=? AND kind=?", oid, kind[0])
    if not rows:
        raise LocalNotFound(f"{kind[1]} {oid} not found")
    obj: Obj = json.loads(rows[0][1])
    owner = rows[0][0] or obj.get("workspace_id")
    return obj, str(owner) if owner else None

"""Who may see which workspace."""

from __future__ import annotations

from ..db import Tx
from . import Principal


def role_in(tx: Tx, p: Principal, ws_id: str) -> str | None:
    """The principal's effective role in a workspace (tokens act as owner of their own workspace)."""
    if p.token_workspace_id is not None:
        return "owner" if p.token_workspace_id == ws_id else None
    rows = tx.find("ws_member", parent_id=ws_id, natural_key=p.user_id)
    if rows:
        return str(rows[0]["role"])
    ws = tx.get("workspace", ws_id)
    mgmt = ws and ws.get("_management")
    if mgmt and tx.find("org_member", parent_id=mgmt["organization_id"], natural_key=p.user_id):
        return "admin"  # members of the managing organization get admin access
    return None


def accessible_workspaces(tx: Tx, p: Principal) -> list[str]:
    if p.token_workspace_id is not None:
        return [p.token_workspace_id]
    ids = {m["workspace_id"] for m in tx.find("ws_member", natural_key=p.user_id)}
    orgs = {m["organization_id"] for m in tx.find("org_member", natural_key=p.user_id)}
    if orgs:
        ids |= {w["id"] for w in tx.find("workspace") if (w.get("_management") or {}).get("organization_id") in orgs}
    return sorted(ids)

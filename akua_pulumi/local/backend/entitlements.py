"""Plan tiers and their entitlements (API.md §6.5): ``entitlements.list``, and the one source of every limit.

``/quotas``, the create-time quota checks and ``accessDecisions.explain`` all read :func:`allocation`,
so a limit shown anywhere is the limit enforced. A workspace's tier is its subscription's; ``/_local``
can override any entitlement of a workspace through its ``_entitlements`` field
(``{"compute.max_clusters": {"type": "max_count", "value": 5}}``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from ..db import Tx
from ..errors import RoleDenied, ValidationFailed
from ..util import sha256
from . import Principal, Req, route
from .authz import NONE, Role, accessible_workspaces, effective_role

TIERS = ("free", "pro", "enterprise")
UNLIMITED = None
Allocation = dict[str, Any]


@dataclass(frozen=True)
class Feature:
    """One entitlement: its key, name, value per tier and how ``/quotas`` shows it (if at all)."""

    key: str
    name: str
    free: int | bool | None
    pro: int | bool | None
    enterprise: int | bool | None
    metric: str | None = None
    """The ``/quotas`` metric, or None when the feature is not a quota."""
    quota_type: str = "allocation"
    unit: str = "count"
    scale: int = 1
    """Multiplier from the entitlement's unit to the metric's (GiB → bytes)."""

    @property
    def feature_set(self) -> str:
        return self.key.split(".", 1)[0]

    def default(self, tier: str) -> Allocation:
        value = {"free": self.free, "pro": self.pro}.get(tier, self.enterprise)
        if isinstance(value, bool):
            return {"type": "bool", "value": value}
        if value is UNLIMITED:
            return {"type": "unlimited", "value": None}
        return {"type": "max_count", "value": value}


FEATURES: tuple[Feature, ...] = (
    Feature("compute.max_clusters", "Managed clusters", 1, 3, None, "kaas/clusters"),
    Feature("compute.max_machines", "Machines", 1, 3, None, "compute/machines"),
    Feature("compute.max_cpu_cores", "CPU cores", 2, 8, None, "compute/cpu", unit="cores"),
    Feature("compute.max_memory_gib", "Memory (GiB)", 4, 16, None, "compute/memory", unit="bytes", scale=1 << 30),
    Feature(
        "compute.max_concurrent_machine_launches",
        "Machines launching at once, per cluster",
        1,
        3,
        3,
        "compute/machine_launches",
        quota_type="concurrency",
    ),
    Feature("compute.managed_machine_ttl_days", "Lifetime of an Akua-managed machine (days)", 7, None, None),
    Feature(
        "compute.all_instance_types",
        "Every provider instance type (Free: cax11, cx23 and cpx22 only)",
        False,
        True,
        True,
    ),
    Feature("compute.autoscaling", "Auto-scaling within the quota", True, True, True),
)
BY_KEY = {f.key: f for f in FEATURES}
BY_METRIC = {f.metric: f for f in FEATURES if f.metric}


def tier(tx: Tx, ws_id: str) -> str:
    """The workspace's plan tier (``free`` for an unknown workspace)."""
    ws = tx.get("workspace", ws_id)
    return str(ws["plan"]["tier"]) if ws else "free"


def user_tier(tx: Tx, ws_ids: list[str]) -> str:
    """The highest tier among ``ws_ids`` (a user's tier, API.md §6.5); ``free`` when there are none."""
    tiers = {tier(tx, w) for w in ws_ids}
    return next((t for t in reversed(TIERS) if t in tiers), "free")


def allocation(tx: Tx, ws_id: str, key: str, tier_name: str | None = None) -> Allocation:
    """The entitlement ``key`` in force for ``ws_id``: its ``/_local`` override, else its tier's default."""
    ws = tx.get("workspace", ws_id) or {}
    override = (ws.get("_entitlements") or {}).get(key)
    if isinstance(override, dict) and override.get("type") in ("bool", "max_count", "unlimited"):
        return {"type": override["type"], "value": override.get("value")}
    return BY_KEY[key].default(tier_name or tier(tx, ws_id))


def limit(tx: Tx, ws_id: str, key: str) -> int | None:
    """The numeric limit of ``key`` in the metric's unit, or None when unlimited."""
    alloc = allocation(tx, ws_id, key)
    if alloc["type"] == "unlimited":
        return None
    return int(alloc["value"]) * BY_KEY[key].scale


def render(ws_id: str, f: Feature, alloc: Allocation) -> dict[str, Any]:
    """One Entitlement item."""
    return {
        "workspace_id": ws_id,
        "feature": {"feature_set": f.feature_set, "key": f.key, "name": f.name},
        "allocation": alloc,
    }


def _visible_workspaces(r: Req) -> list[str]:
    """The workspaces the list covers: ``?workspace=`` or ``akua-context`` (403 when not visible), else all."""
    p: Principal = r.principal
    named = r.query.get("workspace")
    header = r.headers.get("akua-context")
    if named and header and named != header:
        raise _not_visible(r, header, "?workspace= and akua-context name different workspaces")
    named = named or header
    if named is None:
        return accessible_workspaces(r.tx, p)
    have = effective_role(r.tx, p, named) if r.tx.get("workspace", named) else NONE
    if have.role == "none":
        raise _not_visible(r, named)
    return [named]


def _not_visible(r: Req, ws_id: str, message: str | None = None) -> RoleDenied:
    p = r.principal
    have = Role(p.token_role or "none", "api_token") if p.token_id and p.token_workspace_id == ws_id else NONE
    return RoleDenied(
        r.op_id,
        scope="workspace",
        scope_id=ws_id,
        required_role="member",
        caller_role=have.role,
        role_source=have.source,
        credential=p.credential,
        message=message,
    )


@route("entitlements.list", scope="any")
def list_entitlements(r: Req) -> tuple[int, Any]:
    """Every (workspace, feature) in force that the caller may see, ordered by workspace then key."""
    feature_set, key = r.query.get("feature_set"), r.query.get("feature")
    items = [
        render(ws_id, f, allocation(r.tx, ws_id, f.key))
        for ws_id in sorted(_visible_workspaces(r))
        for f in sorted(FEATURES, key=lambda f: f.key)
        if (feature_set is None or f.feature_set == feature_set) and (key is None or f.key == key)
    ]
    start = _decode_cursor(r.query.get("cursor"))
    size = r.limit()
    page = items[start : start + size]
    more = start + size < len(items)
    return 200, {
        "data": page,
        "has_more": more,
        "next_cursor": _encode_cursor(start + size) if more else None,
        "etag": sha256(json.dumps(page, sort_keys=True))[:32],
    }


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"ent:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("ent:"):
            raise ValueError(text)
        return max(0, int(text[4:]))
    except ValueError:
        raise ValidationFailed("cursor is not one this list returned", path=["query", "cursor"]) from None

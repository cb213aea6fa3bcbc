"""Plan quotas (API.md §1.12, §6.5): ``/quotas`` and the create-time checks, both read from the entitlements.

A feature that is ``unlimited`` is left out of ``/quotas`` (and ``quotas.get`` on it is 404): QuotaInfo
has no way to say "no limit", and an invented number would read as a real one.
"""

from __future__ import annotations

from typing import Any

from ..db import Tx
from ..errors import LocalNotFound, QuotaExceeded
from . import Req, route
from .authz import accessible_workspaces
from .entitlements import BY_KEY, BY_METRIC, Feature, allocation, limit, tier, user_tier


def usage(tx: Tx, metric: str, ws_id: str) -> int:
    """Units of ``metric`` in use in ``ws_id`` (imported clusters are not managed ones)."""
    if metric == "kaas/clusters":
        return tx.count("cluster", ws_id, lambda c: c["provider"] == "managed_kaas")
    if metric.startswith("compute/"):
        from .machines import usage as machine_usage  # contract v4 (API.md §7.1); machines never import quotas

        return machine_usage(tx, metric, ws_id)
    return 0


def _info(f: Feature, lim: int, used: int) -> dict[str, Any]:
    assert f.metric is not None
    return {
        "metric": f.metric,
        "type": f.quota_type,
        "display_name": f.name,
        "unit": f.unit,
        "limit": lim,
        "usage": used,
        "remaining": max(0, lim - used),
    }


def info(tx: Tx, f: Feature, ws_ids: list[str], tier_name: str | None = None) -> dict[str, Any] | None:
    """QuotaInfo of ``f`` over ``ws_ids`` (one workspace, or a user's view at ``tier_name``); None if unlimited."""
    assert f.metric is not None
    if tier_name is None:
        lim = limit(tx, ws_ids[0], f.key)
    else:
        alloc = f.default(tier_name)
        lim = None if alloc["type"] == "unlimited" else int(alloc["value"]) * f.scale
    if lim is None:
        return None
    return _info(f, lim, sum(usage(tx, f.metric, w) for w in ws_ids))


def _owned_free(tx: Tx, user_id: str) -> list[str]:
    """The Free workspaces ``user_id`` owns (the per-user Free count of API.md §6.5)."""
    owned = [m["workspace_id"] for m in tx.find("ws_member", natural_key=user_id) if m["role"] == "owner"]
    return [w for w in owned if tier(tx, w) == "free"]


def enforce(tx: Tx, metric: str, ws_id: str, user_id: str | None = None) -> None:
    """409/7002 when one more unit of ``metric`` would exceed the workspace's entitlement; ``metadata.feature``
    names the entitlement. In a Free workspace, with ``/_local/config`` ``per_user_free_quota`` on, the user's
    count across the Free workspaces they own counts too (off by default: one test user owns many workspaces)."""
    f = BY_METRIC[metric]
    lim = limit(tx, ws_id, f.key)
    if lim is None:
        return
    used = usage(tx, metric, ws_id)
    scope = "workspace"
    if user_id is not None and tier(tx, ws_id) == "free" and tx.kv_get("per_user_free_quota") == "1":
        across = sum(usage(tx, metric, w) for w in set(_owned_free(tx, user_id)) | {ws_id})
        if across > used:
            used, scope = across, "user"
    if used >= lim:
        raise QuotaExceeded(
            f"quota exceeded for {metric}: limit {lim} per {scope} on tier {tier(tx, ws_id)}",
            metadata={"metric": metric, "limit": str(lim), "feature": f.key, "scope": scope},
        )


def quota_rows(tx: Tx, ws_id: str | None, ws_ids: list[str], cluster_id: str | None = None) -> list[dict[str, Any]]:
    """The QuotaInfo items of ``/quotas`` (per workspace, or the user-wide view when ``ws_id`` is None)."""
    scope = [ws_id] if ws_id else ws_ids
    tier_name = None if ws_id else user_tier(tx, ws_ids)
    rows = []
    for f in BY_METRIC.values():
        row = None if f.quota_type == "concurrency" else info(tx, f, scope, tier_name)
        if row is not None:
            rows.append(row)
    if cluster_id is not None:
        cluster = tx.get("cluster", cluster_id)
        if cluster is None or cluster["workspace_id"] not in scope:
            raise LocalNotFound(f"cluster {cluster_id} not found")
        f = BY_KEY["compute.max_concurrent_machine_launches"]
        alloc = allocation(tx, cluster["workspace_id"], f.key)
        if alloc["type"] != "unlimited":
            rows.append(_info(f, int(alloc["value"]), 0))
    return rows


def _scope(r: Req) -> list[str]:
    return [r.workspace_id] if r.workspace_id else accessible_workspaces(r.tx, r.principal)


@route("quotas.list", scope="ctx?")
def list_quotas(r: Req) -> tuple[int, Any]:
    data = quota_rows(r.tx, r.workspace_id, _scope(r), r.query.get("cluster_id"))
    return 200, {"data": data, "has_more": False, "next_cursor": None}


@route("quotas.get", scope="ctx?")
def get_quota(r: Req) -> tuple[int, Any]:
    metric = r.path["metric"]
    rows = {q["metric"]: q for q in quota_rows(r.tx, r.workspace_id, _scope(r))}
    if metric not in rows:
        known = metric in BY_METRIC
        raise LocalNotFound(
            f"quota metric {metric!r} is unlimited on this plan" if known else f"unknown quota metric {metric!r}"
        )
    return 200, rows[metric]

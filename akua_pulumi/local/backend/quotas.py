"""Plan quotas: allocation limits per tier (counted per workspace) and per-cluster concurrency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..db import Tx
from ..errors import NotFound, QuotaExceeded
from . import Req, route
from .access import accessible_workspaces

UNLIMITED = 1_000_000  # "unlimited" is reported as this number (QuotaInfo.limit is a number)


@dataclass(frozen=True)
class Metric:
    """One quota metric with its limit per tier."""

    name: str
    type: str
    display_name: str
    unit: str
    limits: dict[str, int]


METRICS = {
    m.name: m
    for m in (
        Metric("clusters/managed", "allocation", "Managed clusters", "count", {"free": 1, "pro": 3}),
        Metric("compute/machines", "allocation", "Machines", "count", {"free": 1, "pro": 3}),
        Metric("compute/cores", "allocation", "CPU cores", "cores", {"free": 2, "pro": 8}),
        Metric("compute/memory", "allocation", "Memory", "bytes", {"free": 4 << 30, "pro": 16 << 30}),
    )
}
CONCURRENCY = Metric(
    "compute/machines_launching", "concurrency", "Machines launching at once", "count", {"free": 1, "pro": 3}
)


def _tier(tx: Tx, ws_id: str) -> str:
    ws = tx.get("workspace", ws_id)
    return str(ws["plan"]["tier"]) if ws else "free"


def usage(tx: Tx, metric: str, ws_id: str) -> int:
    if metric == "clusters/managed":
        return tx.count("cluster", ws_id, lambda c: c["provider"] == "managed_kaas")
    return 0  # machines are not part of the public subset


def info(tx: Tx, m: Metric, ws_ids: list[str]) -> dict[str, Any]:
    limit = sum(m.limits.get(_tier(tx, w), UNLIMITED) for w in ws_ids)
    used = sum(usage(tx, m.name, w) for w in ws_ids)
    return {
        "metric": m.name,
        "type": m.type,
        "display_name": m.display_name,
        "unit": m.unit,
        "limit": min(limit, UNLIMITED),
        "usage": used,
        "remaining": max(0, min(limit, UNLIMITED) - used),
    }


def enforce(tx: Tx, metric: str, ws_id: str) -> None:
    """409/7002 when one more unit of ``metric`` would exceed the workspace's tier limit."""
    m = METRICS[metric]
    limit = m.limits.get(_tier(tx, ws_id), UNLIMITED)
    if usage(tx, metric, ws_id) >= limit:
        raise QuotaExceeded(
            f"quota exceeded for {metric}: limit {limit} on tier {_tier(tx, ws_id)}",
            metadata={"metric": metric, "limit": str(limit)},
        )


def _scope(r: Req) -> list[str]:
    return [r.workspace_id] if r.workspace_id else accessible_workspaces(r.tx, r.principal)


@route("quotas.list", scope="ctx?")
def list_quotas(r: Req) -> tuple[int, Any]:
    ws_ids = _scope(r)
    data = [info(r.tx, m, ws_ids) for m in METRICS.values()]
    if "cluster_id" in r.query:
        cluster = r.tx.get("cluster", r.query["cluster_id"])
        if cluster is None or cluster["workspace_id"] not in ws_ids:
            raise NotFound(f"cluster {r.query['cluster_id']} not found")
        data.append(info(r.tx, CONCURRENCY, [cluster["workspace_id"]]))
    return 200, {"data": data, "has_more": False, "next_cursor": None}


@route("quotas.get", scope="ctx?")
def get_quota(r: Req) -> tuple[int, Any]:
    m = METRICS.get(r.path["metric"])
    if m is None:
        raise NotFound(f"unknown quota metric {r.path['metric']!r}")
    return 200, info(r.tx, m, _scope(r))

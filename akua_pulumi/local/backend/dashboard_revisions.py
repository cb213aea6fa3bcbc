"""Dashboard revisions (API.md §7.4): one immutable snapshot per successful write, newest first."""

from __future__ import annotations

from typing import Any

from ..db import Obj, Tx
from ..errors import LocalNotFound, Unprocessable
from ..util import new_id, now
from . import Req, public, route

DASHBOARD_FIELDS = ("name", "description", "purpose", "filter_definitions", "default_filter_values")
WIDGET_FIELDS = (
    "position",
    "title",
    "col_span",
    "height",
    "drill_down",
    "visualization_options",
    "freshness_policy",
    "widget_type",
    "snippet_id",
    "input_bindings",
    "visualization",
    "refresh_policy",
    "display_type",
    "metric_key",
    "metric_version",
    "filter_bindings",
)
_SKIP = frozenset({"id", "dashboard_id", "created_at", "updated_at", "etag"})


def widgets_of(tx: Tx, dashboard_id: str) -> list[Obj]:
    """The dashboard's widgets in position order."""
    return sorted(tx.find("widget", parent_id=dashboard_id), key=lambda w: w["position"])


def _snapshot_widget(tx: Tx, w: Obj) -> Obj:
    out = {k: v for k, v in public(w).items() if k not in _SKIP}
    out["widget_id"] = w["id"]
    if w["widget_type"] == "snippet":
        snippet = tx.get("snippet", w["snippet_id"])
        out["snippet_etag"] = (snippet or {}).get("etag") or w.get("snippet_etag") or "0"
    return out


def _diff(prev: Obj | None, cur: Obj) -> Obj | None:
    if prev is None:
        return None
    fields = [f for f in DASHBOARD_FIELDS if prev.get(f) != cur.get(f)]
    before = {w["widget_id"]: w for w in prev["widgets"]}
    after = {w["widget_id"]: w for w in cur["widgets"]}
    added = [i for i in after if i not in before]
    removed = [i for i in before if i not in after]
    changed = []
    for i in after:
        if i in before:
            diff = [f for f in WIDGET_FIELDS if before[i].get(f) != after[i].get(f)]
            if diff:
                changed.append({"widget_id": i, "fields": diff})
    return {
        "version": 1,
        "dashboard_fields": fields,
        "widgets": {
            "added": {"count": len(added), "widget_ids": added},
            "removed": {"count": len(removed), "widget_ids": removed},
            "changed": {"count": len(changed), "widgets": changed},
        },
    }


def record(tx: Tx, d: Obj, author: str, source: str = "automatic") -> Obj:
    """Record a revision of dashboard ``d`` as it is now and make it the active one (saves ``d``)."""
    parent = tx.get("dashboard_revision", d["active_revision_id"]) if d.get("active_revision_id") else None
    rev: Obj = {
        "id": new_id("drev"),
        "dashboard_id": d["id"],
        "workspace_id": d["workspace_id"],
        "parent_revision_id": parent["id"] if parent else None,
        "restored_from_revision_id": None,
        "source": source,
        "author_id": author,
        "summary": None,
        **{f: d.get(f) for f in DASHBOARD_FIELDS},
        "widgets": [_snapshot_widget(tx, w) for w in widgets_of(tx, d["id"])],
        "created_at": now(),
    }
    rev["structural_diff"] = _diff(parent, rev)
    tx.insert("dashboard_revision", rev, workspace_id=d["workspace_id"], parent_id=d["id"])
    d["active_revision_id"] = rev["id"]
    tx.save(d)
    return rev


def render(tx: Tx, rev: Obj) -> Obj:
    """The revision with ``snippet_etag_drift`` worked out now."""
    drift = []
    for w in rev["widgets"]:
        if w.get("widget_type") != "snippet":
            continue
        s = tx.get("snippet", w["snippet_id"])
        state = "missing" if s is None else ("archived" if s.get("archived_at") is not None else "active")
        drift.append(
            {
                "widget_id": w["widget_id"],
                "snippet_id": w["snippet_id"],
                "snapshot_etag": w["snippet_etag"],
                "current_etag": None if s is None else s["etag"],
                "current_state": state,
                "restore_action": {"active": "none", "archived": "reactivate", "missing": "blocked"}[state],
            }
        )
    return {**public(rev), "snippet_etag_drift": drift}


def _limit(r: Req) -> int:
    raw = r.query.get("limit", "10")
    if not raw.isdigit() or not 1 <= int(raw) <= 10:
        raise Unprocessable("limit must be an integer from 1 to 10", path=["query", "limit"])
    return int(raw)


@route("dashboards.listRevisions", scope="ctx?")
def list_revisions(r: Req) -> tuple[int, Any]:
    d = r.tx.must("dashboard", r.path["id"], r.ws, "dashboard")
    limit = _limit(r)
    return 200, r.tx.page(
        "dashboard_revision",
        parent_id=d["id"],
        cursor=r.query.get("cursor"),
        limit=limit,
        render=lambda rev: render(r.tx, rev),
    )


@route("dashboards.getRevision", scope="ctx?")
def get_revision(r: Req) -> tuple[int, Any]:
    d = r.tx.must("dashboard", r.path["id"], r.ws, "dashboard")
    rev = r.tx.get("dashboard_revision", r.path["revision_id"])
    if rev is None or rev["dashboard_id"] != d["id"]:
        raise LocalNotFound(f"revision {r.path['revision_id']} of dashboard {d['id']} not found")
    return 200, render(r.tx, rev)


def drop(tx: Tx, dashboard_id: str) -> None:
    """Remove a deleted dashboard's revisions and widgets."""
    for kind in ("dashboard_revision", "widget"):
        for obj in tx.find(kind, parent_id=dashboard_id):
            tx.delete(obj["id"])

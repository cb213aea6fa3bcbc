"""Dashboards, their widgets and the workspace overview (API.md §7.4).

Widget writes bump both the widget's etag and the dashboard's (a Dashboard read embeds its widgets), and
every successful write records an ``automatic`` revision (:mod:`.dashboard_revisions`).
"""

from __future__ import annotations

from typing import Any

from ...roles import ROLE_RANK
from ..db import Obj, Tx
from ..errors import LocalConflict, LocalNotFound, Unprocessable
from ..util import new_id, now
from . import Req, bump, check_etag, public, route
from .authz import Role, denied
from .dashboard_revisions import drop, record, widgets_of
from .hooks import after, object_path

object_path("dashboards", "dashboard", "dashboard")

MAX_WIDGETS = 24
OVERVIEW_METRICS = ("cluster_health", "install_health", "machine_count", "quota_usage")
COMMON_DEFAULTS: Obj = {
    "title": None,
    "height": "standard",
    "drill_down": None,
    "visualization_options": {},
    "freshness_policy": {"mode": "provider_default"},
}
SNIPPET_DEFAULTS: Obj = {
    "snippet_etag": None,
    "input_bindings": {},
    "visualization": None,
    "refresh_policy": {"mode": "on_load"},
    "display_type": None,
}
METRIC_DEFAULTS: Obj = {"filter_bindings": {}}


def _author(r: Req) -> str:
    return r.principal.acting_user or ""


# -- the workspace overview --------------------------------------------------------------------------


def _new_dashboard(ws_id: str, name: str, description: str | None, purpose: str, author: str) -> Obj:
    ts = now()
    did = new_id("dash")
    return {
        "id": did,
        "html_url": f"https://app.akua.local/dashboards/{did}",
        "name": name,
        "description": description,
        "workspace_id": ws_id,
        "purpose": purpose,
        "filter_definitions": [],
        "default_filter_values": {},
        "active_revision_id": None,
        "created_by": author,
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
    }


def ensure_overview(tx: Tx, ws_id: str, author: str = "system") -> Obj:
    """The workspace's one overview dashboard, created (with its first ``reset`` revision) on first need."""
    found = tx.find("dashboard", workspace_id=ws_id, natural_key="overview", scope=f"{ws_id}/overview")
    if found:
        return found[0]
    d = _new_dashboard(ws_id, "Workspace overview", None, "workspace_overview", author)
    tx.insert("dashboard", d, workspace_id=ws_id, natural_key="overview", scope=f"{ws_id}/overview")
    for i, key in enumerate(OVERVIEW_METRICS):
        spec = {"widget_type": "platform_metric", "metric_key": key, "metric_version": 1, "col_span": 2}
        _insert_widget(tx, d, spec, i)
    record(tx, d, author, source="reset")
    return tx.get("dashboard", d["id"]) or d


def _seed_overview(r: Req, status: int, body: Any) -> None:
    if status == 201 and isinstance(body, dict) and "id" in body:
        ensure_overview(r.tx, body["id"], _author(r))


after("workspaces.create", _seed_overview)


def render(tx: Tx, d: Obj) -> Obj:
    return {**public(d), "widgets": [render_widget(w) for w in widgets_of(tx, d["id"])]}


def render_widget(w: Obj) -> Obj:
    return public(w)


# -- widgets -----------------------------------------------------------------------------------------


def _check_snippet(tx: Tx, ws_id: str, spec: Obj, where: list[str]) -> None:
    s = tx.get("snippet", spec["snippet_id"])
    if s is None or s["workspace_id"] != ws_id:
        raise Unprocessable(f"snippet {spec['snippet_id']} not found", path=[*where, "snippet_id"])
    if s.get("archived_at") is not None:
        raise Unprocessable(f"snippet {s['id']} is archived", path=[*where, "snippet_id"])
    if s.get("visibility") != "workspace":
        raise Unprocessable(f"snippet {s['id']} is a session snippet", path=[*where, "snippet_id"])
    pinned = spec.get("snippet_etag")
    if pinned is not None and pinned != s["etag"]:
        raise LocalConflict(
            f"snippet_etag {pinned} is not snippet {s['id']}'s current etag {s['etag']}",
            path=[*where, "snippet_etag"],
            metadata={"etag": s["etag"]},
        )


def _insert_widget(tx: Tx, d: Obj, spec: Obj, position: int | None) -> Obj:
    """Insert a widget built from ``spec`` (legacy shape → snippet widget) at ``position`` (None: append)."""
    current = widgets_of(tx, d["id"])
    pos = len(current) if position is None else max(0, min(position, len(current)))
    for other in current:
        if other["position"] >= pos:
            other["position"] += 1
            tx.save(other)
    kind = spec.get("widget_type", "snippet")
    ts = now()
    w: Obj = {
        "id": new_id("wgt"),
        "dashboard_id": d["id"],
        "widget_type": kind,
        "position": pos,
        "col_span": spec.get("col_span", 2),
        **COMMON_DEFAULTS,
        **(SNIPPET_DEFAULTS if kind == "snippet" else METRIC_DEFAULTS),
        **{k: v for k, v in spec.items() if k not in ("position", "widget_type")},
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
    }
    tx.insert("widget", w, workspace_id=d["workspace_id"], parent_id=d["id"])
    return w


def _close_gaps(tx: Tx, dashboard_id: str) -> None:
    for i, w in enumerate(widgets_of(tx, dashboard_id)):
        if w["position"] != i:
            w["position"] = i
            tx.save(w)


def _move(tx: Tx, d: Obj, w: Obj, position: int) -> None:
    others = [x for x in widgets_of(tx, d["id"]) if x["id"] != w["id"]]
    pos = max(0, min(position, len(others)))
    others.insert(pos, w)
    for i, x in enumerate(others):
        if x["position"] != i:
            x["position"] = i
            if x["id"] != w["id"]:
                tx.save(x)


# -- dashboards --------------------------------------------------------------------------------------


def _dashboard(r: Req) -> Obj:
    if r.path["id"] == "workspace_overview":
        return ensure_overview(r.tx, r.ws)
    return r.tx.must("dashboard", r.path["id"], r.ws, "dashboard")


def _changeable(r: Req, d: Obj) -> None:
    """Changing the workspace overview needs admin (§6.3, §7.4)."""
    if d["purpose"] == "workspace_overview" and ROLE_RANK.get(r.role or "none", 0) < ROLE_RANK["admin"]:
        raise denied(
            r.op_id,
            r.principal,
            r.ws,
            "admin",
            Role(r.role or "none", r.role_source),
            message=f"{r.op_id} on the workspace overview needs the workspace role admin;"
            f" the caller's role is {r.role}",
        )


@route("dashboards.list")
def list_dashboards(r: Req) -> tuple[int, Any]:
    ensure_overview(r.tx, r.ws)
    return r.page("dashboard", workspace_id=r.ws, render=lambda d: render(r.tx, d))


@route("dashboards.create")
def create_dashboard(r: Req) -> tuple[int, Any]:
    b = r.body
    specs = b.get("widgets", [])
    for i, spec in enumerate(specs):
        if spec.get("widget_type", "snippet") == "snippet":
            _check_snippet(r.tx, r.ws, spec, ["body", "widgets", str(i)])
    d = _new_dashboard(r.ws, b["name"], b.get("description"), "custom", _author(r))
    r.tx.insert(
        "dashboard",
        d,
        workspace_id=r.ws,
        natural_key=b["name"],
        scope=r.ws,
        conflict=f"a dashboard named {b['name']!r} already exists in this workspace",
    )
    for spec in specs:
        _insert_widget(r.tx, d, spec, None)
    record(r.tx, d, _author(r))
    return 201, {"dashboard_id": d["id"]}


@route("dashboards.getWorkspaceOverview")
def get_overview(r: Req) -> tuple[int, Any]:
    return 200, render(r.tx, ensure_overview(r.tx, r.ws))


@route("dashboards.get", scope="ctx?")
def get_dashboard(r: Req) -> tuple[int, Any]:
    return 200, render(r.tx, _dashboard(r))


@route("dashboards.update", scope="ctx?")
def update_dashboard(r: Req) -> tuple[int, Any]:
    d = _dashboard(r)
    _changeable(r, d)
    check_etag(d, r.if_match)
    d.update(r.body)
    key = d["name"] if d["purpose"] == "custom" else None
    r.tx.save(bump(d), natural_key=key, conflict=f"a dashboard named {d['name']!r} already exists in this workspace")
    record(r.tx, d, _author(r))
    return 200, {"dashboard_id": d["id"]}


@route("dashboards.delete", scope="ctx?")
def delete_dashboard(r: Req) -> tuple[int, Any]:
    d = _dashboard(r)
    check_etag(d, r.if_match)
    if d["purpose"] == "workspace_overview":
        raise LocalConflict("the workspace overview cannot be deleted")
    drop(r.tx, d["id"])
    r.tx.delete(d["id"])
    return 204, None


def _widget(r: Req, d: Obj) -> Obj:
    w = r.tx.get("widget", r.path["wgt_id"])
    if w is None or w["dashboard_id"] != d["id"]:
        raise LocalNotFound(f"widget {r.path['wgt_id']} of dashboard {d['id']} not found")
    return w


def _widget_to_change(r: Req) -> tuple[Obj, Obj]:
    """The dashboard and its widget a write names, once the dashboard may change and If-Match matches."""
    d = _dashboard(r)
    _changeable(r, d)
    w = _widget(r, d)
    check_etag(w, r.if_match)
    return d, w


def _touched(r: Req, d: Obj) -> None:
    fresh = r.tx.get("dashboard", d["id"]) or d
    r.tx.save(bump(fresh))
    record(r.tx, fresh, _author(r))


@route("dashboards.createWidget")
def create_widget(r: Req) -> tuple[int, Any]:
    d = _dashboard(r)
    _changeable(r, d)
    if len(widgets_of(r.tx, d["id"])) >= MAX_WIDGETS:
        raise Unprocessable(f"dashboard {d['id']} already holds {MAX_WIDGETS} widgets", path=["body"])
    spec = dict(r.body)
    if spec.get("widget_type", "snippet") == "snippet":
        _check_snippet(r.tx, r.ws, spec, ["body"])
    w = _insert_widget(r.tx, d, spec, spec.get("position"))
    _touched(r, d)
    return 201, render_widget(r.tx.get("widget", w["id"]) or w)


@route("dashboards.listWidgets", scope="ctx?")
def list_widgets(r: Req) -> tuple[int, Any]:
    d = _dashboard(r)
    return r.page("widget", parent_id=d["id"], render=render_widget)


@route("dashboards.getWidget", scope="ctx?")
def get_widget(r: Req) -> tuple[int, Any]:
    return 200, render_widget(_widget(r, _dashboard(r)))


@route("dashboards.updateWidget")
def update_widget(r: Req) -> tuple[int, Any]:
    d, w = _widget_to_change(r)
    b = dict(r.body)
    sent = b.pop("widget_type", None)
    if sent is not None and sent != w["widget_type"]:
        raise Unprocessable(f"widget {w['id']} is a {w['widget_type']} widget", path=["body", "widget_type"])
    if sent is None and w["widget_type"] != "snippet":
        raise Unprocessable("a platform_metric widget's update must send widget_type", path=["body", "widget_type"])
    if "snippet_etag" in b and b["snippet_etag"] is not None:
        _check_snippet(r.tx, r.ws, {"snippet_id": w["snippet_id"], "snippet_etag": b["snippet_etag"]}, ["body"])
    position = b.pop("position", None)
    w.update(b)
    if position is not None:
        _move(r.tx, d, w, position)
    r.tx.save(bump(w))
    _touched(r, d)
    return 200, render_widget(w)


@route("dashboards.deleteWidget")
def delete_widget(r: Req) -> tuple[int, Any]:
    d, w = _widget_to_change(r)
    r.tx.delete(w["id"])
    _close_gaps(r.tx, d["id"])
    _touched(r, d)
    return 204, None

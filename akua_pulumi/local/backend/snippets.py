"""Snippets, the code a dashboard widget shows, and their usage (API.md §7.5).

akua-local stores and checks snippets but never runs their code (runs are excluded, §4). DELETE archives;
a snippet a widget still uses answers 409 naming the widgets and their dashboards.
"""

from __future__ import annotations

from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict, Unprocessable
from ..util import now
from . import Req, bump, check_etag, get_route, list_route, public, route, stamp
from .hooks import object_path

object_path("snippets", "snippet", "snippet")

CONTRACT_FIELDS = ("result_contract_version", "result_type", "default_visualization")


def widgets_using(tx: Tx, ws_id: str, snippet_id: str) -> list[Obj]:
    """Every widget of any dashboard of the workspace that shows the snippet."""
    return [w for w in tx.find("widget", workspace_id=ws_id) if w.get("snippet_id") == snippet_id]


def _snippet(r: Req) -> Obj:
    return r.tx.must("snippet", r.path["id"], r.ws, "snippet")


@route("snippets.create")
def create_snippet(r: Req) -> tuple[int, Any]:
    b = r.body
    s = stamp(
        "snp",
        r,
        html_page="snippets",
        name=b["name"],
        description=b.get("description"),
        code=b["code"],
        display_type=b["display_type"],
        inputs=b.get("inputs", []),
        visibility=b.get("visibility", "workspace"),
        origin=b.get("origin", "user"),
        agent_session_id=b.get("agent_session_id"),
        agent_turn_id=b.get("agent_turn_id"),
        purpose=b.get("purpose", "general"),
        created_by=r.principal.acting_user or "",
        archived_at=None,
        **{k: b.get(k) for k in CONTRACT_FIELDS},
    )
    _check_inputs(s["inputs"])
    r.tx.insert("snippet", s, workspace_id=r.ws)
    return 201, {"snippet_id": s["id"]}


def _check_inputs(inputs: list[Any]) -> None:
    """Input keys are unique (422 naming the repeated one)."""
    seen: set[str] = set()
    for i, item in enumerate(inputs):
        key = item.get("key") if isinstance(item, dict) else None
        if key in seen:
            raise Unprocessable(f"input key {key!r} repeats", path=["body", "inputs", str(i), "key"])
        seen.add(str(key))


list_route("snippets.list", "snippet", public)
get_route("snippets.get", _snippet, scope="ctx?")


@route("snippets.update", scope="ctx?")
def update_snippet(r: Req) -> tuple[int, Any]:
    s = _snippet(r)
    check_etag(s, r.if_match)
    if s["archived_at"] is not None:
        raise LocalConflict(f"snippet {s['id']} is archived")
    b = r.body
    if "result_contract_version" not in b and s["result_contract_version"] is None:
        for key in ("result_type", "default_visualization"):
            if key in b:
                raise Unprocessable(
                    f"{key} applies to contract-1 snippets; send result_contract_version: 1 to move this one",
                    path=["body", key],
                )
    if "inputs" in b:
        _check_inputs(b["inputs"])
    s.update(b)
    r.tx.save(bump(s))
    return 200, {"snippet_id": s["id"]}


@route("snippets.delete", scope="ctx?")
def delete_snippet(r: Req) -> tuple[int, Any]:
    s = _snippet(r)
    check_etag(s, r.if_match)
    held = widgets_using(r.tx, r.ws, s["id"])
    if held:
        dashboards = sorted({w["dashboard_id"] for w in held})
        named = ", ".join(f"widget {w['id']} of dashboard {w['dashboard_id']}" for w in held[:10])
        raise LocalConflict(
            f"snippet {s['id']} is in use by {named}; delete those widgets first",
            metadata={"dashboard_ids": ",".join(dashboards), "widget_ids": ",".join(w["id"] for w in held)},
        )
    if s["archived_at"] is None:
        s["archived_at"] = now()
        r.tx.save(bump(s))
    return 204, None


def usage(tx: Tx, ws_id: str, snippet_id: str) -> Obj:
    """SnippetUsage: the dashboards whose widgets show the snippet."""
    ids = sorted({w["dashboard_id"] for w in widgets_using(tx, ws_id, snippet_id)})
    dashboards = [d for d in (tx.get("dashboard", i) for i in ids) if d is not None]
    return {
        "snippet_id": snippet_id,
        "dashboard_count": len(dashboards),
        "dashboards": [
            {"id": d["id"], "name": d["name"], "description": d.get("description"), "workspace_id": d["workspace_id"]}
            for d in dashboards
        ],
    }


@route("snippets.getUsage", scope="ctx?")
def get_usage(r: Req) -> tuple[int, Any]:
    return 200, usage(r.tx, r.ws, _snippet(r)["id"])


@route("snippets.listUsage")
def list_usage(r: Req) -> tuple[int, Any]:
    data = [usage(r.tx, r.ws, s["id"]) for s in r.tx.find("snippet", workspace_id=r.ws)]
    return 200, {"data": data, "has_more": False, "next_cursor": None}

"""Snippets (API.md §7.5), dashboards, widgets, revisions and the workspace overview (§7.4)."""

from __future__ import annotations

from typing import Any

import pytest

from akua_pulumi.local import LocalAdmin

from .conftest import Api, assert_exercised, code, new_workspace

# its last test checks what the others exercised in this process: one xdist worker runs the module
pytestmark = pytest.mark.xdist_group(__name__)

SNIPPET = {"name": "installs", "code": "return await platform.request('/installs')", "display_type": "table"}


def snippet(w: Api, **extra: Any) -> dict[str, Any]:
    r = w.post("/snippets", json={**SNIPPET, **extra})
    assert r.status_code == 201, r.text
    return dict(w.get(f"/snippets/{r.json()['snippet_id']}").json())


def test_snippet_crud_shapes_and_archive(api: Api) -> None:
    w, _ = new_workspace(api)
    s = snippet(w)
    assert s["result_contract_version"] is None and s["visibility"] == "workspace" and s["origin"] == "user"
    assert s["archived_at"] is None and s["description"] is None and s["inputs"] == []
    c1 = snippet(w, result_contract_version=1, result_type="table", default_visualization="table")
    assert c1["result_type"] == "table"
    half = w.post("/snippets", json={**SNIPPET, "result_contract_version": 1})
    assert half.status_code in (400, 422)
    assert api.post("/snippets", json=SNIPPET).status_code == 403  # no workspace at all: 7004
    assert code(api.post("/snippets", json=SNIPPET)) == 7004
    # update: If-Match, returns {snippet_id}, legacy may not set result_type without moving to contract 1
    assert w.patch(f"/snippets/{s['id']}", json={"name": "n"}).status_code in (400, 409, 422)
    bad = w.patch(f"/snippets/{s['id']}", json={"result_type": "table"}, headers={"If-Match": s["etag"]})
    assert bad.status_code in (400, 422) and bad.json()["errors"][0]["path"] == ["body", "result_type"]
    up = w.patch(
        f"/snippets/{s['id']}",
        json={"result_contract_version": 1, "result_type": "scalar", "default_visualization": "stat"},
        headers={"If-Match": s["etag"]},
    )
    assert up.status_code == 200 and up.json() == {"snippet_id": s["id"]}
    s2 = api.get(f"/snippets/{s['id']}").json()  # no context: the snippet's workspace
    assert s2["result_contract_version"] == 1 and s2["etag"] != s["etag"]
    dup = w.post("/snippets", json={**SNIPPET, "inputs": [{"key": "a", "label": "A", "kind": "boolean"}] * 2})
    assert dup.status_code in (400, 422) and dup.json()["errors"][0]["path"] == ["body", "inputs", "1", "key"]
    # delete archives (204, twice), stays listed, cannot be updated
    assert w.delete(f"/snippets/{c1['id']}", headers={"If-Match": c1["etag"]}).status_code == 204
    arch = w.get(f"/snippets/{c1['id']}").json()
    assert arch["archived_at"] is not None
    assert w.delete(f"/snippets/{c1['id']}", headers={"If-Match": arch["etag"]}).status_code == 204
    assert c1["id"] in {x["id"] for x in w.get("/snippets").json()["data"]}
    assert w.patch(f"/snippets/{c1['id']}", json={"name": "z"}, headers={"If-Match": arch["etag"]}).status_code == 409
    page = w.get("/snippets", params={"limit": 1}).json()
    assert page["has_more"] is True


def test_dashboards_widgets_revisions_and_snippet_409(api: Api) -> None:
    w, _ = new_workspace(api)
    s = snippet(w)
    r = w.post(
        "/dashboards",
        json={
            "name": "Ops",
            "widgets": [
                {"snippet_id": s["id"], "title": "Installs"},
                {"widget_type": "platform_metric", "metric_key": "install_health", "metric_version": 1},
            ],
        },
    )
    assert r.status_code == 201, r.text
    did = r.json()["dashboard_id"]
    d = api.get(f"/dashboards/{did}").json()
    assert d["purpose"] == "custom" and [x["position"] for x in d["widgets"]] == [0, 1]
    legacy = d["widgets"][0]
    assert (
        legacy["widget_type"] == "snippet"
        and legacy["col_span"] == 2
        and legacy["refresh_policy"] == {"mode": "on_load"}
    )
    assert w.post("/dashboards", json={"name": "Ops"}).status_code == 409
    # the snippet is held by the widget: 409 naming widget and dashboard
    held = w.delete(f"/snippets/{s['id']}", headers={"If-Match": s["etag"]})
    assert held.status_code == 409
    err = held.json()["errors"][0]
    assert legacy["id"] in err["message"] and did in err["message"] and err["metadata"]["dashboard_ids"] == did
    usage = w.get(f"/snippets/{s['id']}:usage").json()
    assert usage["dashboard_count"] == 1 and usage["dashboards"][0]["id"] == did
    assert w.get("/snippets:usage").json()["data"][0]["snippet_id"] == s["id"]
    # widget writes: own etag, dashboard etag bumps, positions shift
    wr = w.post(
        f"/dashboards/{did}/widgets",
        json={"widget_type": "snippet", "snippet_id": s["id"], "col_span": 4, "position": 0},
    )
    assert wr.status_code == 201, wr.text
    wid = wr.json()["id"]
    d2 = w.get(f"/dashboards/{did}").json()
    assert d2["etag"] != d["etag"] and d2["widgets"][0]["id"] == wid
    assert [x["position"] for x in d2["widgets"]] == [0, 1, 2]
    pinned = w.post(
        f"/dashboards/{did}/widgets",
        json={"snippet_id": s["id"], "col_span": 1, "widget_type": "snippet", "snippet_etag": "0"},
    )
    assert pinned.status_code == 409
    wrong = w.patch(
        f"/dashboards/{did}/widgets/{wid}",
        json={"widget_type": "platform_metric"},
        headers={"If-Match": wr.json()["etag"]},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["path"] == ["body", "widget_type"]
    stale = w.patch(f"/dashboards/{did}/widgets/{wid}", json={"title": "t"}, headers={"If-Match": "0"})
    assert stale.status_code == 409 and code(stale) == 7009
    up = w.patch(
        f"/dashboards/{did}/widgets/{wid}", json={"title": "t", "position": 2}, headers={"If-Match": wr.json()["etag"]}
    )
    assert up.status_code == 200 and up.json()["position"] == 2 and up.json()["title"] == "t"
    assert w.get(f"/dashboards/{did}/widgets/{wid}").json()["etag"] == up.json()["etag"]
    widgets = w.get(f"/dashboards/{did}/widgets").json()["data"]
    assert sorted(x["position"] for x in widgets) == [0, 1, 2]
    assert w.delete(f"/dashboards/{did}/widgets/{wid}", headers={"If-Match": up.json()["etag"]}).status_code == 204
    assert sorted(x["position"] for x in w.get(f"/dashboards/{did}/widgets").json()["data"]) == [0, 1]
    # revisions: newest first, 1-10 a page, diffs and drift
    revs = w.get(f"/dashboards/{did}/revisions").json()
    assert len(revs["data"]) == 4 and revs["data"][-1]["structural_diff"] is None
    newest = revs["data"][0]
    assert newest["structural_diff"]["widgets"]["removed"]["widget_ids"] == [wid]
    assert (
        newest["author_id"] == "usr_owner" and w.get(f"/dashboards/{did}").json()["active_revision_id"] == newest["id"]
    )
    assert w.get(f"/dashboards/{did}/revisions", params={"limit": 11}).status_code == 422
    assert (
        w.get(f"/dashboards/{did}/revisions/{newest['id']}").json()["snippet_etag_drift"][0]["current_state"]
        == "active"
    )
    # dashboard update and delete answer with ids / 204; the snippet outlives the dashboard
    d3 = w.get(f"/dashboards/{did}").json()
    assert w.patch(f"/dashboards/{did}", json={"description": "x"}, headers={"If-Match": d3["etag"]}).json() == {
        "dashboard_id": did
    }
    d4 = w.get(f"/dashboards/{did}").json()
    assert w.delete(f"/dashboards/{did}", headers={"If-Match": d4["etag"]}).status_code == 204
    assert w.get(f"/dashboards/{did}").status_code == 404
    s_now = w.get(f"/snippets/{s['id']}").json()
    assert w.delete(f"/snippets/{s['id']}", headers={"If-Match": s_now["etag"]}).status_code == 204


def test_widget_references_and_limits(api: Api) -> None:
    w, _ = new_workspace(api)
    sess = snippet(w, visibility="session")
    bad = w.post("/dashboards", json={"name": "x", "widgets": [{"snippet_id": sess["id"]}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == ["body", "widgets", "0", "snippet_id"]
    assert w.post("/dashboards", json={"name": "y", "widgets": [{"snippet_id": "snp_nope"}]}).status_code == 422
    s = snippet(w)
    full = [{"snippet_id": s["id"]}] * 24
    did = w.post("/dashboards", json={"name": "full", "widgets": full}).json()["dashboard_id"]
    more = w.post(f"/dashboards/{did}/widgets", json={"snippet_id": s["id"], "col_span": 1})
    assert more.status_code == 422
    over = w.post("/dashboards", json={"name": "z", "widgets": full + full[:1]})
    assert over.status_code == 422 and over.json()["errors"][0]["path"][:2] == ["body", "widgets"]


def test_workspace_overview(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    ov = w.get("/dashboards/workspace_overview").json()
    assert ov["purpose"] == "workspace_overview" and ov["name"] == "Workspace overview"
    assert [x["metric_key"] for x in ov["widgets"]] == [
        "cluster_health",
        "install_health",
        "machine_count",
        "quota_usage",
    ]
    assert ov["id"] in {d["id"] for d in w.get("/dashboards").json()["data"]}
    rev = w.get(f"/dashboards/{ov['id']}/revisions").json()["data"]
    assert rev[0]["source"] == "reset"
    assert w.delete(f"/dashboards/{ov['id']}", headers={"If-Match": ov["etag"]}).status_code == 409
    u = admin.create_user("M", "m@x.test")
    w.post(f"/workspaces/{ws['id']}/members", json={"user_id": u["id"], "role": "member"})
    m = api.as_(u["token"], ws["id"])
    denied = m.post(
        f"/dashboards/{ov['id']}/widgets",
        json={"widget_type": "platform_metric", "metric_key": "x", "metric_version": 1, "col_span": 1},
    )
    assert denied.status_code == 403 and denied.json()["errors"][0]["metadata"]["required_role"] == "admin"
    ok = m.post("/dashboards", json={"name": "mine"})
    assert ok.status_code == 201  # members arrange their own dashboards
    assert m.post("/snippets", json=SNIPPET).status_code == 403  # snippets need admin
    assert_exercised(("dashboards.", "snippets."))

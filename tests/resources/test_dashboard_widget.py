"""DashboardWidget: a widget showing a Snippet; destroy ordered before the snippet's archive; lost responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.dashboard import Dashboard
from akua_pulumi.resources.dashboard_widget import DashboardWidget, DashboardWidgetProvider
from akua_pulumi.resources.snippet import Snippet
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from ._invariants import one_lost_response_test
from .conftest import CallCounter
from .test_dashboard import dashboards
from .test_snippet import CODE, snippets


def _widgets(api: AkuaClient, ws: str) -> list[tuple[str | None, int]]:
    return [
        (w["title"], w["col_span"])
        for d in dashboards(api, ws)
        for w in api.paginate(f"/dashboards/{d}/widgets", workspace=ws)
    ]


def _program(**kw: Any) -> Callable[[], None]:
    """A snippet, a dashboard and a widget showing the snippet (the widget depends on both)."""

    def program() -> None:
        snippet = Snippet("s", name="install-count", code=CODE, display_type="stat")
        dash = Dashboard("d", name="Customer installs")
        DashboardWidget("w", dashboard_id=dash.id, snippet_id=snippet.id, **{"title": "Installs", **kw})

    return program


def test_dashboard_widget_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    stack = make_stack(_program(), workspace=ws)
    with calls() as c:
        stack.up()
    budget = DashboardWidgetProvider.call_budget["create"]
    assert (c.by_operation["dashboards.getWidget"], c.by_operation["dashboards.createWidget"]) == (
        budget.reads,
        budget.writes,
    )
    state = stack.state_of("DashboardWidget")
    wid, did = state["id"], state["outputs"]["dashboard_id"]
    assert _widgets(api, ws) == [("Installs", 2)]
    assert api.get(f"/snippets/{state['outputs']['snippet_id']}:usage", workspace=ws)["dashboard_count"] == 1

    # Steady state: no call on preview, no write on up; refresh reads each of the three once.
    with calls() as c:
        stack.preview(expect_no_changes=True)
    assert c.reads + c.writes == 0, c.by_operation
    with calls() as c:
        stack.up()
        stack.refresh()
    assert c.writes == 0 and c.reads == 3, c.by_operation
    assert c.by_operation["dashboards.getWidget"] == DashboardWidgetProvider.call_budget["refresh"].reads

    # Out-of-band change: refresh shows it, up converges it back (within the update budget).
    w = api.get(f"/dashboards/{did}/widgets/{wid}", workspace=ws)
    api.patch(f"/dashboards/{did}/widgets/{wid}", json={"title": "Other"}, if_match=w["etag"], workspace=ws)
    fixtures.assert_refresh_shows(stack, "DashboardWidget", title="Other")
    fixtures.up_within_budget(stack, calls, DashboardWidgetProvider, "update")
    assert _widgets(api, ws) == [("Installs", 2)]
    stack.preview(expect_no_changes=True)

    # Out-of-band deletion: refresh drops it, up creates it again (the replayed key is skipped).
    w = api.get(f"/dashboards/{did}/widgets/{wid}", workspace=ws)
    api.delete(f"/dashboards/{did}/widgets/{wid}", if_match=w["etag"], workspace=ws)
    fixtures.assert_refresh_drops(stack, "DashboardWidget")
    stack.up()  # the first key replays the deleted widget (404 on the read): the next key creates
    assert stack.state_of("DashboardWidget")["id"] != wid and _widgets(api, ws) == [("Installs", 2)]
    stack.preview(expect_no_changes=True)

    # Destroy: the widget goes before the snippet it shows (else the archive would be refused).
    stack.destroy()
    assert _widgets(api, ws) == [] and dashboards(api, ws) == {} and snippets(api, ws) == {}


test_dashboard_widget_one_lost_response_converges = one_lost_response_test(
    [
        ("dashboards.createWidget", ({},), [("Installs", 2)]),
        ("dashboards.updateWidget", ({}, {"col_span": 4}), [("Installs", 4)]),
        ("dashboards.deleteWidget", ({}, None), []),
    ],
    _program,
    _widgets,
)


def test_dashboard_widget_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    sid = api.post("/snippets", json={"name": "n", "code": CODE, "display_type": "stat"}, workspace=ws)["snippet_id"]
    did = api.post("/dashboards", json={"name": "ops"}, workspace=ws)["dashboard_id"]
    existing = api.post(
        f"/dashboards/{did}/widgets", json={"snippet_id": sid, "col_span": 2, "title": "t"}, workspace=ws
    )["id"]

    stack = make_stack(
        lambda: DashboardWidget("w", dashboard_id=did, snippet_id=sid, title="t", adopt_id=existing), workspace=ws
    )
    fixtures.assert_adopts_without_writes(stack, akua, "DashboardWidget", existing)
    stack.destroy()
    assert _widgets(api, ws) == []

    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: DashboardWidget("bad", **{"dashboard_id": did, "snippet_id": sid, **kw}),
        {"col_span": {"col_span": 9}, "height": {"height": "huge"}, "snippet_id": {"snippet_id": None}},
    )


def test_dashboard_update_after_its_widgets_changed(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    """Every widget write bumps the dashboard's etag (API.md §7.4), so the etag the Dashboard recorded is
    stale once its widget is created in the same ``up``: renaming the dashboard later still converges.
    A real outside change of a field the update leaves alone is still refused."""
    ws = workspace_id

    def program(name: str, title: str = "Installs") -> Callable[[], None]:
        def run() -> None:
            snippet = Snippet("s", name="install-count", code=CODE, display_type="stat")
            dash = Dashboard("d", name=name, description="Installs per customer")
            DashboardWidget("w", dashboard_id=dash.id, snippet_id=snippet.id, title=title)

        return run

    stack = make_stack(program("Customer installs"), workspace=ws)
    stack.up()
    stack.program = program("Installs by customer")
    stack.up()
    assert [d["name"] for d in dashboards(api, ws).values()] == ["Installs by customer"]
    stack.preview(expect_no_changes=True)

    # A widget change and a rename in one up: the widget may be written first.
    stack.program = program("Installs", title="Count")
    stack.up()
    assert [d["name"] for d in dashboards(api, ws).values()] == ["Installs"] and _widgets(api, ws) == [("Count", 2)]

    # Someone edits the declared description outside Pulumi: the next rename is refused, naming it.
    [(did, dash)] = dashboards(api, ws).items()
    api.patch(f"/dashboards/{did}", json={"description": "edited"}, if_match=dash["etag"], workspace=ws)
    stack.program = program("Installs again", title="Count")
    with pytest.raises(auto.CommandError, match="changed outside Pulumi"):
        stack.up()
    stack.destroy()

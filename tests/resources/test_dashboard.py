"""Dashboard: the invariants, name conflicts and adoption, lost responses, through the real engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.dashboard import Dashboard, DashboardProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from ._invariants import assert_name_taken_then_adopts, one_lost_response_test
from .conftest import CallCounter


def dashboards(api: AkuaClient, ws: str) -> dict[str, dict[str, Any]]:
    """The workspace's custom dashboards (not the platform's overview), by id."""
    return {d["id"]: d for d in api.paginate("/dashboards", workspace=ws) if d["purpose"] == "custom"}


def _program(**kw: Any) -> Callable[[], None]:
    args = {"name": "Customer installs", "description": "What the installs do", **kw}
    return lambda: (Dashboard("d", **args), None)[1]


def test_dashboard_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    stack = make_stack(_program(), workspace=ws)
    fixtures.up_within_budget(stack, calls, DashboardProvider, "create")
    did = stack.state_of("Dashboard")["id"]
    live = dashboards(api, ws)
    assert list(live) == [did] and live[did]["description"] == "What the installs do"

    fixtures.assert_steady_state(stack, calls, DashboardProvider)

    api.patch(f"/dashboards/{did}", json={"name": "elsewhere"}, if_match=live[did]["etag"], workspace=ws)
    fixtures.assert_refresh_shows(stack, "Dashboard", name="elsewhere")
    fixtures.up_within_budget(stack, calls, DashboardProvider, "update")
    assert dashboards(api, ws)[did]["name"] == "Customer installs"
    stack.preview(expect_no_changes=True)

    api.delete(f"/dashboards/{did}", if_match=dashboards(api, ws)[did]["etag"], workspace=ws)
    fixtures.assert_refresh_drops(stack, "Dashboard")
    stack.up()
    did2 = stack.state_of("Dashboard")["id"]
    assert list(dashboards(api, ws)) == [did2]

    fixtures.destroy_within_budget(stack, calls, DashboardProvider)
    assert dashboards(api, ws) == {}
    assert api.get("/dashboards/workspace_overview", workspace=ws)["purpose"] == "workspace_overview"


test_dashboard_one_lost_response_converges = one_lost_response_test(
    [
        ("dashboards.create", ({},), ["Customer installs"]),
        ("dashboards.update", ({}, {"name": "Renamed"}), ["Renamed"]),
        ("dashboards.delete", ({}, None), []),
    ],
    _program,
    lambda api, ws: [d["name"] for d in dashboards(api, ws).values()],
)


def test_dashboard_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    existing = api.post(
        "/dashboards", json={"name": "Customer installs", "description": "What the installs do"}, workspace=ws
    )["dashboard_id"]

    # The name is taken (the API's 409): the error says how to adopt, and nothing is created; adoption by
    # name: no write, no diff.
    stack = make_stack(_program(), workspace=ws)
    assert_name_taken_then_adopts(stack, akua, "Dashboard", existing, _program(adopt=True), lambda: dashboards(api, ws))

    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: Dashboard("bad", **{"name": "x", **kw}),
        {"name": {"name": ""}, "description": {"description": "d" * 501}},
    )

"""Workspace: the five invariants against the real engine and akua-local."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi import Workspace
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.workspace import WorkspaceProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter


def _slugs(api: AkuaClient) -> set[str]:
    return {w["slug"] for w in api.paginate("/workspaces")}


def test_workspace_lifecycle(make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer) -> None:
    stack = make_stack(lambda: Workspace("main", name="Acme Prod", slug="acme-prod"))
    stack.up()
    wid = stack.state_of("Workspace")["id"]
    assert api.get(f"/workspaces/{wid}")["name"] == "Acme Prod"

    # 1. A converged stack previews with no changes, and a no-op preview costs no API call.
    akua.admin.reset_counters()
    stack.preview(expect_no_changes=True)
    assert akua.admin.counters()["total"] == 0

    # 2. Out-of-band change: refresh sees it, up converges it back.
    live = api.get(f"/workspaces/{wid}")
    api.patch(f"/workspaces/{wid}", json={"name": "Renamed Elsewhere"}, if_match=live["etag"])
    fixtures.assert_refresh_shows(stack, "Workspace", name="Renamed Elsewhere")
    assert stack.preview().change_summary.get("update") == 1
    akua.admin.reset_counters()
    stack.up()
    assert akua.admin.counters()["writes"] == 1  # one PATCH
    assert api.get(f"/workspaces/{wid}")["name"] == "Acme Prod"
    stack.preview(expect_no_changes=True)

    # 3. Out-of-band deletion: refresh drops it, up recreates it.
    live = api.get(f"/workspaces/{wid}")
    api.wait_operation(api.delete(f"/workspaces/{wid}", if_match=live["etag"]))
    fixtures.assert_refresh_drops(stack, "Workspace")
    stack.up()
    new_id = stack.state_of("Workspace")["id"]
    assert new_id != wid and api.get(f"/workspaces/{new_id}")["slug"] == "acme-prod"

    # 5. Destroy leaves nothing behind.
    stack.destroy()
    assert "acme-prod" not in _slugs(api)


def test_workspace_update_in_place_keeps_id_and_call_budget(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, calls: Callable[[], CallCounter]
) -> None:
    stack = make_stack(lambda: Workspace("main", name="Before", slug="inplace-ws"))
    fixtures.up_within_budget(stack, calls, WorkspaceProvider, "create")
    wid = stack.state_of("Workspace")["id"]
    with calls() as c:
        stack.refresh()
    c.assert_budget(WorkspaceProvider, "refresh")
    stack.program = lambda: Workspace("main", name="After", slug="inplace-ws-2")
    result = fixtures.up_within_budget(stack, calls, WorkspaceProvider, "update")
    assert result.summary.resource_changes.get("update") == 1
    assert stack.state_of("Workspace")["id"] == wid
    assert api.get(f"/workspaces/{wid}")["slug"] == "inplace-ws-2"
    with calls() as c:
        stack.up()
    assert c.writes == 0  # a no-op up writes nothing
    fixtures.destroy_within_budget(stack, calls, WorkspaceProvider)


def test_workspace_adoption(make_stack: Callable[..., AkuaStack], api: AkuaClient) -> None:
    existing = api.post("/workspaces", json={"name": "Existing", "slug": "existing-ws"})

    # Declaring it without adopt fails with a message that says how to adopt.
    stack = make_stack(lambda: Workspace("main", name="Existing", slug="existing-ws"))
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value)
    assert len([s for s in _slugs(api) if s == "existing-ws"]) == 1

    # 4. Adopting by natural key: state takes the object over and the next preview is empty.
    stack.program = lambda: Workspace("main", name="Existing", slug="existing-ws", adopt=True)
    stack.up()
    assert stack.state_of("Workspace")["id"] == existing["id"]
    stack.preview(expect_no_changes=True)

    # Adopting by id converges updatable fields to the declared values.
    other = api.post("/workspaces", json={"name": "Other", "slug": "other-ws"})
    stack2 = make_stack(
        lambda: Workspace("w", name="Other Renamed", slug="other-ws", adopt_id=other["id"]), stack="two"
    )
    stack2.up()
    assert api.get(f"/workspaces/{other['id']}")["name"] == "Other Renamed"
    stack2.preview(expect_no_changes=True)


def test_workspace_bad_input_fails_at_preview_without_writes(
    make_stack: Callable[..., AkuaStack], akua: LocalServer
) -> None:
    cases = {
        "name": dict(name=""),
        "slug": dict(name="ok", slug="ab"),
        "slug ": dict(name="ok", slug="x" * 40),
    }
    for prop, kwargs in cases.items():
        stack = make_stack(lambda kwargs=kwargs: Workspace("bad", **kwargs), stack=f"bad-{len(prop)}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            stack.preview()
        assert prop.strip() in str(err.value)
        assert akua.admin.counters()["writes"] == 0

"""WorkspaceMember: the invariants against the real engine and akua-local."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.workspace_member import WorkspaceMember, WorkspaceMemberProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter


def _members(api: AkuaClient, ws: str) -> dict[str, str]:
    return {m["user_id"]: m["role"] for m in api.paginate(f"/workspaces/{ws}/members")}


def test_workspace_member_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    user = akua.admin.create_user("Ann", "ann@example.com")["id"]
    before = _members(api, workspace_id)
    stack = make_stack(lambda: WorkspaceMember("ann", user_id=user, role="admin"), workspace=workspace_id)
    fixtures.up_within_budget(stack, calls, WorkspaceMemberProvider, "create")
    assert stack.state_of("WorkspaceMember")["id"] == f"{workspace_id}/{user}"
    assert _members(api, workspace_id)[user] == "admin"

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, WorkspaceMemberProvider)

    # 2. Out-of-band role change: refresh shows it, up converges it back with one PATCH.
    api.patch(f"/workspaces/{workspace_id}/members/{user}", json={"role": "member"})
    fixtures.assert_refresh_shows(stack, "WorkspaceMember", role="member")
    fixtures.up_within_budget(stack, calls, WorkspaceMemberProvider, "update")
    assert _members(api, workspace_id)[user] == "admin"
    stack.preview(expect_no_changes=True)

    # 3. Out-of-band removal: refresh drops it, up adds the user again (the replayed key is skipped).
    api.delete(f"/workspaces/{workspace_id}/members/{user}")
    fixtures.assert_refresh_drops(stack, "WorkspaceMember")
    stack.up()
    assert _members(api, workspace_id)[user] == "admin"
    stack.preview(expect_no_changes=True)

    # 5. Destroy removes exactly what we added.
    fixtures.destroy_within_budget(stack, calls, WorkspaceMemberProvider)
    assert _members(api, workspace_id) == before

    # Destroy then up again within the idempotency window: a fresh key, not a stale replay.
    stack.up()
    assert _members(api, workspace_id)[user] == "admin"
    stack.destroy()
    assert _members(api, workspace_id) == before


def test_workspace_member_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    bob = akua.admin.create_user("Bob", "bob@example.com")["id"]
    cat = akua.admin.create_user("Cat", "cat@example.com")["id"]
    api.post(f"/workspaces/{workspace_id}/members", json={"user_id": bob, "role": "member"})
    api.post(f"/workspaces/{workspace_id}/members", json={"user_id": cat, "role": "member"})

    # Declaring an existing member without adopt fails with how to adopt.
    stack = make_stack(lambda: WorkspaceMember("bob", user_id=bob), workspace=workspace_id)
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value)

    # 4. Adopt by natural key (converging the role) and by id; the next preview is empty.
    def program() -> None:
        WorkspaceMember("bob", user_id=bob, role="admin", adopt=True)
        WorkspaceMember("cat", user_id=cat, adopt_id=f"{workspace_id}/{cat}")

    stack.program = program
    stack.up()
    assert _members(api, workspace_id)[bob] == "admin"
    assert {r["id"] for r in stack.resources("WorkspaceMember")} == {f"{workspace_id}/{bob}", f"{workspace_id}/{cat}"}
    stack.preview(expect_no_changes=True)

    # 6. Bad input fails at preview, names the property, writes nothing.
    cases: dict[str, dict[str, Any]] = {
        "role": dict(user_id=bob, role="owner"),
        "user_id": dict(user_id=""),
        "workspace_id": dict(user_id=bob, workspace_id="w" * 60),
    }
    for i, (prop, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: WorkspaceMember("bad", **kwargs), workspace=workspace_id, stack=f"b{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert f"{prop} " in str(err.value)
        assert akua.admin.counters()["writes"] == 0

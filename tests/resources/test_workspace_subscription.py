"""WorkspaceSubscription: converging a workspace's tier, against the real engine and akua-local."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.workspace_subscription import WorkspaceSubscription, WorkspaceSubscriptionProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter


def _tier(api: AkuaClient, ws: str) -> str:
    return str(api.get(f"/workspaces/{ws}/subscription")["tier"])


def _change_tier(api: AkuaClient, ws: str, tier: str) -> None:
    etag = api.get(f"/workspaces/{ws}")["etag"]
    api.wait_operation(api.post(f"/workspaces/{ws}/subscription:changeTier", json={"tier": tier}, if_match=etag))


def test_workspace_subscription_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    assert _tier(api, workspace_id) == "free"
    stack = make_stack(lambda: WorkspaceSubscription("sub", tier="pro"), workspace=workspace_id)
    # 4. "Create" adopts the subscription every workspace has and moves it to the declared tier.
    fixtures.up_within_budget(stack, calls, WorkspaceSubscriptionProvider, "create")
    assert stack.state_of("WorkspaceSubscription")["id"] == workspace_id
    assert _tier(api, workspace_id) == "pro"
    assert api.get(f"/workspaces/{workspace_id}")["plan"]["tier"] == "pro"

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, WorkspaceSubscriptionProvider)

    # 2. Out-of-band tier change: refresh shows it, up converges it back.
    _change_tier(api, workspace_id, "enterprise")
    fixtures.assert_refresh_shows(stack, "WorkspaceSubscription", tier="enterprise")
    fixtures.up_within_budget(stack, calls, WorkspaceSubscriptionProvider, "update")
    assert _tier(api, workspace_id) == "pro"
    stack.preview(expect_no_changes=True)

    # 5. Destroy only forgets it: the tier stays.
    fixtures.destroy_within_budget(stack, calls, WorkspaceSubscriptionProvider)
    assert _tier(api, workspace_id) == "pro"

    # Declaring the tier the workspace already has writes nothing.
    with calls() as c:
        stack.up()
    assert c.writes == 0
    stack.preview(expect_no_changes=True)

    # 3. The subscription cannot be deleted on its own; deleting its workspace ends it, and refresh
    # drops it from state.
    live = api.get(f"/workspaces/{workspace_id}")
    api.wait_operation(api.delete(f"/workspaces/{workspace_id}", if_match=live["etag"]))
    fixtures.assert_refresh_drops(stack, "WorkspaceSubscription")


def test_workspace_subscription_bad_input(
    make_stack: Callable[..., AkuaStack], akua: LocalServer, workspace_id: str
) -> None:
    cases: dict[str, dict[str, object]] = {
        "tier": dict(tier="gold"),
        "tier ": dict(tier=5),
        "workspace_id": dict(tier="pro", workspace_id="w" * 60),
    }
    for i, (prop, kwargs) in enumerate(cases.items()):
        bad = make_stack(
            lambda kwargs=kwargs: WorkspaceSubscription("bad", **kwargs),  # type: ignore[arg-type]
            workspace=workspace_id,
            stack=f"bad{i}",
        )
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert f"{prop.strip()} " in str(err.value)
        assert akua.admin.counters()["writes"] == 0

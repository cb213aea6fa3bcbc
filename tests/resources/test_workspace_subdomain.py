"""WorkspaceSubdomain: a singleton renamed in place; destroy leaves the name (documented)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.workspace_subdomain import WorkspaceSubdomain, WorkspaceSubdomainProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from .conftest import CallCounter


def test_workspace_subdomain_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    before = api.get(f"/workspaces/{ws}/subdomain")
    assert before["name"] == "test-ws"
    stack = make_stack(lambda: WorkspaceSubdomain("sub", name="acme-shop"), workspace=ws)
    fixtures.up_within_budget(stack, calls, WorkspaceSubdomainProvider, "create")
    live = api.get(f"/workspaces/{ws}/subdomain")
    assert live["id"] == before["id"] == stack.state_of("WorkspaceSubdomain")["id"]
    assert live["name"] == "acme-shop" and live["fqdn"].startswith("acme-shop.")

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, WorkspaceSubdomainProvider)

    # 2. Out-of-band rename: refresh shows it, up renames it back.
    api.wait_operation(
        api.post(
            f"/workspaces/{ws}/subdomain:setName",
            json={"name": "elsewhere"},
            if_match=live["etag"],
            idempotency_key="k1",
        )
    )
    fixtures.assert_refresh_shows(stack, "WorkspaceSubdomain", name="elsewhere")
    fixtures.up_within_budget(stack, calls, WorkspaceSubdomainProvider, "update")
    assert api.get(f"/workspaces/{ws}/subdomain")["name"] == "acme-shop"
    stack.preview(expect_no_changes=True)

    # 5. Destroy forgets it and leaves the name (a workspace always has its subdomain; documented).
    fixtures.destroy_within_budget(stack, calls, WorkspaceSubdomainProvider)
    assert api.get(f"/workspaces/{ws}/subdomain")["name"] == "acme-shop"

    # 4. Adoption: declaring the current name writes nothing and shows no diff.
    akua.admin.reset_counters()
    stack.up()
    assert akua.admin.counters()["writes"] == 0
    stack.preview(expect_no_changes=True)

    # 3. Deletion: deleting the workspace deletes its subdomain; refresh drops it.
    other = api.post("/workspaces", json={"name": "Gone", "slug": "gone-ws"})["id"]
    gone = make_stack(lambda: WorkspaceSubdomain("sub", name="gone-name"), workspace=other, stack="gone")
    gone.up()
    ws_etag = api.get(f"/workspaces/{other}")["etag"]
    op = api.delete(f"/workspaces/{other}", if_match=ws_etag)
    if op:
        api.wait_operation(op)
    fixtures.assert_refresh_drops(gone, "WorkspaceSubdomain")

    # A name another workspace holds: a clear 409, and the subdomain keeps its name.
    third = api.post("/workspaces", json={"name": "Third", "slug": "third-ws"})["id"]
    taken = make_stack(lambda: WorkspaceSubdomain("sub", name="acme-shop"), workspace=third, stack="taken")
    with pytest.raises(auto.CommandError) as err:
        taken.up()
    assert "acme-shop" in str(err.value)
    assert api.get(f"/workspaces/{third}/subdomain")["name"] == "third-ws"

    # Faults: the rename converges (its key replays), once.
    flaky = make_stack(lambda: WorkspaceSubdomain("sub", name="third-shop"), workspace=third, stack="faults")
    akua.admin.set_faults(error_rate=0.2, drop_after_commit_rate=0.4, retry_after_seconds=0, seed=2)
    flaky.up_until_converged()
    akua.admin.clear_faults()
    assert api.get(f"/workspaces/{third}/subdomain")["name"] == "third-shop"
    flaky.preview(expect_no_changes=True)

    # 6. Bad input fails at preview naming the property, with no write.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: WorkspaceSubdomain("bad", **kw),
        {"name": {"name": "Bad_Name"}, "name ": {"name": "a" * 64}, "name  ": {"name": "-dash"}},
    )

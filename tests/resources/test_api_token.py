"""ApiToken: the invariants against the real engine and akua-local (create/list/revoke only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.api_token import ApiToken, ApiTokenProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter


def _tokens(api: AkuaClient, ws: str) -> list[dict[str, Any]]:
    return list(api.paginate("/api_tokens", workspace=ws))


def _program() -> None:
    tok = ApiToken("ci", name="ci-token")
    pulumi.export("token", tok.token)


def test_api_token_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    stack = make_stack(_program, workspace=workspace_id)
    fixtures.up_within_budget(stack, calls, ApiTokenProvider, "create")
    tid = stack.state_of("ApiToken")["id"]
    assert [(t["id"], t["name"]) for t in _tokens(api, workspace_id)] == [(tid, "ci-token")]
    value = stack.outputs()["token"]
    assert value.startswith("sk_akua_")
    # The minted token works: it authenticates as the workspace.
    with AkuaClient(api_url=akua.api_url, token=value) as as_token:
        assert [w["id"] for w in as_token.paginate("/workspaces")] == [workspace_id]

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, ApiTokenProvider)
    assert stack.outputs()["token"] == value  # refresh keeps the show-once value

    # 2. Out-of-band change (no update API; the emulator's admin renames it): refresh shows it, up
    # replaces it (every input is create-only) and the renamed one is revoked.
    akua.admin.patch_object(tid, name="renamed")
    fixtures.assert_refresh_shows(stack, "ApiToken", name="renamed")
    stack.up()
    tid2 = stack.state_of("ApiToken")["id"]
    assert [(t["id"], t["name"]) for t in _tokens(api, workspace_id)] == [(tid2, "ci-token")]
    stack.preview(expect_no_changes=True)

    # 3. Out-of-band deletion (revoked through the API): refresh drops it, up mints a new one.
    api.delete(f"/api_tokens/{tid2}", workspace=workspace_id)
    fixtures.assert_refresh_drops(stack, "ApiToken")
    stack.up()
    tid3 = stack.state_of("ApiToken")["id"]
    assert [(t["id"], t["name"]) for t in _tokens(api, workspace_id)] == [(tid3, "ci-token")]
    assert stack.outputs()["token"].startswith("sk_akua_")

    # 5. Destroy revokes it.
    fixtures.destroy_within_budget(stack, calls, ApiTokenProvider)
    assert _tokens(api, workspace_id) == []


def test_api_token_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    existing = api.post("/api_tokens", json={"name": "deploy"}, workspace=workspace_id)

    # Declaring an existing name without adopt fails and says how to adopt; nothing is minted.
    stack = make_stack(lambda: ApiToken("t", name="deploy"), workspace=workspace_id)
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value) and existing["id"] in str(err.value)
    assert len(_tokens(api, workspace_id)) == 1

    # 4. Adopt by name and by id: no write, and the next preview is empty.
    other = api.post("/api_tokens", json={"name": "other", "expires_at": 4102444800}, workspace=workspace_id)

    def program() -> None:
        ApiToken("t", name="deploy", adopt=True)
        ApiToken("o", name="other", expires_at=4102444800, adopt_id=other["id"])

    stack.program = program
    akua.admin.reset_counters()
    stack.up()
    assert akua.admin.counters()["writes"] == 0
    assert {r["id"] for r in stack.resources("ApiToken")} == {existing["id"], other["id"]}
    stack.preview(expect_no_changes=True)
    assert len(_tokens(api, workspace_id)) == 2
    stack.destroy()
    assert _tokens(api, workspace_id) == []

    # 6. Bad input fails at preview, names the property, writes nothing.
    cases: dict[str, dict[str, Any]] = {
        "name": dict(name=""),
        "name ": dict(name="n" * 101),
        "expires_at": dict(name="ok", expires_at=-5),
        "workspace_id": dict(name="ok", workspace_id="w" * 60),
    }
    for i, (prop, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: ApiToken("bad", **kwargs), workspace=workspace_id, stack=f"bad{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert f"{prop.strip()} " in str(err.value)
        assert akua.admin.counters()["writes"] == 0

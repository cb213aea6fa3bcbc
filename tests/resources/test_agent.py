"""Agent: the invariants, destroy archives, adopting an archived agent enables it, a Secret as the model
credential, lost responses, through the real engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.agent import Agent, AgentProvider
from akua_pulumi.resources.secret import Secret
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from ._invariants import one_lost_response_test
from .conftest import CallCounter

INSTRUCTIONS = "Watch customer installs; when one fails, find out why and say what to change."
AMBIENT = {
    "enabled": True,
    "triggers": [{"trigger_id": "install-failed", "type": "INSTALL_STATE", "state": "ENABLED", "runtime_hint": "AUTO"}],
}


def _agents(api: AkuaClient, ws: str) -> list[tuple[str, str]]:
    return sorted((a["name"], a["state"]) for a in api.paginate("/agents", workspace=ws))


def _program(**kw: Any) -> Callable[[], None]:
    args = {"name": "install-watcher", "instructions": INSTRUCTIONS, "capabilities": ["AMBIENT"], **kw}
    return lambda: (Agent("a", **{"ambient": AMBIENT, **args}), None)[1]


def test_agent_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    stack = make_stack(_program(), workspace=ws)
    fixtures.up_within_budget(stack, calls, AgentProvider, "create")
    aid = stack.state_of("Agent")["id"]
    live = api.get(f"/agents/{aid}", workspace=ws)
    assert live["state"] == "ENABLED" and live["ambient"]["triggers"][0]["trigger_id"] == "install-failed"

    fixtures.assert_steady_state(stack, calls, AgentProvider)

    # Out-of-band change: refresh shows it, up converges it back in place.
    api.patch(f"/agents/{aid}", json={"instructions": "other"}, if_match=live["etag"], workspace=ws)
    fixtures.assert_refresh_shows(stack, "Agent", instructions="other")
    fixtures.up_within_budget(stack, calls, AgentProvider, "update")
    assert api.get(f"/agents/{aid}", workspace=ws)["instructions"] == INSTRUCTIONS
    stack.preview(expect_no_changes=True)

    # Out-of-band archive (the API has no hard delete): refresh shows it disabled, up enables it again.
    api.delete(f"/agents/{aid}", workspace=ws)
    fixtures.assert_refresh_shows(stack, "Agent", enabled=False)
    fixtures.up_within_budget(stack, calls, AgentProvider, "update")
    assert _agents(api, ws) == [("install-watcher", "ENABLED")] and stack.state_of("Agent")["id"] == aid
    stack.preview(expect_no_changes=True)

    # Destroy archives: the agent stays, ARCHIVED (as its docs page says).
    fixtures.destroy_within_budget(stack, calls, AgentProvider)
    assert _agents(api, ws) == [("install-watcher", "ARCHIVED")]

    # Up again: the archived agent does not block the name; a new one is created, the old stays archived.
    stack.up()
    assert _agents(api, ws) == [("install-watcher", "ARCHIVED"), ("install-watcher", "ENABLED")]
    stack.destroy()


def test_agent_byok_credential_is_a_secret(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, workspace_id: str
) -> None:
    ws = workspace_id

    def program() -> None:
        key = Secret("key", name="model-key", value="sk-model-provider-key-0123456789")
        _policy = {
            "default_model": "claude",
            "billing_mode": "WORKSPACE_BYOK",
            "credential_secret_id": key.id,
            "allowed_models": ["claude"],
        }
        Agent("a", name="byok", instructions=INSTRUCTIONS, capabilities=["CHAT"], model_policy=_policy)

    stack = make_stack(program, workspace=ws)
    stack.up()
    agent = api.get(f"/agents/{stack.state_of('Agent')['id']}", workspace=ws)
    assert agent["model_policy"]["credential_secret_id"] == stack.state_of("Secret")["id"]
    stack.preview(expect_no_changes=True)
    # The API refuses to delete a secret any agent (even an archived one) names (API.md §7.3): destroy
    # releases the credential before it archives the agent, so the Secret goes too.
    stack.destroy()
    assert _agents(api, ws) == [("byok", "ARCHIVED")]
    archived = api.get(f"/agents/{agent['id']}", workspace=ws)["model_policy"]
    assert archived["credential_secret_id"] is None and archived["allowed_models"] == ["claude"]
    assert [s for s in api.paginate("/secrets", workspace=ws) if s["state"] == "active"] == []


test_agent_one_lost_response_converges = one_lost_response_test(
    [
        ("agents.create", ({},), [("install-watcher", "ENABLED")]),
        ("agents.update", ({}, {"description": "d"}), [("install-watcher", "ENABLED")]),
        ("agents.archive", ({}, None), [("install-watcher", "ARCHIVED")]),
        ("agents.enable", ({"enabled": False}, {}), [("install-watcher", "ENABLED")]),
    ],
    _program,
    _agents,
)


def test_agent_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    body = {"name": "install-watcher", "instructions": INSTRUCTIONS, "capabilities": ["AMBIENT"], "ambient": AMBIENT}
    existing = api.post("/agents", json=body, workspace=ws)["id"]

    # Adoption by name: no write, no diff.
    stack = make_stack(_program(adopt=True), workspace=ws)
    fixtures.assert_adopts_without_writes(stack, akua, "Agent", existing)
    stack.destroy()
    assert _agents(api, ws) == [("install-watcher", "ARCHIVED")]

    # Adopting the archived agent (by name or id) enables it.
    stack.up()
    assert stack.state_of("Agent")["id"] == existing
    assert _agents(api, ws) == [("install-watcher", "ENABLED")]
    stack.preview(expect_no_changes=True)

    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: Agent("bad", **{"name": "x", "instructions": "i", "capabilities": ["CHAT"], **kw}),
        {
            "name": {"name": ""},
            "capabilities": {"capabilities": "CHAT"},
            "model_policy": {"model_policy": {"default_model": "m"}},
        },
    )

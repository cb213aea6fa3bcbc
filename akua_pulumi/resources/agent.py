"""``akua:Agent``: an ambient agent of the workspace (watches installs, clusters...); destroy archives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import UNKNOWN_OUTCOME
from ._akua import RestProvider, operations
from ._fields import CREATED_AT, ETAG, Field
from ._generated import AgentArgs, AgentArgsDict, AgentBase
from ._provider import Context

__all__ = ["Agent", "AgentArgs", "AgentArgsDict", "AgentProvider"]


def _model_policy(value: Mapping[str, Any]) -> dict[str, Any]:
    """The API needs ``credential_secret_id`` whenever a model policy is sent, even as null."""
    return {"credential_secret_id": None, **value}


def _model_policy_problem(value: Any) -> str | None:
    """Needs ``default_model``, ``billing_mode`` and ``allowed_models``."""
    missing = [k for k in ("default_model", "billing_mode", "allowed_models") if k not in value]
    return f"model_policy needs {', '.join(missing)}" if missing else None


class AgentProvider(RestProvider):
    """Lifecycle of ``/agents``.

    * There is no hard delete: destroy archives (``DELETE`` answers the agent, ``ARCHIVED``), and the
      agent stays in the workspace, archived. ``enabled`` maps onto archive / ``:enable``; adopting an
      archived agent enables it.
    * Create takes no Idempotency-Key and names may repeat, so the name is unique among enabled agents
      by our convention: create checks it is free first, and a create whose response was lost is found
      by name instead of repeated. An archived agent of the same name does not block a new one.
    * ``model_policy.credential_secret_id`` takes a ``Secret``'s id (``WORKSPACE_BYOK`` billing); the
      secret cannot be deleted while an agent (even an archived one) refers to it, so destroy first
      releases it (billing ``PLATFORM_SUBSCRIPTION``, no credential; one more write) and then archives.
      ``ambient`` and ``model_policy`` are replaced whole by an update.
    """

    type_name = "akua:Agent"
    step_operations = operations(
        "agents", create=("list", "create"), update=("update", "enable", "archive"), delete="archive"
    )
    collection = "/agents"
    natural_key = ("name",)
    precheck_natural_key = True
    contract_ops = ("agents.create", "agents.update")
    fields = (
        Field.updatable("name", str, "Agent name, unique among the workspace's enabled agents by our convention.",
                        required=True),
        Field.updatable("description", str, "What the agent is for."),
        Field.updatable("instructions", str, "The agent's instructions.", required=True),
        Field.updatable("capabilities", list, "CHAT, CODING and/or AMBIENT (AMBIENT for triggers).", required=True),
        Field.updatable("ambient", dict, "{enabled, policy?, triggers: [{trigger_id, type, state, runtime_hint}...]}.",
                        server_default=True),
        Field.updatable("model_policy", dict,
                        "{default_model, billing_mode, credential_secret_id (a Secret's id, or null), allowed_models}.",
                        server_default=True, normalize=_model_policy, validator=_model_policy_problem),
        Field.updatable("enabled", bool, "Enabled (true) or archived (false).", default=True,
                        send="never",  # archive / :enable, not the PATCH
                        read="state", decode=lambda state: state == "ENABLED"),
        Field.output("state", str, "ENABLED or ARCHIVED."),
        Field.output("origin", str, "USER for agents created through the API."),
        CREATED_AT,
        ETAG,
    )  # fmt: skip

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        agent: dict[str, Any] = ctx.client.post("/agents", json=self.create_body(inputs))
        if inputs.get("enabled") is False:
            agent = ctx.client.delete(self.object_path(agent["id"]))
        return agent

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        named = [a for a in ctx.client.paginate("/agents") if a["name"] == inputs["name"]]
        enabled = [a for a in named if a["state"] == "ENABLED"]
        if enabled or not inputs.get("adopt"):
            return enabled[0] if enabled else None
        return named[0] if named else None  # adopt=True also finds an archived one (and enables it)

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        self.patch_changed(ctx, self.object_path(id_), state["etag"], inputs, changed)  # enabled: not in it
        if "enabled" in changed and inputs.get("enabled") is not None:
            if inputs["enabled"]:
                self._enable(ctx, id_)
            else:
                ctx.client.delete(self.object_path(id_))

    def _enable(self, ctx: Context, id_: str) -> None:
        """``:enable``, once more after a lost answer: it takes no key, but repeating it changes nothing."""
        path = self.object_path(id_) + ":enable"
        try:
            ctx.client.post(path)
        except UNKNOWN_OUTCOME:
            ctx.client.post(path)

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        policy = state.get("model_policy") or {}
        if policy.get("credential_secret_id"):
            # An agent in any state holds its credential Secret (deleting the secret gets 409): release it
            # first, so destroying the stack can delete the Secret too. An archived agent runs nothing.
            released = {**policy, "billing_mode": "PLATFORM_SUBSCRIPTION", "credential_secret_id": None}
            patch = {"model_policy": released}
            ctx.client.patch(self.object_path(id_), json=patch, if_match=state["etag"])
        ctx.client.delete(self.object_path(id_))  # archives; repeating it is harmless


class Agent(AgentBase, module="akua", name="Agent"):
    """An agent (e.g. ambient, watching customer installs). Destroy archives it; it stays, ARCHIVED."""

    provider_class = AgentProvider

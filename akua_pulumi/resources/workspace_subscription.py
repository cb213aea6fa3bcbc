"""``akua:WorkspaceSubscription``: the subscription tier of a workspace."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ..errors import UNKNOWN_OUTCOME
from ..rules import TIERS
from ._akua import operations
from ._fields import Field
from ._generated import WorkspaceSubscriptionArgs, WorkspaceSubscriptionArgsDict, WorkspaceSubscriptionBase
from ._provider import AkuaProvider, Context, wait_for

__all__ = [
    "TIERS",
    "WorkspaceSubscription",
    "WorkspaceSubscriptionArgs",
    "WorkspaceSubscriptionArgsDict",
    "WorkspaceSubscriptionProvider",
]


class WorkspaceSubscriptionProvider(AkuaProvider):
    """Converges ``/workspaces/{id}/subscription`` to a tier.

    Every workspace always has a subscription, so "create" takes it over and changes the tier with
    ``:changeTier`` (If-Match: the workspace's etag) when it differs, waiting for the change to apply.
    The id is the workspace id. Destroy leaves the tier as it is (the API has nothing to delete) and
    only forgets it; deleting the workspace ends the subscription.
    """

    type_name = "akua:WorkspaceSubscription"
    step_operations = operations(
        "workspaces",
        create="changeSubscriptionTier",
        read="getSubscription",
        update="changeSubscriptionTier",
        delete=(),
    )
    id_key = "workspace_id"
    fields = (
        Field.updatable("tier", str, "free, pro or enterprise.", required=True, choices=TIERS, ours=True),
        Field.output("status", str, "Subscription status."),
        Field.output("cancellation_scheduled", bool, "A cancellation is scheduled."),
        Field.output("current_period_end", str, "End of the current billing period."),
        Field.output("billed_by", str, "platform or seller."),
    )

    def _change_tier(self, ctx: Context, workspace_id: str, tier: str) -> None:
        """``:changeTier`` takes no Idempotency-Key, so the client never retries it. When its outcome
        is unknown (lost response, 5xx, 429), the change requests tell whether it was accepted: wait
        for an accepted one to apply, otherwise send it again."""
        for attempt in range(3):
            etag = ctx.client.get(api_path("/workspaces/{}", workspace_id))["etag"]
            try:
                envelope = ctx.client.post(
                    api_path("/workspaces/{}/subscription:changeTier", workspace_id), json={"tier": tier}, if_match=etag
                )
            except UNKNOWN_OUTCOME:
                if attempt == 2:
                    raise
                if self._accepted(ctx, workspace_id, tier):
                    wait_for(
                        lambda: (
                            ctx.client.get(api_path("/workspaces/{}/subscription", workspace_id)).get("tier") == tier
                            or None
                        ),
                        timeout=600,
                        what=f"workspace {workspace_id} to move to tier {tier}",
                    )
                    return
                time.sleep(0.5 * (attempt + 1))
                continue
            ctx.client.wait_operation(envelope["operation_id"])
            return

    def _accepted(self, ctx: Context, workspace_id: str, tier: str) -> bool:
        """The tier is applied, or a pending change request asks for it."""
        if ctx.client.get(api_path("/workspaces/{}/subscription", workspace_id)).get("tier") == tier:
            return True
        requests = (
            ctx.client.get(api_path("/workspaces/{}/subscription/change_requests", workspace_id)).get("data") or []
        )
        return any(r.get("requested_tier") == tier and r.get("status") == "pending" for r in requests)

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        ws = inputs["workspace_id"]
        sub: dict[str, Any] = ctx.client.get(api_path("/workspaces/{}/subscription", ws))
        if sub.get("tier") != inputs["tier"]:
            self._change_tier(ctx, ws, inputs["tier"])
            sub = ctx.client.get(api_path("/workspaces/{}/subscription", ws))
        return sub

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return dict(ctx.client.get(api_path("/workspaces/{}/subscription", id_)))

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """After an interrupted create: the subscription when it already has the declared tier."""
        sub: dict[str, Any] = ctx.client.get(api_path("/workspaces/{}/subscription", inputs["workspace_id"]))
        return sub if sub.get("tier") == inputs["tier"] else None

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        self._change_tier(ctx, id_, inputs["tier"])

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        """Nothing to delete: the tier stays; the workspace's own deletion ends the subscription."""


class WorkspaceSubscription(WorkspaceSubscriptionBase, module="akua", name="WorkspaceSubscription"):
    """The tier of a workspace (free, pro or enterprise). Destroy leaves the tier unchanged."""

    provider_class = WorkspaceSubscriptionProvider

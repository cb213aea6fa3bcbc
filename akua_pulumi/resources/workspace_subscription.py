"""``akua:WorkspaceSubscription``: the subscription tier of a workspace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ._fields import Field
from ._provider import AkuaProvider, Context
from ._resource import AkuaResource

__all__ = ["TIERS", "WorkspaceSubscription", "WorkspaceSubscriptionProvider"]

TIERS = ("free", "pro", "enterprise")


class WorkspaceSubscriptionProvider(AkuaProvider):
    """Converges ``/workspaces/{id}/subscription`` to a tier.

    Every workspace always has a subscription, so "create" takes it over and changes the tier with
    ``:changeTier`` (If-Match: the workspace's etag) when it differs, waiting for the change to apply.
    The id is the workspace id. Destroy leaves the tier as it is (the API has nothing to delete) and
    only forgets it; deleting the workspace ends the subscription.
    """

    type_name = "akua:WorkspaceSubscription"
    fields = (
        Field.updatable("tier", str, "free, pro or enterprise.", required=True, choices=TIERS),
        Field.output("status", str, "Subscription status."),
        Field.output("cancellation_scheduled", bool, "A cancellation is scheduled."),
        Field.output("current_period_end", str, "End of the current billing period."),
        Field.output("billed_by", str, "platform or seller."),
    )

    def object_id(self, obj: Mapping[str, Any]) -> str:
        return str(obj["workspace_id"])

    def _change_tier(self, ctx: Context, workspace_id: str, tier: str) -> None:
        etag = ctx.client.get(f"/workspaces/{workspace_id}")["etag"]
        envelope = ctx.client.post(
            f"/workspaces/{workspace_id}/subscription:changeTier", json={"tier": tier}, if_match=etag
        )
        ctx.client.wait_operation(envelope["operation_id"])

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        ws = inputs["workspace_id"]
        sub: dict[str, Any] = ctx.client.get(f"/workspaces/{ws}/subscription")
        if sub.get("tier") != inputs["tier"]:
            self._change_tier(ctx, ws, inputs["tier"])
            sub = ctx.client.get(f"/workspaces/{ws}/subscription")
        return sub

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return ctx.client.get(f"/workspaces/{id_}/subscription")

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        self._change_tier(ctx, id_, inputs["tier"])

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        """Nothing to delete: the tier stays; the workspace's own deletion ends the subscription."""


class WorkspaceSubscription(AkuaResource, module="akua", name="WorkspaceSubscription"):
    """The tier of a workspace (free, pro or enterprise). Destroy leaves the tier unchanged."""

    provider_class = WorkspaceSubscriptionProvider

    workspace_id: pulumi.Output[str]
    """The workspace."""
    tier: pulumi.Output[str]
    """The tier."""
    status: pulumi.Output[str]
    """Subscription status."""
    cancellation_scheduled: pulumi.Output[bool]
    """A cancellation is scheduled."""

    def __init__(
        self,
        resource_name: str,
        *,
        tier: pulumi.Input[str],
        workspace_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(resource_name, {"tier": tier, "workspace_id": workspace_id}, opts)

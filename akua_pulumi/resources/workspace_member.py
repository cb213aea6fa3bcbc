"""``akua:WorkspaceMember``: a user's role in a workspace (key: workspace id + user id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ._fields import Field
from ._provider import AkuaProvider, CallBudget, Context, StaleReplayError
from ._resource import AkuaResource

__all__ = ["WorkspaceMember", "WorkspaceMemberProvider"]


class WorkspaceMemberProvider(AkuaProvider):
    """Lifecycle of ``/workspaces/{id}/members``. The write endpoints return empty bodies, so every
    write is read back by listing the members (the list is not paginated)."""

    type_name = "akua:WorkspaceMember"
    natural_key = ("user_id",)
    idempotent_create = True
    call_budget = {
        "create": CallBudget(1, 1, "POST members (empty 201), GET members to read back"),
        "refresh": CallBudget(1, 0, "GET /workspaces/{id}/members (not paginated)"),
        "update": CallBudget(1, 1, "PATCH role (empty 200), GET members to read back"),
        "delete": CallBudget(0, 1, "DELETE /workspaces/{id}/members/{user_id}"),
    }
    fields = (
        Field.create_only("user_id", str, "The user to add (e.g. usr_...).", required=True, min_length=1),
        Field.updatable(
            "role", str, "admin or member (owner cannot be assigned).", default="member", choices=("admin", "member")
        ),
        Field.output("membership_id", str, "The wsm_ membership id."),
        Field.output("joined_at", str, "When the user joined (ISO-8601)."),
    )

    def object_id(self, obj: Mapping[str, Any]) -> str:
        return f"{obj['workspace_id']}/{obj['user_id']}"

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "user_id": obj["user_id"],
            "role": obj["role"],
            "joined_at": obj.get("joined_at"),
            "membership_id": obj.get("id"),
            "workspace_id": obj["workspace_id"],
        }

    def _find(self, ctx: Context, workspace_id: str, user_id: str) -> dict[str, Any] | None:
        for m in ctx.client.paginate(f"/workspaces/{workspace_id}/members"):
            if m.get("user_id") == user_id:
                return {**m, "workspace_id": workspace_id}
        return None

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        ws, user = inputs["workspace_id"], inputs["user_id"]
        ctx.client.post(
            f"/workspaces/{ws}/members",
            json={"user_id": user, "role": inputs["role"]},
            idempotency_key=ctx.idempotency_key("add"),
        )
        found = self._find(ctx, ws, user)
        if found is None:
            raise StaleReplayError(f"member {user} was added but is not listed in workspace {ws}")
        return found

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        ws, _, user = id_.partition("/")
        return self._find(ctx, ws, user)

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._find(ctx, inputs["workspace_id"], inputs["user_id"])

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        ws, _, user = id_.partition("/")
        ctx.client.patch(f"/workspaces/{ws}/members/{user}", json={"role": inputs["role"]})

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        ws, _, user = id_.partition("/")
        ctx.client.delete(f"/workspaces/{ws}/members/{user}")


class WorkspaceMember(AkuaResource, module="akua", name="WorkspaceMember"):
    """A user's membership of a workspace. The id is ``<workspace_id>/<user_id>``.

    Workspaces have no invite-by-email: the user must exist and you need their user id.
    """

    provider_class = WorkspaceMemberProvider

    workspace_id: pulumi.Output[str]
    """The workspace."""
    user_id: pulumi.Output[str]
    """The member's user id."""
    role: pulumi.Output[str]
    """admin or member."""
    membership_id: pulumi.Output[str]
    """The wsm_ membership id."""
    joined_at: pulumi.Output[str]
    """When the user joined (ISO-8601)."""

    def __init__(
        self,
        resource_name: str,
        *,
        user_id: pulumi.Input[str],
        role: pulumi.Input[str] | None = None,
        workspace_id: pulumi.Input[str] | None = None,
        adopt: bool | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            resource_name,
            {"user_id": user_id, "role": role, "workspace_id": workspace_id, "adopt": adopt, "adopt_id": adopt_id},
            opts,
        )

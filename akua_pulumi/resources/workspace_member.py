"""``akua:WorkspaceMember``: a user's role in a workspace (key: workspace id + user id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ._fields import Field
from ._membership import MembershipProvider
from ._provider import CallBudget
from ._resource import AkuaResource

__all__ = ["WorkspaceMember", "WorkspaceMemberProvider"]


class WorkspaceMemberProvider(MembershipProvider):
    """Lifecycle of ``/workspaces/{id}/members``. The write endpoints return empty bodies, so every
    write is read back by listing the members (the list is not paginated)."""

    type_name = "akua:WorkspaceMember"
    parent_field = "workspace_id"
    members_path = "/workspaces/{parent}/members"
    contract_ops = ("workspaces.addMember", "workspaces.updateMember")
    call_budget = {
        "create": CallBudget(1, 1, "POST members (empty 201), GET members to read back"),
        "refresh": CallBudget(1, 0, "GET /workspaces/{id}/members (not paginated)"),
        "update": CallBudget(1, 1, "PATCH role (empty 200), GET members to read back"),
        "delete": CallBudget(0, 1, "DELETE /workspaces/{id}/members/{user_id}"),
    }
    fields = (
        Field.create_only("user_id", str, "The user to add (e.g. usr_...).", required=True, min_length=1, ours=True),
        Field.updatable("role", str, "admin or member (owner cannot be assigned).", default="member"),
        Field.output("membership_id", str, "The wsm_ membership id."),
        Field.output("joined_at", str, "When the user joined (ISO-8601)."),
    )

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().project(obj), "membership_id": obj.get("id")}


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

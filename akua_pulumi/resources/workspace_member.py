"""``akua:WorkspaceMember``: a user's role in a workspace (key: workspace id + user id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._akua import operations
from ._fields import Field
from ._generated import WorkspaceMemberArgs, WorkspaceMemberArgsDict, WorkspaceMemberBase
from ._membership import MembershipProvider

__all__ = ["WorkspaceMember", "WorkspaceMemberArgs", "WorkspaceMemberArgsDict", "WorkspaceMemberProvider"]


class WorkspaceMemberProvider(MembershipProvider):
    """Lifecycle of ``/workspaces/{id}/members``. The write endpoints return empty bodies, so every
    write is read back by listing the members (the list is not paginated)."""

    type_name = "akua:WorkspaceMember"
    step_operations = operations(
        "workspaces", create="addMember", read="listMembers", update="updateMember", delete="removeMember"
    )
    parent_field = "workspace_id"
    members_path = "/workspaces/{parent}/members"
    contract_ops = ("workspaces.addMember", "workspaces.updateMember")
    fields = (
        Field.create_only("user_id", str, "The user to add (e.g. usr_...).", required=True, min_length=1, ours=True),
        Field.updatable("role", str, "admin or member (owner cannot be assigned).", default="member"),
        Field.output("membership_id", str, "The wsm_ membership id."),
        Field.output("joined_at", str, "When the user joined (ISO-8601)."),
    )

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().project(obj), "membership_id": obj.get("id")}


class WorkspaceMember(WorkspaceMemberBase, module="akua", name="WorkspaceMember"):
    """A user's membership of a workspace. The id is ``<workspace_id>/<user_id>``.

    Workspaces have no invite-by-email: the user must exist and you need their user id.
    """

    provider_class = WorkspaceMemberProvider

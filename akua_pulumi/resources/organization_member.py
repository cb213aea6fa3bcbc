"""``akua:OrganizationMember``: a user's role in an organization (key: organization id + user id)."""

from __future__ import annotations

from typing import Any

from ..client import api_path
from ._akua import operations
from ._fields import Field, path_id
from ._generated import OrganizationMemberArgs, OrganizationMemberArgsDict, OrganizationMemberBase
from ._membership import MembershipProvider
from ._provider import Context

__all__ = ["OrganizationMember", "OrganizationMemberArgs", "OrganizationMemberArgsDict", "OrganizationMemberProvider"]


class OrganizationMemberProvider(MembershipProvider):
    """Lifecycle of ``/organizations/{id}/members``. Adding needs the organization's etag; role
    changes and removal need the member's. There is no single-member GET: reads list and filter."""

    type_name = "akua:OrganizationMember"
    step_operations = operations(
        "organizations", create="addMember", read="listMembers", update="updateMemberRole", delete="removeMember"
    )
    contract_ops = ("organizations.addMember", "organizations.updateMemberRole")
    workspace_scoped = False
    parent_field = "organization_id"
    members_path = "/organizations/{parent}/members"
    fields = (
        path_id("organization_id", "The organization.", 54),  # /organizations/{organization_id}/members
        Field.create_only("user_id", str, "The user to add.", required=True, min_length=1, ours=True),
        Field.updatable("role", str, "owner, admin or member.", default="member"),
        Field.output("email", str, "The member's email, when known."),
        Field.output("joined_at", int, "When the user joined, Unix seconds."),
        Field.output("etag", str, "The membership's revision."),
    )

    def parent_etag(self, ctx: Context, parent: str) -> str | None:
        return str(ctx.client.get(api_path("/organizations/{}", parent))["etag"])

    def delete_conflict_hint(self, error: Any) -> str:
        return f"{error.message} (the sole remaining owner cannot be removed: add another owner first)"


class OrganizationMember(OrganizationMemberBase, module="akua", name="OrganizationMember"):
    """A user's membership of an organization. The id is ``<organization_id>/<user_id>``."""

    provider_class = OrganizationMemberProvider

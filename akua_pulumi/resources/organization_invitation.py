"""``akua:OrganizationInvitation``: a pending email invitation to an organization."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ._akua import operations
from ._fields import ETAG, Field, path_id
from ._generated import OrganizationInvitationArgs, OrganizationInvitationArgsDict, OrganizationInvitationBase
from ._provider import AkuaProvider, Context

__all__ = [
    "OrganizationInvitation",
    "OrganizationInvitationArgs",
    "OrganizationInvitationArgsDict",
    "OrganizationInvitationProvider",
]


def _email_as_stored(email: Any) -> Any:
    """The API stores emails lower-cased: compare and store them that way, or every refresh diffs."""
    return email.strip().lower() if isinstance(email, str) else email


class OrganizationInvitationProvider(AkuaProvider):
    """Lifecycle of ``/organizations/{id}/invitations``.

    The list shows pending invitations only, so an accepted, cancelled or expired invitation reads
    as gone: refresh drops it, and the next ``up`` invites again unless the program stops declaring it.
    Create takes no Idempotency-Key; the pending-invitation check by email keeps retries from duplicating.
    """

    type_name = "akua:OrganizationInvitation"
    step_operations = operations(
        "organizations", create="createInvitation", read="listInvitations", update=None, delete="cancelInvitation"
    )
    contract_ops = ("organizations.createInvitation",)
    workspace_scoped = False
    natural_key = ("email",)
    precheck_natural_key = True
    #: One pending invitation per email: a replacement (new role...) must cancel the old one first.
    delete_before_replace = True
    fields = (
        path_id("organization_id", "The organization.", 54),  # /organizations/{organization_id}/invitations
        Field.create_only(
            "email",
            str,
            "Who to invite.",
            required=True,
            min_length=3,
            max_length=320,
            pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
            ours=True,
            normalize=_email_as_stored,
        ),
        Field.create_only("role", str, "Role granted on acceptance.", default="member"),
        Field.output("status", str, "pending, accepted or canceled."),
        Field.output("invited_by", str, "The inviting user."),
        Field.output("expires_at", int, "Expiry, Unix seconds."),
        ETAG,
    )

    def _pending(self, ctx: Context, org: str) -> list[dict[str, Any]]:
        return list(ctx.client.paginate(api_path("/organizations/{}/invitations", org)))

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        org = inputs["organization_id"]
        return dict(ctx.client.post(api_path("/organizations/{}/invitations", org), json=self.create_body(inputs)))

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return next((i for i in self._pending(ctx, state["organization_id"]) if i["id"] == id_), None)

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        email = str(inputs["email"]).lower()
        return next((i for i in self._pending(ctx, inputs["organization_id"]) if i["email"].lower() == email), None)

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        ctx.client.delete(api_path("/organizations/{}/invitations/{}", state["organization_id"], id_))


class OrganizationInvitation(OrganizationInvitationBase, module="akua", name="OrganizationInvitation"):
    """An invitation by email. Destroying it cancels the invitation if it is still pending."""

    provider_class = OrganizationInvitationProvider

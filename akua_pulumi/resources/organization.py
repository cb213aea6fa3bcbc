"""``akua:Organization``: a team identity that can manage customer workspaces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._akua import RestProvider, operations
from ._fields import CREATED_AT, ETAG, Field
from ._generated import OrganizationArgs, OrganizationArgsDict, OrganizationBase
from ._provider import Context

__all__ = ["Organization", "OrganizationArgs", "OrganizationArgsDict", "OrganizationProvider"]

#: The contract's organization-name pattern (Unicode letters/digits; inner spaces and -'&. allowed).


class OrganizationProvider(RestProvider):
    """Lifecycle of ``/organizations``. PATCH answers ``{ok: true}``, so updates are read back."""

    type_name = "akua:Organization"
    step_operations = operations("organizations")
    contract_ops = ("organizations.create", "organizations.update")
    collection = "/organizations"
    workspace_scoped = False
    natural_key = ("slug",)
    idempotent_create = True
    fields = (
        Field.updatable("name", str, "Display name (2-50 letters, digits, inner spaces and -'&.).", required=True),
        Field.updatable("slug", str, "URL slug (3-39 lower-case letters, digits, dashes).", server_default=True),
        Field.updatable("icon", str, "Icon URL (set through update after create).", server_default=True, send="update"),
        CREATED_AT,
        ETAG,
    )

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        org = self.create_and_read(ctx, self.create_body(inputs))
        later = self.sent_after_create(inputs)  # the icon is settable only through update
        if self.patch_changed(ctx, self.object_path(org["id"]), org["etag"], inputs, later) is None:
            return org
        return dict(ctx.client.get(self.object_path(org["id"])))

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        slug, name = inputs.get("slug"), inputs.get("name")
        for org in ctx.client.paginate("/organizations"):
            if (slug and org.get("slug") == slug) or (not slug and org.get("name") == name):
                return org
        return None


class Organization(OrganizationBase, module="akua", name="Organization"):
    """An organization. The caller becomes its owner. Adopt with ``adopt=True`` (by slug) or ``adopt_id``."""

    provider_class = OrganizationProvider

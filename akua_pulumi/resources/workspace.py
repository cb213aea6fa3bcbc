"""``akua:Workspace``: the tenant that owns clusters, regions, products, installs and members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rules import SLUG_PATTERN, slugify
from ._akua import RestProvider, operations
from ._fields import CREATED_AT, ETAG, Field
from ._generated import WorkspaceArgs, WorkspaceArgsDict, WorkspaceBase
from ._provider import Context

__all__ = ["Workspace", "WorkspaceArgs", "WorkspaceArgsDict", "WorkspaceProvider", "slugify"]


class WorkspaceProvider(RestProvider):
    """Lifecycle of ``/workspaces``."""

    type_name = "akua:Workspace"
    step_operations = operations("workspaces")
    collection = "/workspaces"
    delete_conflict_advice = "Remove what still blocks the workspace delete, then run `pulumi destroy` again."
    workspace_scoped = False
    natural_key = ("slug",)
    contract_ops = ("workspaces.create", "workspaces.update")
    fields = (
        Field.updatable("name", str, "Display name.", required=True),
        Field.updatable(
            "slug",
            str,
            "URL slug, unique across Akua: lower-case letters, digits, inner dashes. Defaults to a slug of the name.",
            server_default=True,
            pattern=SLUG_PATTERN,
            ours=True,
        ),
        Field.option("wait_for_deletion", bool, "On destroy, wait until the cascading delete finishes.", default=True),
        Field.output("plan", dict, "Subscription plan: tier and who bills it."),
        Field.output("workspace_class", str, "standard, platform or sandbox."),
        CREATED_AT,
        ETAG,
    )

    def _slug(self, inputs: Mapping[str, Any]) -> str:
        return str(inputs.get("slug") or slugify(str(inputs["name"])))

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        # workspaces.create takes no Idempotency-Key; the unique slug (always sent) is what makes a
        # retry detectable, see AkuaProvider._create_new.
        return dict(ctx.client.post("/workspaces", json={"name": inputs["name"], "slug": self._slug(inputs)}))

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        slug = self._slug(inputs)
        return next((w for w in ctx.client.paginate("/workspaces") if w.get("slug") == slug), None)

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        op = ctx.client.delete(self.object_path(id_), if_match=state["etag"])
        if state.get("wait_for_deletion", True) and op:
            ctx.client.wait_operation(op)


class Workspace(WorkspaceBase, module="akua", name="Workspace"):
    """An Akua workspace. Deleting it cascades to everything it owns.

    Adopt an existing workspace with ``adopt=True`` (matched by slug) or ``adopt_id="ws_..."``.
    """

    provider_class = WorkspaceProvider

"""``akua:WorkspaceSubdomain``: the one subdomain every workspace has (``<name>.<base domain>``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..client import api_path
from ._akua import operations
from ._fields import CREATED_AT, ETAG, OPERATION_TIMEOUT, Field, operation_timeout
from ._generated import WorkspaceSubdomainArgs, WorkspaceSubdomainArgsDict, WorkspaceSubdomainBase
from ._provider import AkuaProvider, Context, log

__all__ = ["WorkspaceSubdomain", "WorkspaceSubdomainArgs", "WorkspaceSubdomainArgsDict", "WorkspaceSubdomainProvider"]

DNS_LABEL = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"


class WorkspaceSubdomainProvider(AkuaProvider):
    """Lifecycle of ``/workspaces/{id}/subdomain``: a singleton with no create and no delete.

    * Create adopts the workspace's subdomain and renames it (``:setName``, an async Operation with
      If-Match and an Idempotency-Key) when the declared name differs; update renames the same way.
    * **Destroy leaves the name as it is** and only drops the subdomain from the stack: the API cannot
      delete it, and handing the name back to the slug-derived default could take a name customers
      already use. A rename another workspace holds fails with a 409 that names the conflict.
    * Deleting the workspace deletes its subdomain: refresh then drops it from state.
    """

    type_name = "akua:WorkspaceSubdomain"
    step_operations = operations("workspaceSubdomains", create="setName", update="setName", delete=())
    contract_ops = ("workspaceSubdomains.setName",)
    fields = (
        Field.updatable(
            "name",
            str,
            "The subdomain label: lower-case letters, digits and dashes (unique across Akua).",
            required=True,
            pattern=DNS_LABEL,
            ours=True,
        ),
        replace(OPERATION_TIMEOUT, description="How long to wait for the rename."),
        Field.output("fqdn", str, "The full host name, <name>.<base domain>."),
        Field.output("status", str, "active, propagating or reserved."),
        Field.output("name_changed_at", int, "Last rename, Unix seconds (None if never renamed)."),
        CREATED_AT,
        ETAG,
    )

    def _path(self, inputs: Mapping[str, Any]) -> str:
        return api_path("/workspaces/{}/subdomain", inputs["workspace_id"])

    def _set_name(self, ctx: Context, inputs: Mapping[str, Any], etag: str) -> None:
        op = ctx.client.post(
            f"{self._path(inputs)}:setName",
            json={"name": inputs["name"]},
            if_match=etag,
            idempotency_key=ctx.idempotency_key(f"name:{etag}"),
        )
        ctx.client.wait_operation(op, timeout=operation_timeout(inputs))

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        current: dict[str, Any] = ctx.client.get(self._path(inputs))
        if current.get("name") == inputs["name"]:
            return current
        self._set_name(ctx, inputs, str(current["etag"]))
        return dict(ctx.client.get(self._path(inputs)))

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return dict(ctx.client.get(self._path(inputs)))

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        sub: dict[str, Any] = ctx.client.get(self._path(state))
        return sub if sub.get("id") == id_ else None

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        self._set_name(ctx, inputs, str(state["etag"]))

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        log.info("akua:WorkspaceSubdomain %s: left as is (a workspace always has its subdomain)", state.get("name"))


class WorkspaceSubdomain(WorkspaceSubdomainBase, module="akua", name="WorkspaceSubdomain"):
    """The workspace's subdomain (a singleton): declaring it sets its name; destroy leaves the name."""

    provider_class = WorkspaceSubdomainProvider

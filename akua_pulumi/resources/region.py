"""``akua:Region``: a workspace-scoped label that groups clusters. The API cannot delete or rename it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ._akua import operations
from ._fields import CREATED_AT, Field
from ._generated import RegionArgs, RegionArgsDict, RegionBase
from ._provider import AkuaProvider, Context

__all__ = ["Region", "RegionArgs", "RegionArgsDict", "RegionProvider"]

log = pulumi.log


class RegionProvider(AkuaProvider):
    """Lifecycle of ``/regions`` (create and list only).

    Destroy cannot delete a region: the provider warns and drops it from state, and the region stays
    in the workspace (deleting the workspace removes it). Re-declaring it later adopts it by name.
    """

    type_name = "akua:Region"
    step_operations = operations("regions", read="list", update=None, delete=())
    contract_ops = ("regions.create",)
    natural_key = ("name",)
    precheck_natural_key = True
    # A region outlives every stack that declared it, so declaring it again takes it over.
    adopt_on_conflict = True
    fields = (
        Field.create_only("name", str, "Region name, unique within the workspace by our convention.", required=True),
        Field.create_only("icon", str, "Icon URL."),
        CREATED_AT,
    )

    def _list(self, ctx: Context) -> list[dict[str, Any]]:
        return list(ctx.client.paginate("/regions"))

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        return dict(ctx.client.post("/regions", json=self.create_body(inputs)))

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return next((r for r in self._list(ctx) if r["id"] == id_), None)

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_by_key(self._list(ctx), inputs)

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        pulumi.log.warn(
            f"Region {state.get('name')!r} ({id_}) cannot be deleted through the Akua API; it was removed from "
            "the stack but stays in the workspace until the workspace is deleted; declaring it again adopts it."
        )


class Region(RegionBase, module="akua", name="Region"):
    """A region. Destroy only forgets it (the API has no DELETE); see docs/resources/region.md."""

    provider_class = RegionProvider

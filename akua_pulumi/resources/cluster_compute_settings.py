"""``akua:ClusterComputeSettings``: autoscaling and the machine limit of a cluster (a singleton)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ._akua import operations
from ._fields import Field, id_bounds
from ._generated import ClusterComputeSettingsArgs, ClusterComputeSettingsArgsDict, ClusterComputeSettingsBase
from ._provider import AkuaProvider, Context, log

__all__ = [
    "ClusterComputeSettings",
    "ClusterComputeSettingsArgs",
    "ClusterComputeSettingsArgsDict",
    "ClusterComputeSettingsProvider",
]


class ClusterComputeSettingsProvider(AkuaProvider):
    """Lifecycle of ``/clusters/{id}/compute_settings``: a singleton with no create and no delete.

    * Create adopts the cluster's settings and PATCHes the declared ones when they differ; the id is
      the cluster id. Omitted fields are left as the API has them.
    * If-Match carries the **settings'** etag (its own counter, not the cluster's). ``auto_scaling_enabled``
      is written as a boolean and read back as ``auto_scaling: active|paused``.
    * ``max_machines`` above the plan's machine limit is refused (422) with the API's message.
    * **Destroy leaves the settings as they are** and only drops them from the stack; deleting the
      cluster removes them (refresh then drops them from state).
    """

    type_name = "akua:ClusterComputeSettings"
    step_operations = operations(
        "clusters", create="updateComputeSettings", read="getComputeSettings", update="updateComputeSettings", delete=()
    )
    id_key = "cluster_id"
    contract_ops = ("clusters.updateComputeSettings",)
    fields = (
        Field.create_only("cluster_id", str, "The cluster.", required=True, **id_bounds(54)),
        Field.updatable(
            "auto_scaling_enabled",
            bool,
            "Let Akua add and remove machines.",
            server_default=True,
            read="auto_scaling",  # written as a boolean, shown as active|paused
            decode=lambda shown: shown == "active",
        ),
        Field.updatable("max_machines", int, "Machine limit (0-100, at most the plan's).", server_default=True),
        Field.output("machines", int, "Machines the cluster has now."),
        Field.output("auto_scaling", str, "active or paused, as the API reports it."),
        Field.output("updated_at", int, "Last change, Unix seconds."),
        Field.output("etag", str, "Revision of the settings."),
    )

    def _path(self, cluster_id: Any) -> str:
        return api_path("/clusters/{}/compute_settings", cluster_id)

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        cid = inputs["cluster_id"]
        current = {**ctx.client.get(self._path(cid)), "cluster_id": cid}
        changed = {f.name for f in self.changed_fields({**inputs, **self.project(current)}, inputs)}
        patched = self.patch_changed(ctx, self._path(cid), current["etag"], inputs, changed)
        return {**patched, "cluster_id": cid} if patched is not None else current

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return {**ctx.client.get(self._path(id_)), "cluster_id": id_}

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.api_read(ctx, str(inputs["cluster_id"]), inputs)

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        self.patch_changed(ctx, self._path(id_), state["etag"], inputs, changed)

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        log.info("akua:ClusterComputeSettings %s: left as is (the settings belong to the cluster)", id_)


class ClusterComputeSettings(ClusterComputeSettingsBase, module="akua", name="ClusterComputeSettings"):
    """Autoscaling and the machine limit of a cluster. Declaring them converges the cluster's settings;
    destroy leaves them as they are."""

    provider_class = ClusterComputeSettingsProvider

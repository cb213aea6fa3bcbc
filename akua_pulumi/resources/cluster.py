"""``akua:Cluster``: a managed Kubernetes cluster, or an imported one (bring your own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ._akua import SuspendableProvider, operations
from ._fields import CREATED_AT, ETAG, HTML_URL, OMIT, Field, suspended
from ._generated import ClusterArgs, ClusterArgsDict, ClusterBase
from ._provider import Context

__all__ = ["Cluster", "ClusterArgs", "ClusterArgsDict", "ClusterProvider"]


class ClusterProvider(SuspendableProvider):
    """Lifecycle of ``/clusters``.

    * Managed create is an async Operation: the id is known only from ``response.cluster_id``.
    * ``import_kubeconfig`` switches to ``/clusters:import`` (synchronous, bring-your-own cluster).
    * GET never returns ``region_id``, ``network_profile`` or a kubeconfig: those are kept from state.
    * ``suspended`` maps onto the ``:suspend`` / ``:resume`` actions.
    * The kubeconfig is fetched once after create (owners and admins only) and kept as a secret.
    """

    type_name = "akua:Cluster"
    step_operations = operations(
        "clusters", create=("create", "import", "getKubeconfig"), update=("update", "suspend", "resume")
    )
    delete_conflict_advice = (
        "A cluster must be empty before it is deleted: destroy its installs first (with Pulumi, make each "
        "Install depend on the Cluster so destroy orders them)."
    )
    collection = "/clusters"
    delete_waits = True
    idempotent_create = True
    contract_ops = ("clusters.create", "clusters.import", "clusters.update")
    fields = (
        Field.updatable("name", str, "Cluster name.", required=True),
        Field.updatable(
            "region_id", str, "Region the cluster belongs to (not returned by the API).", required=True, write_only=True
        ),
        Field.create_only(
            "network_profile",
            str,
            "linux_cilium (default) or mixed_os_calico for Windows workers.",
            default="linux_cilium",
            write_only=True,
        ),
        Field.updatable(
            "import_kubeconfig",
            str,
            "Import an existing cluster with this kubeconfig instead of creating a managed one.",
            secret=True,
            write_only=True,
            wire="kubeconfig",
            cleared=OMIT,  # removing it keeps the cluster as it is
        ),
        suspended("Suspend (true) or resume (false) the cluster."),
        Field.option("fetch_kubeconfig", bool, "Fetch the kubeconfig after create.", default=True),
        Field.output("kubeconfig", str, "Kubeconfig for the cluster (secret).", secret=True, write_only=True),
        Field.output("state", str, "pending, provisioning, active, suspended or deleting."),
        Field.output("provider", str, "managed_kaas or imported_byoc."),
        HTML_URL,
        CREATED_AT,
        ETAG,
    )

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        out = super().project(obj)
        out["suspended"] = obj.get("state") == "suspended"
        return out

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = self.create_body(inputs)
        # Two endpoints: the import takes the kubeconfig, the managed create the network profile.
        if inputs.get("import_kubeconfig"):
            body.pop("network_profile", None)
            created = ctx.client.post("/clusters:import", json=body, idempotency_key=ctx.idempotency_key("import"))
            cluster_id = created["id"]
        else:
            body.pop("kubeconfig", None)
            op = ctx.client.post("/clusters", json=body, idempotency_key=ctx.idempotency_key("create"))
            done = ctx.client.wait_operation(op)
            cluster_id = done["response"]["cluster_id"]
        cluster = dict(ctx.client.get(self.object_path(cluster_id)))  # 404 here: a stale replay
        return self.created_suspended(ctx, cluster, inputs)

    def enrich(self, ctx: Context, obj: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        if inputs.get("fetch_kubeconfig", True):
            obj = {**obj, "kubeconfig": ctx.client.get(api_path("/clusters/{}/kubeconfig", obj["id"]))["kubeconfig"]}
        return obj


class Cluster(ClusterBase, module="akua", name="Cluster"):
    """A cluster in a region. ``kubeconfig`` is a secret output; see ``akua_pulumi.kubernetes``."""

    provider_class = ClusterProvider

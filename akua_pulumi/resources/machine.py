"""``akua:Machine``: a worker machine of a managed cluster (async create and delete, suspend and resume)."""

from __future__ import annotations

from typing import Any

from ..errors import Conflict
from ._akua import SuspendableProvider, operations
from ._context import AkuaResourceError
from ._fields import CREATED_AT, ETAG, OPERATION_TIMEOUT, Field, operation_timeout, suspended
from ._generated import MachineArgs, MachineArgsDict, MachineBase
from ._provider import Context

__all__ = ["Machine", "MachineArgs", "MachineArgsDict", "MachineProvider"]

#: What a machine refused for a full plan (or cluster) adds: how a replacement fits anyway.
_FULL_PLAN = (
    "If this machine replaces another (a changed cluster_id, compute_config_id, instance_type or node_claim), "
    "the new one is created before the old one is deleted: set "
    "opts=pulumi.ResourceOptions(delete_before_replace=True) to delete the old one first."
)

#: Live states in which the machine is (being) suspended.
_SUSPENDED = frozenset({"SUSPENDED", "SUSPENDING"})


class MachineProvider(SuspendableProvider):
    """Lifecycle of ``/machines``.

    * Create is an async Operation (``machine.create``) sent with a deterministic Idempotency-Key: the
      id comes from ``response.machine_id``; a replayed key whose machine is gone moves to the next key.
    * ``cluster_id``, ``compute_config_id``, ``instance_type`` and ``node_claim`` are create-only; the
      API never returns ``instance_type`` or ``node_claim`` (kept from state).
    * ``suspended`` maps onto the ``:suspend`` / ``:resume`` actions (async, If-Match, Idempotency-Key).
      Left undeclared it follows the server, as ``Cluster.suspended`` does: the platform suspends
      machines itself (a workspace back on Free), and ``up`` leaves that alone. Declare
      ``suspended=False`` to keep a machine running.
    * Delete is async (``machine.delete``), with If-Match and the required Idempotency-Key.
    * A plan limit that one more machine would exceed is a 409 whose message names the limit
      (``compute.max_machines``, ``compute.max_cpu_cores``, ``compute.max_memory_gib``) and says how to
      replace a machine on a full plan: a replacement creates the new machine before it deletes the old
      one, so it needs room for one more; ``opts=pulumi.ResourceOptions(delete_before_replace=True)``
      deletes the old one first.
    """

    type_name = "akua:Machine"
    step_operations = operations("machines", create=("create", "suspend"), update=("update", "suspend", "resume"))
    delete_conflict_advice = (
        "A machine can be deleted only when it is ACTIVE or SUSPENDED; wait for the running suspend, resume "
        "or create to finish and run destroy again."
    )
    collection = "/machines"
    delete_waits = True
    delete_idempotency = True
    idempotent_create = True
    contract_ops = ("machines.create", "machines.update")
    fields = (
        Field.create_only("cluster_id", str, "The managed cluster the machine joins.", required=True),
        Field.create_only(
            "compute_config_id", str, "The compute config (machine provider settings) it is built with.", required=True
        ),
        Field.create_only(
            "instance_type",
            str,
            "Provider instance type, e.g. cx23 (not returned by the API).",
            required=True,
            write_only=True,
        ),
        Field.create_only("node_claim", dict, "Extra node claim settings (not returned by the API).", write_only=True),
        Field.updatable("name", str, "Machine name (optional; names may repeat)."),
        suspended(
            "Suspend (true: the server is snapshotted and deleted, billing stops) or resume (false).",
            read="state",
            decode=lambda state: state in _SUSPENDED,
        ),
        Field.output("state", str, "ACTIVE, PROVISIONING, SUSPENDING, SUSPENDED, RESUMING or DELETING."),
        Field.output("provider_id", str, "Canonical provider URI of the server, e.g. compute://hcloud/server-1."),
        Field.output("node_name", str, "The Kubernetes node name."),
        Field.output("public_ip", str, "Public IPv4 (null while suspended).", read="provider_resource.public_ip"),
        OPERATION_TIMEOUT,
        CREATED_AT,
        ETAG,
    )

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        try:
            op = ctx.client.post(
                "/machines", json=self.create_body(inputs), idempotency_key=ctx.idempotency_key("create")
            )
        except Conflict as exc:
            if exc.plan_limit is None:
                raise
            raise AkuaResourceError(f"{self._label(inputs)}: create failed: {exc}. {_FULL_PLAN}") from None
        done = ctx.client.wait_operation(op, timeout=operation_timeout(inputs))
        machine = dict(ctx.client.get(self.object_path(done["response"]["machine_id"])))
        return self.created_suspended(ctx, machine, inputs)

    def suspend_body(self, suspended: bool) -> dict[str, Any] | None:
        return {"reason": "manual"} if suspended else {}


class Machine(MachineBase, module="akua", name="Machine"):
    """A worker machine of a managed cluster, built from a compute config and an instance type.

    ``suspended=True`` snapshots and stops it (billing stops), ``False`` resumes it.
    """

    provider_class = MachineProvider

"""``akua:Machine``: a worker machine of a managed cluster (async create and delete, suspend and resume)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ._fields import CREATED_AT, ETAG, OPERATION_TIMEOUT, Field, operation_timeout
from ._generated import MachineArgs, MachineArgsDict, MachineBase
from ._provider import AkuaProvider, Context

__all__ = ["Machine", "MachineArgs", "MachineArgsDict", "MachineProvider"]

#: Live states in which the machine is (being) suspended.
_SUSPENDED = frozenset({"SUSPENDED", "SUSPENDING"})


class MachineProvider(AkuaProvider):
    """Lifecycle of ``/machines``.

    * Create is an async Operation (``machine.create``) sent with a deterministic Idempotency-Key: the
      id comes from ``response.machine_id``; a replayed key whose machine is gone moves to the next key.
    * ``cluster_id``, ``compute_config_id``, ``instance_type`` and ``node_claim`` are create-only; the
      API never returns ``instance_type`` or ``node_claim`` (kept from state).
    * ``suspended`` maps onto the ``:suspend`` / ``:resume`` actions (async, If-Match, Idempotency-Key).
    * Delete is async (``machine.delete``), with If-Match and the required Idempotency-Key.
    * A plan limit that one more machine would exceed is a 409 whose message names the limit
      (``compute.max_machines``, ``compute.max_cpu_cores``, ``compute.max_memory_gib``).
    """

    type_name = "akua:Machine"
    step_operations = {
        "create": ("machines.create", "machines.suspend"),
        "read": ("machines.get",),
        "update": ("machines.update", "machines.suspend", "machines.resume"),
        "delete": ("machines.delete",),
    }
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
        Field.updatable(
            "suspended",
            bool,
            "Suspend (true: the server is snapshotted and deleted, billing stops) or resume (false).",
            server_default=True,
            send="never",  # the :suspend / :resume actions, not the PATCH
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
        op = ctx.client.post("/machines", json=self.create_body(inputs), idempotency_key=ctx.idempotency_key("create"))
        done = ctx.client.wait_operation(op, timeout=operation_timeout(inputs))
        machine: dict[str, Any] = ctx.client.get(api_path("/machines/{}", done["response"]["machine_id"]))
        if inputs.get("suspended"):
            self._set_suspended(ctx, machine, True, inputs)
            machine = ctx.client.get(api_path("/machines/{}", machine["id"]))
        return machine

    def _set_suspended(
        self, ctx: Context, machine: Mapping[str, Any], suspended: bool, values: Mapping[str, Any]
    ) -> None:
        action = "suspend" if suspended else "resume"
        op = ctx.client.post(
            api_path("/machines/{}", machine["id"]) + f":{action}",
            json={"reason": "manual"} if suspended else {},
            if_match=machine["etag"],
            idempotency_key=ctx.idempotency_key(f"{action}:{machine['etag']}"),
        )
        ctx.client.wait_operation(op, timeout=operation_timeout(values))

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return dict(ctx.client.get(api_path("/machines/{}", id_)))

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        body = self.update_body(inputs, changed)
        etag = state["etag"]
        if body:
            etag = ctx.client.patch(api_path("/machines/{}", id_), json=body, if_match=etag)["etag"]
        if "suspended" in changed and inputs.get("suspended") is not None:
            self._set_suspended(ctx, {"id": id_, "etag": etag}, bool(inputs["suspended"]), inputs)

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        etag = state["etag"]
        op = ctx.client.delete(
            api_path("/machines/{}", id_), if_match=etag, idempotency_key=ctx.idempotency_key(f"delete:{etag}")
        )
        if op:
            ctx.client.wait_operation(op, timeout=operation_timeout(state))

    def delete_conflict_hint(self, error: Any) -> str:
        return (
            f"{error.message}. A machine can be deleted only when it is ACTIVE or SUSPENDED; "
            "wait for the running suspend, resume or create to finish and run destroy again."
        )


class Machine(MachineBase, module="akua", name="Machine"):
    """A worker machine of a managed cluster, built from a compute config and an instance type.

    ``suspended=True`` snapshots and stops it (billing stops), ``False`` resumes it.
    """

    provider_class = MachineProvider

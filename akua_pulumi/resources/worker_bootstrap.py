"""``akua:WorkerBootstrap``: a join credential for a worker provisioned outside Akua, shown once."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ._fields import CREATED_AT, ETAG, Field, path_id
from ._generated import WorkerBootstrapArgs, WorkerBootstrapArgsDict, WorkerBootstrapBase
from ._provider import AkuaProvider, Context, StaleReplayError

__all__ = ["WorkerBootstrap", "WorkerBootstrapArgs", "WorkerBootstrapArgsDict", "WorkerBootstrapProvider"]


class WorkerBootstrapProvider(AkuaProvider):
    """Lifecycle of ``/clusters/{id}/worker_bootstraps`` (no update: every input replaces).

    * ``token``, ``command``, ``cloud_init`` and ``artifacts`` exist only in the create response: they
      are secret outputs, carried over from state by refresh (an adopted bootstrap has none).
    * Create sends a deterministic Idempotency-Key: a retry replays the stored response, token
      included. The bootstrap is read back; one that is no longer active (a replayed key of a revoked
      bootstrap) is skipped for the next key.
    * A bootstrap that is ``revoked`` or ``expired`` reads as gone, so the next ``up`` mints a new one.
      Expiry needs no read: once the ``expires_at`` in state has passed, a plain ``up`` (or preview)
      replaces the bootstrap; a revoke outside Pulumi shows with ``refresh`` (or ``up --refresh``).
    * Destroy revokes (``:revoke``, an async Operation); the row stays, ``revoked``.
    * A bootstrap lives under its cluster: ``WorkerBootstrap.get(name, id, cluster_id=...)`` names it
      (without it the read fails, saying so).
    """

    type_name = "akua:WorkerBootstrap"
    step_operations = {
        "create": ("clusters.createWorkerBootstrap", "clusters.getWorkerBootstrap"),
        "read": ("clusters.getWorkerBootstrap",),
        "delete": ("clusters.revokeWorkerBootstrap",),
    }
    idempotent_create = True
    contract_ops = ("clusters.createWorkerBootstrap",)
    fields = (
        path_id("cluster_id", "The managed cluster the worker joins.", 54),
        Field.create_only(
            "ttl_seconds", int, "Lifetime of the credential (API default 3600).", server_default=True, write_only=True
        ),
        Field.output("token", str, "The join token (secret; shown once, to the stack that created it).", secret=True,
                     write_only=True),
        Field.output("command", str, "A bash command joining a machine, token inside (secret).", secret=True,
                     write_only=True),
        Field.output("cloud_init", str, "cloud-init YAML joining a machine, e.g. a VM's user_data (secret).",
                     secret=True, write_only=True),
        Field.output("artifacts", dict, "Join commands per OS and architecture (secret).", secret=True,
                     write_only=True),
        Field.output("status", str, "active (revoked and expired bootstraps read as gone)."),
        Field.output("expires_at", int, "Expiry, Unix seconds."),
        CREATED_AT,
        ETAG,
    )  # fmt: skip

    def worn_out(self, olds: Mapping[str, Any]) -> str | None:
        # A bootstrap whose expires_at (in state) has passed joins nothing any more: a plain up replaces it.
        expires_at = olds.get("expires_at")
        return "expires_at" if isinstance(expires_at, (int, float)) and expires_at <= time.time() else None

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        path = api_path("/clusters/{}/worker_bootstraps", inputs["cluster_id"])
        created: dict[str, Any] = ctx.client.post(
            path, json=self.create_body(inputs), idempotency_key=ctx.idempotency_key("create")
        )
        live = self.api_read(ctx, created["id"], inputs)
        if live is None:
            raise StaleReplayError(f"worker bootstrap {created['id']} of a replayed create is no longer active")
        return {**created, **live}  # the read's etag and status; the shown-once values from the create

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        obj = dict(ctx.client.get(api_path("/clusters/{}/worker_bootstraps/{}", state["cluster_id"], id_)))
        return obj if obj.get("status") == "active" else None  # revoked or expired: gone, mint a new one

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        path = api_path("/clusters/{}/worker_bootstraps/{}", state["cluster_id"], id_) + ":revoke"
        op = ctx.client.post(path, if_match=state["etag"], idempotency_key=ctx.idempotency_key(f"revoke:{id_}"))
        if op:
            ctx.client.wait_operation(op)


class WorkerBootstrap(WorkerBootstrapBase, module="akua", name="WorkerBootstrap"):
    """A join credential for a worker you provision elsewhere; feed ``cloud_init`` to a VM's user data.

    ``token``, ``command`` and ``cloud_init`` are secret outputs known only to the stack that created it.
    """

    provider_class = WorkerBootstrapProvider

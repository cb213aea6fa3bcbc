"""Long-running operations: start, advance on a clock, complete with a side effect, cancel, wait."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...contract import contract
from ..db import Obj, Tx
from ..errors import LocalNotFound, Unprocessable, ValidationFailed
from ..util import new_id, now
from . import Req, Runtime, get_route, public, route
from .authz import accessible_workspaces
from .clock import sync

Complete = Callable[[Tx, Obj], Any]
Abort = Callable[[Tx, Obj], None]


@dataclass(frozen=True)
class Effect:
    """What happens when an operation of one metadata type finishes (or fails / is cancelled)."""

    complete: Complete
    abort: Abort | None = None


EFFECTS: dict[str, Effect] = {}
TIMERS: dict[str, Callable[[Tx, Runtime, str], None]] = {}


def effect(op_type: str, abort: Abort | None = None) -> Callable[[Complete], Complete]:
    """Register the completion side effect of ``op_type`` (returns the operation ``response``)."""

    def deco(fn: Complete) -> Complete:
        EFFECTS[op_type] = Effect(fn, abort)
        return fn

    return deco


def start(
    r: Req,
    op_type: str,
    owner_type: str,
    owner_id: str,
    metadata: dict[str, Any],
    workspace_id: str | None = None,
    internal: dict[str, Any] | None = None,
) -> Obj:
    """Create a RUNNING operation that completes after ``operation_delay`` (at once when it is 0)."""
    ws = workspace_id or r.workspace_id
    return begin(r.tx, r.rt, op_type, owner_type, owner_id, metadata, ws, by=r.principal.key, internal=internal)


def begin(
    tx: Tx,
    rt: Runtime,
    op_type: str,
    owner_type: str,
    owner_id: str,
    metadata: dict[str, Any],
    workspace_id: str | None,
    by: str | None,
    internal: dict[str, Any] | None = None,
) -> Obj:
    """:func:`start` without a request: ``by`` is who started it (``system`` for the emulator's own work)."""
    ts = now()
    oid = new_id("op")
    op: Obj = {
        "id": oid,
        "workspace_id": workspace_id,
        "organization_id": None,
        "owner_type": owner_type,
        "owner_id": owner_id,
        "parent_operation_id": None,
        "state": "RUNNING",
        "done": False,
        "html_url": f"https://app.akua.local/operations/{oid}",
        "metadata": {"type": op_type, **metadata},
        "response": None,
        "error": None,
        "last_error": None,
        "started_at": ts,
        "completed_at": None,
        "steps": [_step(op_type, "running", ts)],
        "_by": by,
        **(internal or {}),
    }
    fail = rt.fail_next.pop(op_type, None)
    if fail is not None:
        op["_fail"] = fail
    tx.insert("operation", op, workspace_id=op["workspace_id"])
    if rt.operation_delay <= 0:
        finish(tx, op)
    else:
        tx.schedule(oid, "op", rt.clock.time() + rt.operation_delay)
    return op


def _step(name: str, status: str, ts: int, error: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "status": status,
        "execution_type": "system",
        "started_at": ts,
        "completed_at": None if status == "running" else now(),
        "error_message": error,
        "retryable": False,
        "skippable": False,
    }


def _terminate(tx: Tx, op: Obj, state: str, message: str) -> None:
    eff = EFFECTS.get(op["metadata"]["type"])
    if eff and eff.abort:
        eff.abort(tx, op)
    op.update(state=state, done=True, error={"message": message}, completed_at=now())
    op["steps"] = [_step(op["metadata"]["type"], "failed", op["started_at"], message)]
    tx.unschedule(op["id"])
    tx.save(op)


def finish(tx: Tx, op: Obj) -> None:
    """Complete ``op`` now: SUCCEEDED with its effect, or FAILED when a failure was injected."""
    if op["done"]:
        return
    if "_fail" in op:
        _terminate(tx, op, "FAILED", op["_fail"])
        return
    eff = EFFECTS.get(op["metadata"]["type"])
    response = eff.complete(tx, op) if eff else None
    op.update(state="SUCCEEDED", done=True, response=response, completed_at=now())
    op["steps"] = [_step(op["metadata"]["type"], "completed", op["started_at"])]
    tx.unschedule(op["id"])
    tx.save(op)


def _advance_op(tx: Tx, rt: Runtime, ref: str) -> None:
    op = tx.get("operation", ref)
    if op is None:
        tx.unschedule(ref)
    else:
        finish(tx, op)


TIMERS["op"] = _advance_op


def advance(tx: Tx, rt: Runtime, at: float | None = None) -> None:
    """Run every timer that is due on the emulator clock (operations, renders), after :func:`.clock.sync`."""
    sync(tx, rt)
    for ref, action in tx.due(rt.clock.time() if at is None else at):
        TIMERS[action](tx, rt, ref)
        tx.unschedule(ref)


def render(op: Obj, steps: bool = True) -> Obj:
    out = public(op)
    if not steps:
        out.pop("steps", None)
    return out


def listed(op: Obj) -> bool:
    """Whether ``op``'s metadata type is a member of the contract's OperationMetadata union.

    Subscription reactivate/changeTier run as operations whose types the union lacks (API.md §1.11):
    their ids come only from an OperationEnvelope, and only ``operations.wait`` answers for them
    (docs/akua-local.md, "Operations the contract cannot describe").
    """
    return str((op.get("metadata") or {}).get("type")) in metadata_types()


@functools.cache
def metadata_types() -> frozenset[str]:
    """The ``type`` values of the bundled contract's OperationMetadata union."""
    union = contract().document["components"]["schemas"]["OperationMetadata"]["oneOf"]
    return frozenset(t for branch in union for t in branch["properties"]["type"].get("enum", []))


def _get(r: Req, wait: bool = False) -> Obj:
    """The operation of the path (authorize checked the caller may see it)."""
    op = r.tx.must("operation", r.path["id"], what="operation")
    if r.workspace_id and op["workspace_id"] not in (None, r.workspace_id):
        raise LocalNotFound(f"operation {r.path['id']} not found")
    if not wait and not listed(op):
        raise LocalNotFound(f"operation {r.path['id']} not found (wait on it with operations.wait)")
    return op


@route("operations.list", scope="ctx?")
def list_operations(r: Req) -> tuple[int, Any]:
    owner_type, owner_id = r.query.get("owner_type"), r.query.get("owner_id")
    if (owner_type is None) != (owner_id is None):
        missing = "owner_id" if owner_id is None else "owner_type"
        raise ValidationFailed("owner_type and owner_id must be given together", path=["query", missing])
    allowed = {r.workspace_id} if r.workspace_id else set(accessible_workspaces(r.tx, r.principal))

    def keep(op: Obj) -> bool:
        if op["workspace_id"] not in allowed or not listed(op):
            return False
        return owner_id is None or (op["owner_type"] == owner_type and op["owner_id"] == owner_id)

    return r.page("operation", keep=keep, render=lambda o: render(o, steps=False))


get_route("operations.get", _get, render, scope="ctx?")


@route("operations.cancel", scope="ctx?")
def cancel_operation(r: Req) -> tuple[int, Any]:
    op = _get(r)
    if op["done"]:
        raise Unprocessable(f"operation {op['id']} already finished ({op['state']})")
    _terminate(r.tx, op, "CANCELLED", "cancelled by request")
    return 202, render(op)


@route("operations.wait", scope="ctx?", own_tx=True)
def wait_operation(r: Req) -> tuple[int, Any]:
    """Long poll until the operation is terminal or ``timeout`` seconds pass (own transactions)."""
    deadline = time.time() + int(r.query.get("timeout", 30))
    while True:
        with r.store.tx() as tx:
            advance(tx, r.rt)
            r.tx = tx
            op = _get(r, wait=True)
            nxt = tx.next_due()
        left = deadline - time.time()
        if op["done"] or left <= 0:
            return 200, render(op)
        pause = 0.05 if nxt is None else max(0.005, min(0.25, nxt - r.rt.clock.time()))
        time.sleep(min(pause, left))

"""Machines, the workers of a cluster (API.md §7.1): async create, delete, suspend and resume; plan limits."""

from __future__ import annotations

import random
from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict, QuotaExceeded, Unprocessable
from ..util import canonical, clock_time, new_id, now, sha256
from . import Req, bump, check_etag, get_route, public, route, stamp
from .entitlements import allocation, limit, tier
from .hooks import object_path
from .operations import effect, start
from .operations import render as render_op

object_path("machines", "machine", "machine")

# name -> (vCPU, memory GiB, disk GB); Free workspaces on a system config may use only FREE_TYPES.
INSTANCE_TYPES: dict[str, tuple[int, int, int]] = {
    "cax11": (2, 4, 40),
    "cx23": (2, 4, 40),
    "cpx22": (3, 4, 80),
    "cax21": (4, 8, 80),
    "cax31": (8, 16, 160),
    "cx33": (4, 8, 80),
    "cx43": (8, 16, 160),
    "cpx32": (4, 8, 160),
}
FREE_TYPES = frozenset({"cax11", "cx23", "cpx22"})
SNAPSHOT_DAYS = 90
GIB = 1 << 30


def render(m: Obj) -> Obj:
    out = public(m)
    if out.get("name") is None:
        out.pop("name", None)
    return out


def fingerprint(r: Req, method: str, path: str) -> str:
    """SHA-256 of the method, the path and the canonical body (§7.1, ``request_fingerprint``)."""
    return sha256(canonical({"method": method, "path": path, "body": r.body}))


def machine_op(op: Obj) -> Obj:
    """A MachineOperation: the Operation plus ``operation_id`` (a copy of ``id``)."""
    return {**render_op(op), "operation_id": op["id"]}


def size(m: Obj) -> tuple[int, int]:
    """(cores, memory GiB) of a machine (unknown byom types count 0)."""
    cores, mem, _ = INSTANCE_TYPES.get(str(m.get("_instance_type")), (0, 0, 0))
    return cores, mem


def counted(tx: Tx, ws_id: str) -> list[Obj]:
    """The workspace's machines that count toward the plan (system configs only, not being deleted)."""
    return [m for m in tx.find("machine", workspace_id=ws_id) if m.get("_managed") and m["state"] != "DELETING"]


def usage(tx: Tx, metric: str, ws_id: str) -> int:
    """Units of a ``compute/*`` metric in use in ``ws_id`` (memory in bytes)."""
    ms = counted(tx, ws_id)
    if metric == "compute/machines":
        return len(ms)
    if metric == "compute/cpu":
        return sum(size(m)[0] for m in ms)
    if metric == "compute/memory":
        return sum(size(m)[1] for m in ms) * GIB
    return 0


def _enforce(tx: Tx, ws_id: str, itype: str) -> None:
    """409/7002 naming the plan limit one more machine of ``itype`` would exceed (checked at record creation)."""
    cores, mem, _ = INSTANCE_TYPES.get(itype, (0, 0, 0))
    needs = (
        ("compute/machines", "compute.max_machines", 1),
        ("compute/cpu", "compute.max_cpu_cores", cores),
        ("compute/memory", "compute.max_memory_gib", mem * GIB),
    )
    for metric, key, amount in needs:
        lim = limit(tx, ws_id, key)
        used = usage(tx, metric, ws_id)
        if lim is not None and used + amount > lim:
            raise QuotaExceeded(
                f"quota exceeded for {metric} (plan limit {key}): {used} in use + {amount} > limit {lim}"
                f" on tier {tier(tx, ws_id)}",
                metadata={"metric": metric, "limit": str(lim), "feature": key, "scope": "workspace"},
            )


def _check_type(tx: Tx, ws_id: str, itype: str, managed: bool) -> None:
    where = ["body", "instance_type"]
    if not managed:
        return  # byom: any type of the customer's account
    if itype not in INSTANCE_TYPES:
        raise Unprocessable(f"unknown instance type {itype!r} (known: {', '.join(INSTANCE_TYPES)})", path=where)
    alloc = allocation(tx, ws_id, "compute.all_instance_types")
    if itype not in FREE_TYPES and not alloc.get("value"):
        raise Unprocessable(
            f"instance type {itype!r} needs the plan feature compute.all_instance_types"
            f" (allowed: {', '.join(sorted(FREE_TYPES))})",
            path=where,
            metadata={"feature": "compute.all_instance_types"},
        )


def on_cluster(tx: Tx, cluster_id: str) -> list[Obj]:
    """The machines of a cluster (every state)."""
    return [m for m in tx.find("machine") if m["cluster_id"] == cluster_id]


def launching(tx: Tx, cluster_id: str) -> list[Obj]:
    ops = [o for o in tx.find("operation", parent_id=cluster_id) if o["metadata"]["type"] == "machine.create"]
    return [o for o in ops if not o["done"]]


def _cluster_cap(tx: Tx, cluster: Obj) -> int:
    from .compute import machine_limit

    settings = cluster.get("_compute") or {}
    return int(settings.get("max_machines", min(machine_limit(tx, cluster["workspace_id"]), 100)))


@route("machines.list")
def list_machines(r: Req) -> tuple[int, Any]:
    cid, state = r.query.get("cluster_id"), r.query.get("state")

    def keep(m: Obj) -> bool:
        return (cid is None or m["cluster_id"] == cid) and (state is None or m["state"] == state)

    return r.page("machine", workspace_id=r.ws, keep=keep, render=render)


@route("machines.create")
def create_machine(r: Req) -> tuple[int, Any]:
    b = r.body
    cluster = r.tx.must("cluster", b["cluster_id"], r.ws, "cluster")
    if cluster["state"] in ("deleting", "pending"):
        raise LocalConflict(f"cluster {cluster['id']} is {cluster['state']}; machines need an active cluster")
    if cluster.get("provider") != "managed_kaas":
        raise LocalConflict(f"cluster {cluster['id']} is imported; it brings its own nodes")
    cfg = r.tx.must("compute_config", b["compute_config_id"], r.ws, "compute config")
    scope = cfg["credential_scope"]
    managed = scope.get("kind") != "byom"
    if not managed:
        from .secrets import active_secret

        if active_secret(r.tx, r.ws, scope.get("secret_id", "")) is None:
            raise Unprocessable(
                f"compute config {cfg['id']}: its secret {scope.get('secret_id')} is not active",
                path=["body", "compute_config_id"],
            )
    itype = b["instance_type"]
    _check_type(r.tx, r.ws, itype, managed)
    if managed:  # the plan's limits first: they name the entitlement to raise
        _enforce(r.tx, r.ws, itype)
    present = [m for m in on_cluster(r.tx, cluster["id"]) if m["state"] != "DELETING"]
    cap = _cluster_cap(r.tx, cluster)
    if len(present) >= cap:
        raise LocalConflict(
            f"cluster {cluster['id']} already holds {len(present)} machines (its max_machines is {cap})",
            metadata={"max_machines": str(cap)},
        )
    if cluster["state"] == "suspended":  # adding a machine resumes a suspended cluster (§7.1)
        cluster["state"] = "active"
        r.tx.save(bump(cluster))
    m = stamp(
        "mch",
        r,
        cluster_id=cluster["id"],
        compute_config_id=cfg["id"],
        provider_id="",
        provider_resource={"identity_kind": "recyclable", "public_ip": None},
        name=b.get("name"),
        node_name=None,
        state="PROVISIONING",
        reconciling=True,
        _instance_type=itype,
        _node_claim=b.get("node_claim"),
        _managed=managed,
    )
    m["provider_id"] = _provider_id()
    r.tx.insert("machine", m, workspace_id=r.ws, parent_id=cluster["id"])
    queued = len(launching(r.tx, cluster["id"])) >= _launch_limit(r.tx, r.ws)  # queued ones count: FIFO
    meta = {
        "workspace_id": r.ws,
        "cluster_id": cluster["id"],
        "compute_config_id": cfg["id"],
        "instance_type": itype,
        "managed": managed,
        "request_fingerprint": fingerprint(r, "POST", "/machines"),
    }
    op = _start(r, "machine.create", m["id"], meta, parent=cluster["id"], queued=queued)
    return 202, machine_op(op)


def _launch_limit(tx: Tx, ws_id: str) -> int:
    lim = limit(tx, ws_id, "compute.max_concurrent_machine_launches")
    return 3 if lim is None else lim


def _start(r: Req, op_type: str, mid: str, meta: Obj, parent: str | None = None, queued: bool = False) -> Obj:
    """Start a machine Operation; a queued create waits (``pending`` step, not scheduled) for a launch slot."""
    op = start(r, op_type, "machine", mid, meta)
    if parent is not None:
        r.tx.conn.execute("UPDATE objects SET parent_id=? WHERE id=?", (parent, op["id"]))
    if queued and not op["done"]:
        r.tx.unschedule(op["id"])
        op["_queued"] = True
        op["steps"][0]["name"] = "pending"
        r.tx.save(op)
    return op


def _provider_id() -> str:
    return f"compute://hcloud/server-{random.randint(10_000_000, 99_999_999)}"


def _ip() -> str:
    return f"203.0.113.{random.randint(1, 254)}"


def _machine(r: Req) -> Obj:
    return r.tx.must("machine", r.path["id"], r.ws, "machine")


get_route("machines.get", _machine, render)


@route("machines.update")
def update_machine(r: Req) -> tuple[int, Any]:
    m = r.writable("machine")
    if "name" in r.body:
        m["name"] = r.body["name"]
    r.tx.save(bump(m))
    return 200, render(m)


def _transition(r: Req, op_type: str, allowed: tuple[str, ...], mid_state: str, method: str, suffix: str) -> Obj:
    m = _machine(r)
    check_etag(m, r.if_match)
    if m["state"] not in allowed:
        raise LocalConflict(f"machine {m['id']} is {m['state']}; {op_type} needs {' or '.join(allowed)}")
    m["_before"] = m["state"]
    m.update(state=mid_state, reconciling=True)
    r.tx.save(bump(m))
    meta = {
        "workspace_id": r.ws,
        "machine_id": m["id"],
        "request_fingerprint": fingerprint(r, method, f"/machines/{m['id']}{suffix}"),
    }
    return _start(r, op_type, m["id"], meta)


@route("machines.delete")
def delete_machine(r: Req) -> tuple[int, Any]:
    op = _transition(r, "machine.delete", ("ACTIVE", "SUSPENDED"), "DELETING", "DELETE", "")
    return 202, machine_op(op)


@route("machines.suspend")
def suspend_machine(r: Req) -> tuple[int, Any]:
    m = _machine(r)
    m["_reason"] = r.body.get("reason", "manual")
    r.tx.save(m)
    op = _transition(r, "machine.suspend", ("ACTIVE",), "SUSPENDING", "POST", ":suspend")
    return 202, machine_op(op)


@route("machines.resume")
def resume_machine(r: Req) -> tuple[int, Any]:
    op = _transition(r, "machine.resume", ("SUSPENDED",), "RESUMING", "POST", ":resume")
    return 202, machine_op(op)


# -- effects ---------------------------------------------------------------------------------------


def _settle(tx: Tx, op: Obj, **fields: Any) -> Obj | None:
    m = tx.get("machine", op["owner_id"])
    if m is None:
        return None
    m.pop("_before", None)
    m.update(reconciling=False, **fields)
    tx.save(bump(m))
    return m


def _promote(tx: Tx, cluster_id: str) -> None:
    """A launch slot freed: schedule the oldest queued ``machine.create`` of the cluster."""
    queued = [o for o in launching(tx, cluster_id) if o.get("_queued")]
    if queued:
        op = queued[-1]  # find() is newest first
        op.pop("_queued")
        op["steps"][0]["name"] = "machine.create"
        tx.save(op)
        tx.schedule(op["id"], "op", clock_time() + 0.2)


def _created_abort(tx: Tx, op: Obj) -> None:
    tx.delete(op["owner_id"])
    op["done"] = True
    tx.save(op)
    _promote(tx, op["metadata"]["cluster_id"])


@effect("machine.create", abort=_created_abort)
def _created(tx: Tx, op: Obj) -> Any:
    m = tx.get("machine", op["owner_id"])
    if m is not None:
        _settle(tx, op, state="ACTIVE", node_name=f"node-{m['id'][4:].lower()}")
        m = tx.get("machine", op["owner_id"]) or m
        m["provider_resource"]["public_ip"] = _ip()
        tx.save(m)
    op["done"] = True  # so this create no longer takes a launch slot
    tx.save(op)
    _promote(tx, op["metadata"]["cluster_id"])
    return {"type": "machine.create", "machine_id": op["owner_id"], "provider_id": (m or {}).get("provider_id", "")}


def _back(tx: Tx, op: Obj) -> None:
    m = tx.get("machine", op["owner_id"])
    if m is not None:
        _settle(tx, op, state=m.get("_before", "ACTIVE"))


@effect("machine.delete", abort=_back)
def _deleted(tx: Tx, op: Obj) -> Any:
    tx.delete(op["owner_id"])
    return {"type": "machine.delete", "machine_id": op["owner_id"]}


@effect("machine.suspend", abort=_back)
def _suspended(tx: Tx, op: Obj) -> Any:
    m = tx.get("machine", op["owner_id"])
    event = new_id("msus")
    if m is not None:
        disk = INSTANCE_TYPES.get(str(m.get("_instance_type")), (0, 0, 40))[2]
        suspension = {
            "event_id": event,
            "snapshot_ref": {"provider": "hcloud", "snapshot_id": random.randint(1, 2**31), "size_gb": disk},
            "expires_at": now() + SNAPSHOT_DAYS * 86400,
            "monthly_cost_cents": disk,
            "reason": m.pop("_reason", "manual"),
        }
        m["provider_resource"]["public_ip"] = None
        tx.save(m)
        _settle(tx, op, state="SUSPENDED", current_suspension=suspension)
    return {"type": "machine.suspend", "machine_id": op["owner_id"], "suspension_id": event}


@effect("machine.resume", abort=_back)
def _resumed(tx: Tx, op: Obj) -> Any:
    m = tx.get("machine", op["owner_id"])
    if m is not None:
        m.pop("current_suspension", None)
        m["provider_id"] = _provider_id()
        res = m["provider_resource"]
        res["public_ip"] = res["floating_ip"]["ipv4"] if res.get("floating_ip") else _ip()
        tx.save(m)
        _settle(tx, op, state="ACTIVE")
    return {"type": "machine.resume", "machine_id": op["owner_id"]}

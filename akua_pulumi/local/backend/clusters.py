"""Regions (create/list only) and clusters (async create/delete/suspend/resume, sync import)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict, Unprocessable
from ..util import new_id, now
from . import Req, bump, list_route, public, route
from .operations import effect, start
from .operations import render as render_op
from .quotas import enforce

CAPS_MAX_AGE = 3600


# -- regions ------------------------------------------------------------------------------------


@route("regions.list")
def list_regions(r: Req) -> tuple[int, Any]:
    return r.page("region", workspace_id=r.ws)


@route("regions.create")
def create_region(r: Req) -> tuple[int, Any]:
    reg = {
        "id": new_id("reg"),
        "name": r.body["name"],
        "icon": r.body.get("icon"),
        "workspace_id": r.ws,
        "created_at": now(),
    }
    return 201, r.tx.insert("region", reg, workspace_id=r.ws)


def region(r: Req, region_id: str) -> Obj:
    reg = r.tx.get("region", region_id)
    if reg is None or reg["workspace_id"] != r.ws:
        raise Unprocessable(f"unknown region {region_id}", path=["body", "region_id"])
    return reg


# -- clusters -----------------------------------------------------------------------------------


def render(c: Obj) -> Obj:
    return public(c)


def _new_cluster(r: Req, provider: str, state: str, extra: Obj) -> Obj:
    ts = now()
    cid = new_id("clu")
    c = {
        "id": cid,
        "html_url": f"https://app.akua.local/clusters/{cid}",
        "name": r.body["name"],
        "workspace_id": r.ws,
        "state": state,
        "provider": provider,
        "reconciling": state != "active",
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
        "_region_id": r.body["region_id"],
        "_caps_refreshed_at": None,
        **extra,
    }
    return r.tx.insert("cluster", c, workspace_id=r.ws)


list_route("clusters.list", "cluster", render)


@route("clusters.create")
def create_cluster(r: Req) -> tuple[int, Any]:
    region(r, r.body["region_id"])
    enforce(r.tx, "kaas/clusters", r.ws, r.principal.acting_user)
    c = _new_cluster(r, "managed_kaas", "pending", {"_network_profile": r.body.get("network_profile", "linux_cilium")})
    op = start(
        r,
        "cluster.create",
        "cluster",
        c["id"],
        {"workspace_id": r.ws, "region_id": r.body["region_id"], "name": c["name"]},
    )
    return 202, render_op(op)


@route("clusters.import")
def import_cluster(r: Req) -> tuple[int, Any]:
    region(r, r.body["region_id"])
    c = _new_cluster(r, "imported_byoc", "active", {"_kubeconfig": r.body["kubeconfig"]})
    return 200, render(c)


@route("clusters.get")
def get_cluster(r: Req) -> tuple[int, Any]:
    return 200, render(r.tx.must("cluster", r.path["id"], r.ws))


@route("clusters.update")
def update_cluster(r: Req) -> tuple[int, Any]:
    c = r.writable("cluster")
    if "region_id" in r.body:
        c["_region_id"] = region(r, r.body["region_id"])["id"]
    if "kubeconfig" in r.body:
        c["_kubeconfig"] = r.body["kubeconfig"]
    c.update({k: r.body[k] for k in ("name", "provider") if k in r.body})
    r.tx.save(bump(c))
    return 200, render(c)


def installs_on(tx: Tx, cluster_id: str) -> list[str]:
    return [i["id"] for i in tx.find("install") if i.get("cluster_id") == cluster_id and i["state"] != "deleted"]


@route("clusters.delete")
def delete_cluster(r: Req) -> tuple[int, Any]:
    c = r.writable("cluster")
    if c["state"] == "deleting":
        raise LocalConflict(f"cluster {c['id']} is already being deleted")
    busy = installs_on(r.tx, c["id"])
    if busy:
        raise LocalConflict(
            f"cluster {c['id']} still has installs: {', '.join(busy)}", metadata={"installs": ",".join(busy)}
        )
    c.update(state="deleting", reconciling=True, _state_before_delete=c["state"])
    r.tx.save(bump(c))
    return 202, render_op(start(r, "cluster.delete", "cluster", c["id"], {"cluster_id": c["id"]}))


def _transition(r: Req, op_type: str, need: str, mid: str) -> tuple[int, Any]:
    c = r.writable("cluster")
    if c["state"] != need:
        raise LocalConflict(f"cluster {c['id']} is {c['state']}; {op_type} needs {need}")
    c.update(state=mid, reconciling=True)
    r.tx.save(bump(c))
    return 202, render_op(start(r, op_type, "cluster", c["id"], {"cluster_id": c["id"]}))


@route("clusters.suspend")
def suspend_cluster(r: Req) -> tuple[int, Any]:
    return _transition(r, "cluster.suspend", "active", "active")


@route("clusters.resume")
def resume_cluster(r: Req) -> tuple[int, Any]:
    return _transition(r, "cluster.resume", "suspended", "suspended")


@route("clusters.refreshCapabilities")
def refresh_capabilities(r: Req) -> tuple[int, Any]:
    c = r.tx.must("cluster", r.path["id"], r.ws)
    if c["state"] in ("pending", "deleting"):
        raise LocalConflict(f"cluster {c['id']} is {c['state']}")
    return 202, render_op(start(r, "cluster.capabilities.refresh", "cluster", c["id"], {"cluster_id": c["id"]}))


@route("clusters.getCapabilities")
def get_capabilities(r: Req) -> tuple[int, Any]:
    c = r.tx.must("cluster", r.path["id"], r.ws)
    at = c.get("_caps_refreshed_at")
    if at is None:
        fresh: Obj = {
            "state": "missing",
            "max_age_seconds": CAPS_MAX_AGE,
            "age_seconds": None,
            "last_successful_at": None,
            "last_refresh_status": None,
            "last_refresh_error": None,
        }
    else:
        age = max(0, now() - at)
        fresh = {
            "state": "fresh" if age <= CAPS_MAX_AGE else "stale",
            "max_age_seconds": CAPS_MAX_AGE,
            "age_seconds": age,
            "last_successful_at": at,
            "last_refresh_status": "SUCCESS",
            "last_refresh_error": None,
        }
    return 200, {
        "api_groups": ["apps/v1", "gateway.networking.k8s.io/v1", "networking.k8s.io/v1"],
        "storage_classes": [
            {
                "name": "standard",
                "provisioner": "csi.akua.local",
                "is_default": True,
                "reclaim_policy": "Delete",
                "volume_binding_mode": "WaitForFirstConsumer",
            }
        ],
        "gateway_classes": ["cilium"],
        "gateways": [
            {
                "namespace": "akua-system",
                "name": "default",
                "gateway_class_name": "cilium",
                "listeners": [{"name": "https", "protocol": "HTTPS", "port": 443}],
                "status": "Ready",
            }
        ],
        "default_gateway": {"namespace": "akua-system", "name": "default"},
        "ingress_classes": [],
        "nodes": [
            {
                "name": f"{c['id']}-node-1",
                "roles": ["worker"],
                "version": "v1.31.0",
                "cpu_capacity": "2",
                "memory_capacity": "4Gi",
                "os_image": "Talos (v1.8.0)",
                "architecture": "amd64",
                "ready": c["state"] == "active",
            }
        ],
        "freshness": fresh,
    }


@route("clusters.getKubeconfig")
def get_kubeconfig(r: Req) -> tuple[int, Any]:
    c = r.tx.must("cluster", r.path["id"], r.ws)
    if "_kubeconfig" in c:
        return 200, {"kubeconfig": c["_kubeconfig"]}
    name = c["id"]
    text = (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: {name}\n  cluster:\n    server: https://{name}.k8s.akua.local:6443\n"
        f"contexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}-admin\n"
        f"current-context: {name}\n"
        f"users:\n- name: {name}-admin\n  user:\n    token: emulated-{name}\n"
    )
    return 200, {"kubeconfig": text}


# -- operation effects --------------------------------------------------------------------------


def _set_state(tx: Tx, op: Obj, state: str) -> Obj | None:
    c = tx.get("cluster", op["owner_id"])
    if c is not None:
        c.update(state=state, reconciling=False)
        tx.save(bump(c))
    return c


def _abort_create(tx: Tx, op: Obj) -> None:
    tx.delete(op["owner_id"])


@effect("cluster.create", abort=_abort_create)
def _created(tx: Tx, op: Obj) -> Any:
    _set_state(tx, op, "active")
    return {"type": "cluster.create", "cluster_id": op["owner_id"]}


def _abort_delete(tx: Tx, op: Obj) -> None:
    c = tx.get("cluster", op["owner_id"])
    if c is not None:
        _set_state(tx, op, c.pop("_state_before_delete", "active"))


@effect("cluster.delete", abort=_abort_delete)
def _deleted(tx: Tx, op: Obj) -> Any:
    tx.delete(op["owner_id"])
    return {"type": "cluster.delete", "cluster_id": op["owner_id"]}


def _back_to(state: str) -> Callable[[Tx, Obj], None]:
    def abort(tx: Tx, op: Obj) -> None:
        _set_state(tx, op, state)

    return abort


@effect("cluster.suspend", abort=_back_to("active"))
def _suspended(tx: Tx, op: Obj) -> Any:
    _set_state(tx, op, "suspended")
    return {"type": "cluster.suspend", "cluster_id": op["owner_id"]}


@effect("cluster.resume", abort=_back_to("suspended"))
def _resumed(tx: Tx, op: Obj) -> Any:
    _set_state(tx, op, "active")
    return {"type": "cluster.resume", "cluster_id": op["owner_id"]}


@effect("cluster.capabilities.refresh")
def _refreshed(tx: Tx, op: Obj) -> Any:
    c = tx.get("cluster", op["owner_id"])
    if c is not None:
        c["_caps_refreshed_at"] = now()
        tx.save(c)
    return {"type": "cluster.capabilities.refresh", "cluster_id": op["owner_id"]}

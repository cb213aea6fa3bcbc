"""Worker bootstraps: join credentials for self-provisioned workers of a cluster (API.md §7.2).

The token, command, cloud-init and artifacts are in the create response only; the row keeps a hash of the
token (so neither the database nor a later read can reveal it).
"""

from __future__ import annotations

from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict, LocalNotFound
from ..util import new_id, now, rand, sha256
from . import Req, bump, check_etag, get_route, public, route
from .hooks import after_effect, before
from .operations import effect, start
from .operations import render as render_op

DEFAULT_TTL = 3600
JOIN_URL = "https://join.akua.local"
REVOKE = "cluster.worker_bootstrap.revoke"


def render(b: Obj) -> Obj:
    """The stored row, with ``expired`` computed at read time (§7.2)."""
    out = public(b)
    if out["status"] == "active" and out["expires_at"] <= now():
        out["status"] = "expired"
    return out


def _cluster(r: Req) -> Obj:
    return r.tx.must("cluster", r.path["id"], r.ws, "cluster")


def _bootstrap(r: Req) -> Obj:
    cluster = _cluster(r)
    b = r.tx.get("worker_bootstrap", r.path["wbs_id"])
    if b is None or b["cluster_id"] != cluster["id"]:
        raise LocalNotFound(f"worker bootstrap {r.path['wbs_id']} not found on cluster {cluster['id']}")
    return b


def _artifacts(cluster: Obj, command: str, cloud_init: str, token_free_url: str) -> Obj:
    linux = {
        arch: {
            "supported": True,
            "command": command,
            "shell": "bash",
            "download_url": f"{token_free_url}/linux/{arch}",
            "cloud_init": cloud_init,
        }
        for arch in ("amd64", "arm64")
    }
    windows: Obj = {"amd64": {"supported": False}, "arm64": {"supported": False}}
    if cluster.get("_network_profile") == "mixed_os_calico":
        windows["amd64"] = {
            "supported": True,
            "command": command.replace("| sudo bash", "| powershell -Command -"),
            "shell": "powershell",
            "download_url": f"{token_free_url}/windows/amd64",
        }
    return {"linux": linux, "windows": windows}


@route("clusters.createWorkerBootstrap")
def create_bootstrap(r: Req) -> tuple[int, Any]:
    cluster = _cluster(r)
    if cluster.get("provider") != "managed_kaas":
        raise LocalConflict(f"cluster {cluster['id']} is imported; imported clusters bring their own nodes")
    if cluster["state"] not in ("active", "suspended"):
        raise LocalConflict(f"cluster {cluster['id']} is {cluster['state']}; a bootstrap needs active or suspended")
    ttl = int(r.body.get("ttl_seconds", DEFAULT_TTL))
    ts = now()
    bid = new_id("wbs")
    token = rand(64)
    url = f"{JOIN_URL}/clusters/{cluster['id']}/bootstrap"
    command = f"curl -fsSL {url}.sh | AKUA_JOIN_TOKEN={token} sudo bash"
    cloud_init = f"#cloud-config\nruncmd:\n  - [sh, -c, 'curl -fsSL {url}.sh | AKUA_JOIN_TOKEN={token} bash']\n"
    row: Obj = {
        "id": bid,
        "cluster_id": cluster["id"],
        "status": "active",
        "created_at": ts,
        "updated_at": ts,
        "expires_at": ts + ttl,
        "etag": "1",
        "reconciling": False,
        "active_operation": None,
        "_token_hash": sha256(token),
    }
    r.tx.insert("worker_bootstrap", row, workspace_id=r.ws, parent_id=cluster["id"])
    shown = {
        **render(row),
        "token": token,
        "command": command,
        "cloud_init": cloud_init,
        "artifacts": _artifacts(cluster, command, cloud_init, url),
    }
    return 201, shown


@route("clusters.listWorkerBootstraps")
def list_bootstraps(r: Req) -> tuple[int, Any]:
    cluster = _cluster(r)
    return r.page("worker_bootstrap", parent_id=cluster["id"], render=render)


get_route("clusters.getWorkerBootstrap", _bootstrap, render)


@route("clusters.revokeWorkerBootstrap")
def revoke_bootstrap(r: Req) -> tuple[int, Any]:
    b = _bootstrap(r)
    check_etag(b, r.if_match)
    status = render(b)["status"]
    if status != "active":
        raise LocalConflict(f"worker bootstrap {b['id']} is {status}; only an active one can be revoked")
    meta = {"cluster_id": b["cluster_id"], "worker_bootstrap_id": b["id"]}
    op = start(r, REVOKE, "cluster", b["cluster_id"], meta, internal={"_bootstrap": b["id"]})
    b = r.tx.get("worker_bootstrap", b["id"]) or b
    if not op["done"]:
        b.update(reconciling=True, active_operation={"id": op["id"], "type": REVOKE, "started_at": op["started_at"]})
    b["status"] = "revoked"
    r.tx.save(bump(b))
    return 202, render_op(op)


def _settle(tx: Tx, op: Obj) -> None:
    b = tx.get("worker_bootstrap", op.get("_bootstrap", ""))
    if b is not None:
        b.update(status="revoked", reconciling=False, active_operation=None)
        tx.save(bump(b))


@effect(REVOKE, abort=_settle)
def _revoked(tx: Tx, op: Obj) -> Any:
    _settle(tx, op)
    return {"type": REVOKE, "note": "token invalidated"}


def _revoke_all(r: Req) -> None:
    """Deleting a cluster revokes its active bootstraps right away (§7.2)."""
    for b in r.tx.find("worker_bootstrap", parent_id=r.path["id"]):
        if b["status"] == "active":
            b["status"] = "revoked"
            r.tx.save(bump(b))


def _gone_with_cluster(tx: Tx, op: Obj) -> None:
    for b in tx.find("worker_bootstrap", parent_id=op["owner_id"]):
        tx.delete(b["id"])


before("clusters.delete", _revoke_all)
after_effect("cluster.delete", _gone_with_cluster)

"""Compute configs and per-cluster compute settings (API.md §5.8-5.9)."""

from __future__ import annotations

from typing import Any

from ..db import Obj, Tx
from ..errors import Unprocessable, ValidationFailed
from ..util import now
from . import Req, bump, check_etag, get_route, list_route, public, route, stamp
from .entitlements import limit as entitlement_limit
from .secrets import active_secret

# -- compute configs -------------------------------------------------------------------------------


def _check_scope(r: Req, scope: Obj) -> None:
    """A byom scope names an active Secret of this workspace (and optionally one enabled version of it)."""
    if scope["kind"] != "byom":
        return
    where = ["body", "credential_scope"]
    secret = active_secret(r.tx, r.ws, scope["secret_id"])
    if secret is None:
        raise ValidationFailed(f"secret {scope['secret_id']} not found or not active", path=[*where, "secret_id"])
    vid = scope.get("secret_version_id")
    if vid is not None:
        v = r.tx.get("secret_version", vid)
        if v is None or v["secret_id"] != secret["id"] or v["state"] != "enabled":
            raise ValidationFailed(f"secret version {vid} not found or not enabled", path=[*where, "secret_version_id"])


def _config(r: Req) -> Obj:
    return r.tx.must("compute_config", r.path["id"], r.ws, "compute config")


list_route("computeConfigs.list", "compute_config", public)


@route("computeConfigs.create")
def create_config(r: Req) -> tuple[int, Any]:
    b = r.body
    _check_scope(r, b["credential_scope"])
    c = stamp(
        "ccf",
        r,
        name=b["name"],
        provider=b["provider"],
        provider_config=b["provider_config"],
        credential_scope=b["credential_scope"],
    )
    r.tx.insert("compute_config", c, workspace_id=r.ws)
    return 201, public(c)


get_route("computeConfigs.get", _config)


@route("computeConfigs.update")
def update_config(r: Req) -> tuple[int, Any]:
    c = r.writable("compute_config", "compute config")
    b = r.body
    if "credential_scope" in b:
        _check_scope(r, b["credential_scope"])
        c["credential_scope"] = b["credential_scope"]
    if "provider_config" in b:
        c["provider_config"] = {**c["provider_config"], **b["provider_config"]}
    if "name" in b:
        c["name"] = b["name"]
    r.tx.save(bump(c))
    return 200, public(c)


@route("computeConfigs.delete")
def delete_config(r: Req) -> tuple[int, Any]:
    c = r.writable("compute_config", "compute config")
    r.tx.delete(c["id"])
    return 200, public(c)


# -- cluster compute settings ----------------------------------------------------------------------


def machine_limit(tx: Tx, ws_id: str) -> int:
    """The plan's machine limit (entitlement ``compute.max_machines``; Free 1, Pro 3; unlimited → 100,
    the schema's maximum of ``max_machines``)."""
    found = entitlement_limit(tx, ws_id, "compute.max_machines")
    return 100 if found is None else found


def _settings(tx: Tx, cluster: Obj) -> Obj:
    s = cluster.get("_compute")
    if s is None:
        s = {
            "auto_scaling": "active",
            "machines": 0,
            "max_machines": min(machine_limit(tx, cluster["workspace_id"]), 100),
            "updated_at": cluster["created_at"],
            "etag": "1",
        }
    return dict(s)


@route("clusters.getComputeSettings")
def get_settings(r: Req) -> tuple[int, Any]:
    return 200, _settings(r.tx, r.tx.must("cluster", r.path["id"], r.ws, "cluster"))


@route("clusters.updateComputeSettings")
def update_settings(r: Req) -> tuple[int, Any]:
    c = r.tx.must("cluster", r.path["id"], r.ws, "cluster")
    s = _settings(r.tx, c)
    check_etag(s, r.if_match)
    b = r.body
    if "max_machines" in b:
        limit = machine_limit(r.tx, r.ws)
        if b["max_machines"] > limit:
            raise Unprocessable(
                f"max_machines {b['max_machines']} is above the plan's machine limit ({limit})",
                path=["body", "max_machines"],
            )
        s["max_machines"] = b["max_machines"]
    if "auto_scaling_enabled" in b:
        s["auto_scaling"] = "active" if b["auto_scaling_enabled"] else "paused"
    s["etag"] = str(int(s["etag"]) + 1)
    s["updated_at"] = now()
    c["_compute"] = s  # a separate counter: Cluster.etag does not move
    r.tx.save(c)
    return 200, dict(s)

"""Installs: async create/delete, version changes through renders, restore, automatic updates."""

from __future__ import annotations

from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict, LocalNotFound, Unprocessable
from ..util import new_id, now, rand
from . import Req, Runtime, bump, matching, public, route
from .operations import TIMERS, effect, start
from .operations import render as render_op
from .packages import resolve_pin, version

_HIDDEN = ("automatic_updates_enabled",)


def render(i: Obj) -> Obj:
    return public(i)


def _summary(v: Obj | None) -> Obj | None:
    return {"id": v["id"], "semver": v["semver"]} if v else None


def _lifecycle(i: Obj) -> Obj:
    return {
        "id": i["id"],
        "current_version": i["_current"],
        "desired_version": i["_desired"],
        "automatic_updates_enabled": i["_auto_updates"],
        "updated_at": i["updated_at"],
        "etag": i["etag"],
    }


def _validate_values(v: Obj, values: Obj) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        errors = list(Draft202012Validator(v["input_schema"]).iter_errors(values))
    except SchemaError:
        return
    if errors:
        e = errors[0]
        raise Unprocessable(
            f"initial_values: {e.message}",
            path=["body", "initial_values", *(str(p) for p in e.absolute_path)],
        )


def _bad(field: str, what: str) -> Unprocessable:
    return Unprocessable(f"unknown {what}", path=["body", field])


@route("installs.list")
def list_installs(r: Req) -> tuple[int, Any]:
    pid = r.query.get("product_id")
    return r.page("install", workspace_id=r.ws, keep=matching("product_id", pid), render=render)


@route("installs.create")
def create_install(r: Req) -> tuple[int, Any]:
    b, tx = r.body, r.tx
    product_id = b.get("product_id")
    if product_id is not None:
        prod = tx.get("product", product_id)
        # A customer workspace may install another (seller) workspace's product once it is published
        # on the marketplace; unpublished products are visible to their own workspace only.
        published = bool(prod and (prod.get("marketplace") or {}).get("published"))
        if prod is None or (prod["workspace_id"] != r.ws and not published):
            raise _bad("product_id", f"product {product_id}")
        if prod["state"] != "active":
            raise Unprocessable(f"product {product_id} is archived", path=["body", "product_id"])
        pkg_id, pin = prod["package"]["id"], prod["package"]["version_pin"]
    else:
        pkg_id, pin = b["package_id"], b["package_version_pin"]
        pkg = tx.get("package", pkg_id)
        if pkg is None or pkg["workspace_id"] != r.ws:
            raise _bad("package_id", f"package {pkg_id}")
    v = resolve_pin(tx, pkg_id, pin, ["body", "package_version_pin"])
    if v is None:
        raise Unprocessable(f"package {pkg_id} has no published version", path=["body", "package_version_pin"])
    reg = tx.get("region", b["region_id"])
    if reg is None or reg["workspace_id"] != r.ws:
        raise _bad("region_id", f"region {b['region_id']}")
    cluster_id = b.get("cluster_id")
    if cluster_id is not None:
        c = tx.get("cluster", cluster_id)
        if c is None or c["workspace_id"] != r.ws:
            raise _bad("cluster_id", f"cluster {cluster_id}")
    else:
        candidates = [
            c for c in tx.find("cluster", workspace_id=r.ws) if c["_region_id"] == reg["id"] and c["state"] == "active"
        ]
        cluster_id = candidates[-1]["id"] if candidates else None
    _validate_values(v, b.get("initial_values", {}))
    ws = tx.must("workspace", r.ws)
    ts = now()
    iid = new_id("inst")
    inst: Obj = {
        "id": iid,
        "html_url": f"https://app.akua.local/installs/{iid}",
        "workspace_id": r.ws,
        "customer_workspace": {"id": ws["id"], "name": ws["name"]},
        "package_version_id": v["id"],
        "state": "pending",
        "reconciling": True,
        "urls": [],
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
        "_region_id": reg["id"],
        "_initial_values": b.get("initial_values", {}),
        "_package_id": pkg_id,
        "_pin": pin,
        "_auto_updates": False,
        "_current": None,
        "_desired": _summary(v),
    }
    if cluster_id:
        inst["cluster_id"] = cluster_id
    if product_id:
        inst["product_id"] = product_id
    tx.insert("install", inst, workspace_id=r.ws)
    meta: Obj = {"idempotency_key": r.idempotency_key or "", "workspace_id": r.ws}
    if product_id:
        meta["product_id"] = product_id
    return 202, render_op(start(r, "install.create", "install", iid, meta))


@route("installs.get")
def get_install(r: Req) -> tuple[int, Any]:
    return 200, render(r.tx.must("install", r.path["id"], r.ws))


@route("installs.getStatus")
def get_status(r: Req) -> tuple[int, Any]:
    i = r.tx.must("install", r.path["id"], r.ws)
    healthy = i["state"] == "healthy"
    last = _renders(r.tx, i["id"])
    return 200, {
        "install_id": i["id"],
        "health": "Healthy" if healthy else ("Progressing" if i["reconciling"] else None),
        "sync": "Synced" if healthy else "OutOfSync",
        "revision": last[0]["commit_sha"] if last else None,
        "resources": [
            {
                "kind": "Deployment",
                "name": i["id"],
                "group": "apps",
                "version": "v1",
                "namespace": i["id"],
                "status": "Synced",
                "health": {"status": "Healthy"},
            }
        ]
        if healthy
        else None,
        "operation_phase": "Running" if i["reconciling"] else "Succeeded",
        "updated_at": i["updated_at"],
        "state": i["state"],
        "reconciling": i["reconciling"],
    }


@route("installs.delete")
def delete_install(r: Req) -> tuple[int, Any]:
    i = r.writable("install")
    if i["state"] == "deleted":
        raise LocalConflict(f"install {i['id']} is already deleted")
    i["reconciling"] = True
    r.tx.save(bump(i))
    return 202, render_op(start(r, "install.delete", "install", i["id"], {"install_id": i["id"]}))


def _renders(tx: Tx, install_id: str) -> list[Obj]:
    return tx.find("render", parent_id=install_id)


def _start_render(r: Req, i: Obj, v: Obj, restored_from: str | None = None) -> tuple[int, Any]:
    if i["state"] in ("pending", "deleted"):
        raise LocalConflict(f"install {i['id']} is {i['state']}")
    ts = now()
    rnd = {
        "id": new_id("rnd"),
        "workspace_id": i["workspace_id"],
        "install_id": i["id"],
        "operation_id": None,
        "repository_change_request_id": None,
        "render_hash": None,
        "commit_sha": None,
        "package_version_id": v["id"],
        "restored_from_render_id": restored_from,
        "state": "running",
        "message": None,
        "created_at": ts,
        "updated_at": ts,
    }
    r.tx.insert("render", rnd, workspace_id=i["workspace_id"], parent_id=i["id"])
    i.update(state="rendering", reconciling=True, _desired=_summary(v))
    r.tx.save(bump(i))
    if r.rt.operation_delay <= 0:
        _finish_render(r.tx, r.rt, rnd["id"])
        rnd = r.tx.must("render", rnd["id"])
        i = r.tx.must("install", i["id"])
    else:
        r.tx.schedule(rnd["id"], "render", r.rt.clock.time() + r.rt.operation_delay)  # the emulator clock
    return 202, {"install": _lifecycle(i), "render": rnd}


def _finish_render(tx: Tx, rt: Runtime, render_id: str) -> None:
    rnd = tx.get("render", render_id)
    if rnd is None or rnd["state"] != "running":
        return
    sha = rand(40)
    rnd.update(state="deployed", commit_sha=sha, render_hash=sha[:16], updated_at=now())
    tx.save(rnd)
    i = tx.get("install", rnd["install_id"])
    if i is not None:
        v = tx.get("package_version", rnd["package_version_id"])
        i.update(
            state="healthy",
            reconciling=False,
            package_version_id=rnd["package_version_id"],
            _current=_summary(v),
            _desired=None,
        )
        tx.save(bump(i))


TIMERS["render"] = _finish_render


@route("installs.updateVersion")
def update_version(r: Req) -> tuple[int, Any]:
    i = r.writable("install")
    try:
        v = version(r.tx, i["_package_id"], r.body["package_version_id"])
    except LocalNotFound:
        raise LocalNotFound(
            f"package version {r.body['package_version_id']} not found in package {i['_package_id']}",
            path=["body", "package_version_id"],
        ) from None
    return _start_render(r, i, v)


@route("installs.restore")
def restore(r: Req) -> tuple[int, Any]:
    i = r.writable("install")
    old = r.tx.get("render", r.body["render_id"])
    if old is None or old["install_id"] != i["id"]:
        raise LocalNotFound(f"render {r.body['render_id']} not found", path=["body", "render_id"])
    if old["state"] != "deployed":
        raise LocalConflict(f"render {old['id']} is {old['state']}; only deployed renders can be restored")
    return _start_render(r, i, r.tx.must("package_version", old["package_version_id"]), old["id"])


@route("installs.setAutomaticUpdates")
def set_automatic_updates(r: Req) -> tuple[int, Any]:
    i = r.writable("install")
    i["_auto_updates"] = r.body["automatic_updates_enabled"]
    r.tx.save(bump(i))
    return 200, {"install": _lifecycle(i), "render": None}


# -- operation effects --------------------------------------------------------------------------


@effect("install.create", abort=lambda tx, op: tx.delete(op["owner_id"]))
def _created(tx: Tx, op: Obj) -> Any:
    i = tx.get("install", op["owner_id"])
    if i is not None:
        ts = now()
        host = f"{i['id'].replace('_', '-')}.apps.akua.local"
        sha = rand(40)
        rnd = {
            "id": new_id("rnd"),
            "workspace_id": i["workspace_id"],
            "install_id": i["id"],
            "operation_id": op["id"],
            "repository_change_request_id": None,
            "render_hash": sha[:16],
            "commit_sha": sha,
            "package_version_id": i["package_version_id"],
            "restored_from_render_id": None,
            "state": "deployed",
            "message": None,
            "created_at": ts,
            "updated_at": ts,
        }
        tx.insert("render", rnd, workspace_id=i["workspace_id"], parent_id=i["id"])
        v = tx.get("package_version", i["package_version_id"])
        i.update(
            state="healthy",
            reconciling=False,
            _current=_summary(v),
            _desired=None,
            urls=[
                {
                    "route_key": "web",
                    "hostname": host,
                    "url": f"https://{host}",
                    "protocol": "http",
                    "routing_mode": "through_dispatcher",
                    "status": "active",
                    "updated_at": ts,
                }
            ],
        )
        tx.save(bump(i))
    return {
        "type": "install.create",
        "install_id": op["owner_id"],
        "argo_app_name": op["owner_id"],
        "argo_app_namespace": "akua-installs",
    }


def _abort_delete(tx: Tx, op: Obj) -> None:
    i = tx.get("install", op["owner_id"])
    if i is not None:
        i["reconciling"] = False
        tx.save(bump(i))


@effect("install.delete", abort=_abort_delete)
def _deleted(tx: Tx, op: Obj) -> Any:
    tx.conn.execute(
        "DELETE FROM objects WHERE id=? OR (kind IN ('render', 'preview_hostname') AND parent_id=?)",
        (op["owner_id"], op["owner_id"]),
    )
    return {"type": "install.delete", "argo_app_deleted": True, "repo_purged": True}

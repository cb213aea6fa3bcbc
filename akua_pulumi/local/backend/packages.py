"""Packages (hosted via async create, OCI via sync import), immutable versions, products, artifacts."""

from __future__ import annotations

import re
from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict, LocalNotFound, Unprocessable
from ..util import new_id, now
from . import Req, bump, public, reactivate, route, stamp
from .operations import effect, start
from .operations import render as render_op

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


# -- artifacts (published through /_local/artifacts) ------------------------------------------


def publish_artifact(tx: Tx, oci_ref: str, semver: str, ref: str, input_schema: Obj) -> Obj:
    """Admin hook: make ``oci_ref@semver`` exist in the emulated OCI registry."""
    key = f"{oci_ref}@{semver}"
    art = {
        "id": new_id("art"),
        "oci_ref": oci_ref,
        "semver": semver,
        "ref": ref,
        "input_schema": input_schema,
        "created_at": now(),
    }
    tx.conn.execute("DELETE FROM objects WHERE kind='artifact' AND natural_key=?", (key,))
    return tx.insert("artifact", art, natural_key=key)


def _check_artifact(tx: Tx, oci_ref: str, v: Obj, prefix: list[str]) -> None:
    """422 unless ``v`` (semver, ref, input_schema) matches the published artifact."""
    arts = tx.find("artifact", natural_key=f"{oci_ref}@{v['semver']}")
    if not arts:
        raise Unprocessable(f"no published artifact {oci_ref} version {v['semver']}", path=[*prefix, "semver"])
    for name in ("ref", "input_schema"):
        if arts[0][name] != v[name]:
            raise Unprocessable(f"{name} does not match the published artifact", path=[*prefix, name])


# -- packages ----------------------------------------------------------------------------------


def render_package(p: Obj, view: str = "basic") -> Obj:
    out = public(p)
    if view != "full":
        out.pop("composed_from_sources", None)
    return out


def _new_version(tx: Tx, pkg: Obj, body: Obj) -> Obj:
    ts = now()
    v = {
        "id": new_id("pkgv"),
        "package_id": pkg["id"],
        "semver": body["semver"],
        "ref": body["ref"],
        "input_schema": body["input_schema"],
        "published_at": ts,
        "created_at": ts,
        "etag": "1",
    }
    if "compatibility" in body:
        v["_compatibility"] = body["compatibility"]
    tx.insert(
        "package_version",
        v,
        workspace_id=pkg["workspace_id"],
        parent_id=pkg["id"],
        scope=pkg["id"],
        natural_key=body["semver"],
        conflict=f"version {body['semver']} already exists",
    )
    pkg["latest_version_id"] = v["id"]
    tx.save(bump(pkg))
    return v


def _package(ws: str, pid: str, name: str, source: Obj, body: Obj) -> Obj:
    return {
        "id": pid,
        "html_url": f"https://app.akua.local/packages/{pid}",
        "workspace_id": ws,
        "name": name,
        "latest_version_id": "",
        "description": body.get("description"),
        "display_image_url": body.get("display_image_url"),
        "source": source,
        "composed_from_sources": None,
        "created_at": now(),
        "etag": "0",
    }


@route("packages.list")
def list_packages(r: Req) -> tuple[int, Any]:
    view = r.query.get("view", "basic")
    return r.page("package", workspace_id=r.ws, render=lambda p: render_package(p, view))


@route("packages.get")
def get_package(r: Req) -> tuple[int, Any]:
    return 200, render_package(r.tx.must("package", r.path["id"], r.ws), r.query.get("view", "basic"))


@route("packages.create")
def create_package(r: Req) -> tuple[int, Any]:
    pid = new_id("pkg")
    meta = {"idempotency_key": r.idempotency_key or "", "workspace_id": r.ws, "name": r.body["name"]}
    return 202, render_op(start(r, "package.create", "package", pid, meta, internal={"_request": r.body}))


@effect("package.create")
def _package_created(tx: Tx, op: Obj) -> Any:
    body = op.get("_request") or {"name": op["metadata"]["name"], "sources": [{}]}
    src = body["sources"][0]
    repo = new_id("repo")
    pkg = _package(op["workspace_id"], op["owner_id"], body["name"], {"kind": "hosted", "repository_id": repo}, body)
    pkg["composed_from_sources"] = [dict(src)]
    tx.insert("package", pkg, workspace_id=op["workspace_id"])
    rev = str(src.get("target_revision", "0.1.0"))
    semver = rev.lstrip("v") if _SEMVER.match(rev.lstrip("v")) else "0.1.0"
    v = _new_version(
        tx,
        pkg,
        {
            "semver": semver,
            "ref": f"{src.get('repo_url', 'oci://hosted')}@{rev}",
            "input_schema": {"type": "object"},
        },
    )
    return {
        "type": "package.create",
        "package_id": pkg["id"],
        "package_version_id": v["id"],
        "repository_id": repo,
    }


@route("packages.importPublished")
def import_package(r: Req) -> tuple[int, Any]:
    _check_artifact(r.tx, r.body["oci_ref"], r.body["version"], ["body", "version"])
    if any(p["source"].get("oci_ref") == r.body["oci_ref"] for p in r.tx.find("package", workspace_id=r.ws)):
        raise LocalConflict(f"package {r.body['oci_ref']} is already imported in this workspace")
    pkg = _package(r.ws, new_id("pkg"), r.body["name"], {"kind": "oci", "oci_ref": r.body["oci_ref"]}, r.body)
    r.tx.insert("package", pkg, workspace_id=r.ws)
    _new_version(r.tx, pkg, r.body["version"])
    return 201, render_package(pkg)


@route("packages.delete")
def delete_package(r: Req) -> tuple[int, Any]:
    pkg = r.writable("package")
    users = [
        p["id"]
        for p in r.tx.find("product", workspace_id=r.ws)
        if p["package"]["id"] == pkg["id"] and p["state"] == "active"
    ]
    versions = {v["id"] for v in r.tx.find("package_version", parent_id=pkg["id"])}
    users += [i["id"] for i in r.tx.find("install") if i["package_version_id"] in versions and i["state"] != "deleted"]
    if users:
        raise LocalConflict(
            f"package {pkg['id']} is referenced by {', '.join(users)}",
            metadata={"referenced_by": ",".join(users)},
        )
    r.tx.conn.execute(
        "DELETE FROM objects WHERE id=? OR (kind='package_version' AND parent_id=?)", (pkg["id"], pkg["id"])
    )
    return 204, None


@route("packages.listVersions")
def list_versions(r: Req) -> tuple[int, Any]:
    pkg = r.tx.must("package", r.path["id"], r.ws)
    return r.page("package_version", parent_id=pkg["id"], render=public)


@route("packages.createVersion")
def create_version(r: Req) -> tuple[int, Any]:
    pkg = r.tx.must("package", r.path["id"], r.ws)
    if pkg["source"]["kind"] != "oci":
        raise Unprocessable("only OCI-backed packages accept new versions; hosted packages version through create")
    _check_artifact(r.tx, pkg["source"]["oci_ref"], r.body, ["body"])
    return 201, public(_new_version(r.tx, pkg, r.body))


def version(tx: Tx, pkg_id: str, vid: str) -> Obj:
    v = tx.get("package_version", vid)
    if v is None or v["package_id"] != pkg_id:
        raise LocalNotFound(f"package version {vid} not found")
    return v


@route("packages.getVersion")
def get_version(r: Req) -> tuple[int, Any]:
    r.tx.must("package", r.path["id"], r.ws)
    return 200, public(version(r.tx, r.path["id"], r.path["version_id"]))


@route("packages.getVersionInputs")
def get_version_inputs(r: Req) -> tuple[int, Any]:
    r.tx.must("package", r.path["id"], r.ws)
    return 200, version(r.tx, r.path["id"], r.path["version_id"])["input_schema"]


def resolve_pin(tx: Tx, pkg_id: str, pin: Obj, path: list[str]) -> Obj | None:
    """The version a pin resolves to (``latest``: newest, or None when there is none); 422 if unknown."""
    versions = tx.find("package_version", parent_id=pkg_id)
    if pin["kind"] == "latest":
        return versions[0] if versions else None
    for v in versions:
        if v["semver"] == pin["version"]:
            return v
    raise Unprocessable(f"package {pkg_id} has no version {pin['version']}", path=[*path, "version"])


# -- products ----------------------------------------------------------------------------------


def render_product(tx: Tx, p: Obj) -> Obj:
    out = public(p)
    v = (
        resolve_pin(tx, p["package"]["id"], p["package"]["version_pin"], [])
        if tx.get("package", p["package"]["id"])
        else None
    )
    out["package"] = {**p["package"], "default_version_id": v["id"] if v else None}
    return out


@route("products.list")
def list_products(r: Req) -> tuple[int, Any]:
    return r.page("product", workspace_id=r.ws, render=lambda p: render_product(r.tx, p))


@route("products.create")
def create_product(r: Req) -> tuple[int, Any]:
    b = r.body
    pkg = r.tx.get("package", b["package_id"])
    if pkg is None or pkg["workspace_id"] != r.ws:
        raise Unprocessable(f"unknown package {b['package_id']}", path=["body", "package_id"])
    resolve_pin(r.tx, pkg["id"], b["package_version_pin"], ["body", "package_version_pin"])
    p = stamp(
        "prod",
        r,
        html_page="products",
        name=b["name"],
        package={"id": pkg["id"], "version_pin": b["package_version_pin"]},
        marketplace=b.get("marketplace"),
        state="active",
    )
    p.update({k: b[k] for k in ("custom_image", "custom_description") if k in b})
    r.tx.insert("product", p, workspace_id=r.ws)
    return 201, render_product(r.tx, p)


@route("products.get")
def get_product(r: Req) -> tuple[int, Any]:
    return 200, render_product(r.tx, r.tx.must("product", r.path["id"], r.ws))


@route("products.update")
def update_product(r: Req) -> tuple[int, Any]:
    p = r.writable("product")
    b = r.body
    if "package_version_pin" in b:
        resolve_pin(r.tx, p["package"]["id"], b["package_version_pin"], ["body", "package_version_pin"])
        p["package"]["version_pin"] = b["package_version_pin"]
    for k in ("name", "marketplace", "custom_image", "custom_description"):
        if k in b:
            if b[k] is None:
                p.pop(k, None)  # null clears
            else:
                p[k] = b[k]
    r.tx.save(bump(p))
    return 200, render_product(r.tx, p)


@route("products.archive")
def archive_product(r: Req) -> tuple[int, Any]:
    p = r.writable("product")
    if p["state"] == "archived":
        raise LocalConflict(f"product {p['id']} is already archived")
    p.update(state="archived", archived_at=now())
    if "archive_reason" in r.body:
        p["archive_reason"] = r.body["archive_reason"]
    if r.body.get("cascade_offers"):
        archive_product_offers(r.tx, p["id"])
    r.tx.save(bump(p))
    return 200, render_product(r.tx, p)


def archive_product_offers(tx: Tx, product_id: str) -> None:
    """``products.archive`` with ``cascade_offers``: archive every live offer of the product."""
    for o in tx.find("offer"):
        if o.get("product_id") == product_id and o.get("archived_at") is None:
            o["archived_at"] = now()
            tx.save(bump(o))


@route("products.unarchive")
def unarchive_product(r: Req) -> tuple[int, Any]:
    p = reactivate(r, r.writable("product"), "product", "archived", "archived_at", "archive_reason")
    return 200, render_product(r.tx, p)

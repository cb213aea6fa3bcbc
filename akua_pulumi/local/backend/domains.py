"""Custom domains, the workspace subdomain and preview hostnames (API.md §5.2-5.4): async Operations.

Every write answers 202 with an Operation (Idempotency-Key required, enforced by the contract). Semantic
failures (a hostname taken platform-wide, a missing target, a render of another install, a subdomain
name that is not a DNS label) are accepted and end the operation ``FAILED`` with a message naming the
cause. The subdomain row of a workspace is made on first use with the name its creation would have had.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict, LocalNotFound
from ..util import new_id, now, rand
from . import Req, bump, check_etag, get_route, public, route, stamp
from .operations import effect, start
from .operations import render as render_op
from .secrets import active_secret

#: Base domain of workspace subdomains (kv key ``subdomain_base_domain`` overrides it).
BASE_DOMAIN = "akua.local"
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def _failing(cause: str | None) -> dict[str, Any]:
    return {"_fail": cause} if cause else {}


# -- async deletes (custom domains, preview hostnames) -------------------------------------------


def _release(r: Req, kind: str, obj: Obj, owner_type: str, owner_id: str) -> tuple[int, Any]:
    """Start deleting ``obj`` (202 and the Operation): it is ``releasing`` until the operation ends."""
    check_etag(obj, r.if_match)
    meta = {
        f"{owner_type}_id": owner_id,
        f"{kind}_id": obj["id"],
        "if_match": r.if_match,
        "idempotency_key": r.idempotency_key,
    }
    op = start(r, f"{kind}.delete", owner_type, owner_id, meta, internal={"_prior_status": obj["status"]})
    if not op["done"]:
        obj["status"] = "releasing"
        r.tx.save(bump(obj))
    return 202, render_op(op)


def _release_effect(kind: str, response: Callable[[Obj, str], Obj]) -> None:
    """Register the end of ``kind``'s delete: the object goes; an abort gives it its prior status back."""

    def abort(tx: Tx, op: Obj) -> None:
        obj = tx.get(kind, op["metadata"][f"{kind}_id"])
        if obj is not None:
            obj["status"] = op.get("_prior_status", "active")
            tx.save(bump(obj))

    @effect(f"{kind}.delete", abort=abort)
    def deleted(tx: Tx, op: Obj) -> Any:
        obj = tx.must(kind, op["metadata"][f"{kind}_id"])
        tx.delete(obj["id"])
        return response(obj, f"{kind}.delete")


# -- custom domains ----------------------------------------------------------------------------


def _target_problem(r: Req, target: Obj) -> str | None:
    kind = target["kind"]
    if kind in ("install", "cluster"):
        ref = r.tx.get(kind, target[f"{kind}_id"])
        if ref is None or ref["workspace_id"] != r.ws:
            return f"{kind} {target[f'{kind}_id']} not found in workspace {r.ws}"
    secret_id = target.get("mtls_secret_id")
    if kind == "external" and secret_id and active_secret(r.tx, r.ws, secret_id) is None:
        return f"secret {secret_id} not found in workspace {r.ws}"
    return None


def _domain(r: Req) -> Obj:
    return r.tx.must("custom_domain", r.path["custom_domain_id"], r.ws, "custom domain")


def _domain_response(d: Obj, op_type: str) -> Obj:
    return {"type": op_type, "workspace_id": d["workspace_id"], "custom_domain_id": d["id"], "hostname": d["hostname"]}


@route("customDomains.list", scope="path")
def list_domains(r: Req) -> tuple[int, Any]:
    kind, status = r.query.get("target_kind"), r.query.get("state")

    def keep(d: Obj) -> bool:
        return (kind is None or d["target"]["kind"] == kind) and (status is None or d["status"] == status)

    return r.page("custom_domain", workspace_id=r.ws, keep=keep, render=public)


get_route("customDomains.get", _domain, scope="path")


@route("customDomains.create", scope="path")
def create_domain(r: Req) -> tuple[int, Any]:
    b = r.body
    hostname = b["hostname"].lower().rstrip(".")
    meta = {
        "workspace_id": r.ws,
        "hostname": hostname,
        "target": b["target"],
        "protocol": b.get("protocol", "http"),
        "routing_mode": b.get("routing_mode", "through_dispatcher"),
        "idempotency_key": r.idempotency_key,
    }
    cause = _target_problem(r, b["target"])
    if cause is None and r.tx.find("custom_domain", natural_key=hostname, scope=""):
        cause = f"hostname {hostname} is already in use"
    if cause is not None:
        return 202, render_op(start(r, "custom_domain.create", "workspace", r.ws, meta, internal={"_fail": cause}))
    d = stamp(
        "cdm",
        r,
        hostname=hostname,
        target=b["target"],
        protocol=meta["protocol"],
        routing_mode=meta["routing_mode"],
        ssl={
            "status": "pending_validation",
            "validation_records": [{"type": "TXT", "name": f"_acme-challenge.{hostname}", "value": rand(32)}],
        },
        status="provisioning",
    )
    r.tx.insert("custom_domain", d, workspace_id=r.ws, natural_key=hostname, scope="")
    op = start(r, "custom_domain.create", "workspace", r.ws, meta, internal={"_domain_id": d["id"]})
    return 202, render_op(op)


def _abort_create(tx: Tx, op: Obj) -> None:
    if op.get("_domain_id"):
        tx.delete(op["_domain_id"])


@effect("custom_domain.create", abort=_abort_create)
def _created(tx: Tx, op: Obj) -> Any:
    d = tx.must("custom_domain", op["_domain_id"])
    d.update(status="active", ssl={"status": "active", "validation_records": []})
    tx.save(bump(d))
    return _domain_response(d, "custom_domain.create")


@route("customDomains.update", scope="path")
def update_domain(r: Req) -> tuple[int, Any]:
    d = _domain(r)
    check_etag(d, r.if_match)
    if d["status"] == "releasing":
        raise LocalConflict(f"custom domain {d['id']} is being deleted")
    meta: Obj = {
        "workspace_id": r.ws,
        "custom_domain_id": d["id"],
        **{k: r.body[k] for k in ("target", "protocol", "routing_mode") if k in r.body},
        "if_match": r.if_match,
        "idempotency_key": r.idempotency_key,
    }
    cause = _target_problem(r, r.body["target"]) if "target" in r.body else None
    r.tx.save(bump(d))
    return 202, render_op(start(r, "custom_domain.update", "workspace", r.ws, meta, internal=_failing(cause)))


@effect("custom_domain.update")
def _updated(tx: Tx, op: Obj) -> Any:
    d = tx.must("custom_domain", op["metadata"]["custom_domain_id"])
    d.update({k: op["metadata"][k] for k in ("target", "protocol", "routing_mode") if k in op["metadata"]})
    tx.save(bump(d))
    return _domain_response(d, "custom_domain.update")


@route("customDomains.delete", scope="path")
def delete_domain(r: Req) -> tuple[int, Any]:
    return _release(r, "custom_domain", _domain(r), "workspace", r.ws)


_release_effect("custom_domain", _domain_response)


# -- workspace subdomain -----------------------------------------------------------------------


def base_domain(tx: Tx) -> str:
    return tx.kv_get("subdomain_base_domain") or BASE_DOMAIN


def subdomain(tx: Tx, ws_id: str) -> Obj:
    """The workspace's subdomain, made on first use: name = slug (``-2``, ``-3`` … if taken)."""
    rows = tx.find("subdomain", workspace_id=ws_id)
    if rows:
        return rows[0]
    ws = tx.must("workspace", ws_id)
    name, n = ws["slug"], 1
    while tx.find("subdomain", natural_key=name, scope=""):
        n += 1
        name = f"{ws['slug'][: 63 - len(str(n)) - 1]}-{n}"
    sub: Obj = {
        "id": new_id("wsd"),
        "workspace_id": ws_id,
        "name": name,
        "fqdn": f"{name}.{base_domain(tx)}",
        "status": "active",
        "name_changed_at": None,
        "created_at": ws["created_at"],
        "updated_at": ws["created_at"],
        "etag": "1",
    }
    return tx.insert("subdomain", sub, workspace_id=ws_id, natural_key=name, scope="")


@route("workspaceSubdomains.get", scope="path")
def get_subdomain(r: Req) -> tuple[int, Any]:
    return 200, public(subdomain(r.tx, r.ws))


@route("workspaceSubdomains.setName", scope="path")
def set_subdomain_name(r: Req) -> tuple[int, Any]:
    sub = subdomain(r.tx, r.ws)
    check_etag(sub, r.if_match)
    name = r.body["name"]
    meta = {"workspace_id": r.ws, "name": name, "idempotency_key": r.idempotency_key}
    if name == sub["name"]:
        return 202, render_op(start(r, "workspace.subdomain.set_name", "workspace", r.ws, meta))
    if not _LABEL.match(name):
        cause = f"subdomain name {name!r} is not a DNS label (lower-case letters, digits and inner hyphens)"
        return 202, render_op(
            start(r, "workspace.subdomain.set_name", "workspace", r.ws, meta, internal={"_fail": cause})
        )
    holder = r.tx.find("subdomain", natural_key=name, scope="")
    if holder and holder[0]["id"] != sub["id"]:
        raise LocalConflict(f"subdomain name {name!r} is taken")
    sub["status"] = "propagating"
    r.tx.save(bump(sub), natural_key=name, conflict=f"subdomain name {name!r} is taken")  # reserve the name
    return 202, render_op(start(r, "workspace.subdomain.set_name", "workspace", r.ws, meta))


def _abort_rename(tx: Tx, op: Obj) -> None:
    sub = subdomain(tx, op["metadata"]["workspace_id"])
    if sub["status"] == "propagating":
        sub["status"] = "active"
        tx.save(bump(sub), natural_key=sub["name"])


@effect("workspace.subdomain.set_name", abort=_abort_rename)
def _renamed(tx: Tx, op: Obj) -> Any:
    sub = subdomain(tx, op["metadata"]["workspace_id"])
    name = op["metadata"]["name"]
    if sub["name"] != name:
        ts = now()
        sub.update(name=name, fqdn=f"{name}.{base_domain(tx)}", status="active", name_changed_at=ts)
        tx.save(bump(sub), natural_key=name)
    return {
        "type": "workspace.subdomain.set_name",
        "workspace_id": sub["workspace_id"],
        "workspace_subdomain_id": sub["id"],
        "fqdn": sub["fqdn"],
    }


# -- preview hostnames ---------------------------------------------------------------------------


def _install(r: Req) -> Obj:
    return r.tx.must("install", r.path["id"], r.ws, "install")


def _hostname(r: Req, install_id: str) -> Obj:
    h = r.tx.get("preview_hostname", r.path["preview_hostname_id"])
    if h is None or h["install_id"] != install_id:
        raise LocalNotFound(f"preview hostname {r.path['preview_hostname_id']} not found")
    return h


def _ph_response(h: Obj, op_type: str) -> Obj:
    return {"type": op_type, "install_id": h["install_id"], "preview_hostname_id": h["id"], "hostname": h["hostname"]}


@route("previewHostnames.list")
def list_hostnames(r: Req) -> tuple[int, Any]:
    i = _install(r)
    kind, track, status = r.query.get("binding_kind"), r.query.get("track"), r.query.get("state")

    def keep(h: Obj) -> bool:
        b = h["binding"]
        return (
            (kind is None or b["kind"] == kind)
            and (track is None or b.get("track") == track)
            and (status is None or h["status"] == status)
        )

    return r.page("preview_hostname", parent_id=i["id"], keep=keep, render=public)


@route("previewHostnames.get")
def get_hostname(r: Req) -> tuple[int, Any]:
    return 200, public(_hostname(r, _install(r)["id"]))


def _bind(r: Req, op_type: str, binding: Obj) -> tuple[int, Any]:
    i = _install(r)
    b = r.body
    meta: Obj = {
        "install_id": i["id"],
        **({"track": b["track"]} if "track" in b else {}),
        "render_id": b["render_id"],
        "protocol": b.get("protocol", "http"),
        "routing_mode": b.get("routing_mode", "through_dispatcher"),
        "idempotency_key": r.idempotency_key,
    }
    owner = r.tx.q("SELECT parent_id FROM objects WHERE id=? AND kind='render'", b["render_id"])
    if not owner or owner[0][0] != i["id"]:
        cause = f"render {b['render_id']} does not belong to install {i['id']}"
        return 202, render_op(start(r, op_type, "install", i["id"], meta, internal={"_fail": cause}))
    existing = None
    if binding["kind"] == "floating":
        existing = next(
            (
                h
                for h in r.tx.find("preview_hostname", parent_id=i["id"])
                if h["binding"]["kind"] == "floating" and h["binding"]["track"] == b["track"]
            ),
            None,
        )
    if existing is not None:
        if existing["status"] == "releasing":
            raise LocalConflict(f"preview hostname {existing['id']} is being deleted")
        return 202, render_op(start(r, op_type, "install", i["id"], meta, internal={"_hostname_id": existing["id"]}))
    ts = now()
    h: Obj = {
        "id": new_id("phn"),
        "workspace_id": r.ws,
        "install_id": i["id"],
        "hostname": f"{rand(10)}.{subdomain(r.tx, r.ws)['fqdn']}",
        "protocol": meta["protocol"],
        "routing_mode": meta["routing_mode"],
        "binding": binding,
        "status": "provisioning",
        "last_seen_at": None,
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
    }
    r.tx.insert("preview_hostname", h, workspace_id=r.ws, parent_id=i["id"])
    op = start(r, op_type, "install", i["id"], meta, internal={"_hostname_id": h["id"], "_new": True})
    return 202, render_op(op)


@route("previewHostnames.bindPinned")
def bind_pinned(r: Req) -> tuple[int, Any]:
    return _bind(r, "preview_hostname.bind_pinned", {"kind": "pinned", "render_id": r.body["render_id"]})


@route("previewHostnames.bindFloating")
def bind_floating(r: Req) -> tuple[int, Any]:
    binding = {"kind": "floating", "track": r.body["track"], "render_id": r.body["render_id"]}
    return _bind(r, "preview_hostname.bind_floating", binding)


def _abort_bind(tx: Tx, op: Obj) -> None:
    if op.get("_new") and op.get("_hostname_id"):
        tx.delete(op["_hostname_id"])


def _bound(tx: Tx, op: Obj) -> Any:
    h = tx.must("preview_hostname", op["_hostname_id"])
    m = op["metadata"]
    h["binding"] = {**h["binding"], "render_id": m["render_id"]}
    h.update(status="active", protocol=m["protocol"], routing_mode=m["routing_mode"])
    tx.save(bump(h))
    return _ph_response(h, m["type"])


effect("preview_hostname.bind_pinned", abort=_abort_bind)(_bound)
effect("preview_hostname.bind_floating", abort=_abort_bind)(_bound)


@route("previewHostnames.delete")
def delete_hostname(r: Req) -> tuple[int, Any]:
    i = _install(r)
    return _release(r, "preview_hostname", _hostname(r, i["id"]), "install", i["id"])


_release_effect("preview_hostname", _ph_response)

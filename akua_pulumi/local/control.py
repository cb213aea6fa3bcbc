"""The ``/_local`` control plane (loopback only, no auth): users, artifacts, faults, counters, drift."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .backend import bump
from .backend.operations import advance
from .backend.packages import publish_artifact
from .backend.tokens import issue_session
from .backend.workspaces import grant_management
from .db import Obj, Tx
from .errors import ApiError, NotFound, ValidationFailed
from .util import new_id, now

if False:  # pragma: no cover - typing only
    from .app import App

Handler = Callable[["App", dict[str, Any], dict[str, Any]], tuple[int, Any]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def control(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}$"), fn))
        return fn

    return deco


def handle_control(app: App, method: str, path: str, raw: bytes) -> tuple[int, Any]:
    """Dispatch one control-plane request."""
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return 400, {"error": "body is not JSON"}
    for m, rx, fn in ROUTES:
        hit = rx.match(path)
        if hit and m == method:
            try:
                return fn(app, hit.groupdict(), body)
            except ApiError as exc:
                return exc.status, exc.envelope()
            except (KeyError, TypeError, ValueError) as exc:
                return 400, {"error": f"bad request: {exc}"}
    return 404, {"error": f"no control endpoint {method} /_local{path}"}


@control("GET", "/health")
def _health(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    return 200, {"ok": True}


@control("POST", "/users")
def _users(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    uid = b.get("id") or new_id("usr")
    user = {"id": uid, "name": b["name"], "email": b["email"], "image": None, "created_at": now()}
    with app.store.tx() as tx:
        tx.insert("user", user, natural_key=b["email"].lower(), conflict=f"user {uid} or {b['email']} exists")
        token = issue_session(tx, uid)
    return 201, {"id": uid, "name": user["name"], "email": user["email"], "token": token}


@control("POST", "/artifacts")
def _artifacts(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    with app.store.tx() as tx:
        art = publish_artifact(tx, b["oci_ref"], b["semver"], b["ref"], b.get("input_schema", {}))
    return 201, art


@control("POST", r"/workspaces/(?P<ws>[^/]+)/management")
def _grant(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    with app.store.tx() as tx:
        return 200, grant_management(tx, p["ws"], b["organization_id"])


@control("GET", "/faults")
def _get_faults(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    return 200, app.faults.describe()


@control("PUT", "/faults")
def _set_faults(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    app.faults.configure(b)
    return 200, app.faults.describe()


@control("GET", "/counters")
def _counters(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    return 200, app.snapshot_counters()


@control("POST", "/counters:reset")
def _reset_counters(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    app.reset_counters()
    return 200, app.snapshot_counters()


@control("GET", "/config")
def _get_config(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    from .backend.domains import base_domain
    from .backend.secrets import retention

    with app.store.tx() as tx:
        estate = {"secret_retention_seconds": retention(tx), "subdomain_base_domain": base_domain(tx)}
    return 200, {"operation_delay_seconds": app.rt.operation_delay, "fail_next": dict(app.rt.fail_next), **estate}


@control("PUT", "/config")
def _set_config(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    stored = {"secret_retention_seconds": int, "subdomain_base_domain": str}  # kept in the DB (kv)
    unknown = set(b) - {"operation_delay_seconds", *stored}
    if unknown:
        raise ValidationFailed(f"unknown config keys: {', '.join(sorted(unknown))}")
    if "operation_delay_seconds" in b:
        app.rt.operation_delay = float(b["operation_delay_seconds"])
    with app.store.tx() as tx:
        for key, kind in stored.items():
            if key in b:
                tx.kv_set(key, str(kind(b[key])))
    return _get_config(app, p, b)


@control("POST", "/operations:fail-next")
def _fail_next(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    app.rt.fail_next[b["type"]] = b.get("message", "injected failure")
    return 200, {"fail_next": dict(app.rt.fail_next)}


@control("POST", "/operations:advance")
def _advance(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    """Complete every pending operation and render now, whatever its due time."""
    with app.store.tx() as tx:
        advance(tx, app.rt, at=float("inf"))
    return 200, {"ok": True}


def _object(tx: Tx, oid: str) -> tuple[str, Obj]:
    """``(kind, object)`` of any stored object by id, or 404."""
    found = tx.get_any(oid)
    if found is None:
        raise NotFound(f"object {oid} not found")
    return found


@control("GET", r"/objects/(?P<id>[^/]+)")
def _get_object(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    with app.store.tx() as tx:
        kind, obj = _object(tx, p["id"])
    return 200, {"kind": kind, "data": obj}


@control("PATCH", r"/objects/(?P<id>[^/]+)")
def _patch_object(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    with app.store.tx() as tx:
        kind, obj = _object(tx, p["id"])
        obj.update(b)
        if "etag" in obj:
            bump(obj)
        tx.save(obj)
    return 200, {"kind": kind, "data": obj}


@control("DELETE", r"/objects/(?P<id>[^/]+)")
def _delete_object(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    with app.store.tx() as tx:
        _object(tx, p["id"])
        tx.delete(p["id"])
    return 204, None


@control("POST", "/reset")
def _reset(app: App, p: dict[str, Any], b: dict[str, Any]) -> tuple[int, Any]:
    app.reset()
    return 200, {"ok": True, "owner_token": app.owner_token}

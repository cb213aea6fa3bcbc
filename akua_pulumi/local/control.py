"""The ``/_local`` control plane (loopback only, owner token required): users, artifacts, faults, counters, drift,
the clock.

The app checks the caller first (see :mod:`.limits`); handlers here get the :class:`Emulator` (the app, seen
through a protocol so this module never imports it), the path parameters decoded once, and the parsed body,
and validate every value before it takes effect (400 naming the field; 422 for the clock, whose body is
well-formed JSON that cannot be processed).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any, Protocol

from ..contract import is_email
from . import checks
from .backend import Runtime, bump, clock
from .backend.agents import CONTROL as AGENT_CONTROL
from .backend.operations import advance
from .backend.order_drafts import CONTROL as ORDER_DRAFT_CONTROL
from .backend.packages import publish_artifact
from .backend.seller_lookups import CONTROL as REPOSITORY_CONTROL
from .backend.tokens import issue_session
from .backend.workspaces import grant_management
from .db import Obj, Store, Tx
from .errors import LocalApiError, LocalNotFound, Unprocessable, ValidationFailed
from .faults import Faults
from .limits import decode_segment
from .util import new_id, now

__all__ = ["Emulator", "handle_control"]


class Emulator(Protocol):
    """What the control plane needs of the app."""

    store: Store
    rt: Runtime
    faults: Faults
    owner_token: str

    def reset(self) -> None: ...

    def reset_counters(self) -> None: ...

    def snapshot_counters(self) -> dict[str, Any]: ...


Handler = Callable[[Emulator, dict[str, str], Any], tuple[int, Any]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def control(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}$"), fn))
        return fn

    return deco


def handle_control(app: Emulator, method: str, path: str, raw: bytes) -> tuple[int, Any]:
    """Dispatch one control-plane request; ``path`` is still percent-encoded (segments decoded once here)."""
    for m, rx, fn in ROUTES:
        hit = rx.match(path)
        if hit and m == method:
            try:
                body = json.loads(raw) if raw.strip() else {}
            except (ValueError, RecursionError):
                return 400, ValidationFailed("request body is not JSON", path=["body"]).envelope()
            params = {k: decode_segment(v) for k, v in hit.groupdict().items()}
            try:
                with app.store.tx() as tx:
                    clock.sync(tx, app.rt)  # this emulator's now, for every handler below
                return fn(app, params, body)
            except LocalApiError as exc:
                return exc.status, exc.envelope()
            except (KeyError, TypeError, ValueError) as exc:  # a check missed above: still the caller's input
                return 400, ValidationFailed(f"bad request: {type(exc).__name__}").envelope()
    if any(rx.match(path) for _, rx, _ in ROUTES):
        return 405, LocalApiError(f"method {method} not allowed on /_local{path}", status=405).envelope()
    return 404, LocalNotFound(f"no control endpoint {method} /_local{path}").envelope()


def _user_id(b: dict[str, Any]) -> str:
    if not checks.optional(b, "id"):
        return new_id("usr")
    uid = checks.string(b, "id", 128)
    if not _ID.fullmatch(uid):
        raise ValidationFailed("id: letters, digits and _ . : - only (at most 128)", path=["body", "id"])
    return uid


@control("GET", "/health")
def _health(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    return 200, {"ok": True}


@control("POST", "/users")
def _users(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    b = checks.body_object(b, {"id", "name", "email"})
    uid, name, email = _user_id(b), checks.string(b, "name", 200), checks.string(b, "email", 254)
    if not is_email(email):
        raise ValidationFailed(f"email: {email!r} is not an email address", path=["body", "email"])
    user = {"id": uid, "name": name, "email": email, "image": None, "created_at": now()}
    with app.store.tx() as tx:
        tx.insert("user", user, natural_key=email.lower(), conflict=f"user {uid} or {email} exists")
        token = issue_session(tx, uid)
    return 201, {"id": uid, "name": user["name"], "email": user["email"], "token": token}


@control("POST", "/artifacts")
def _artifacts(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    b = checks.body_object(b, {"oci_ref", "semver", "ref", "input_schema"})
    oci_ref, semver, ref = checks.string(b, "oci_ref", 2048), checks.string(b, "semver", 256), checks.string(b, "ref")
    schema = b.get("input_schema", {})
    if not isinstance(schema, dict):
        raise ValidationFailed("input_schema: must be a JSON object", path=["body", "input_schema"])
    with app.store.tx() as tx:
        art = publish_artifact(tx, oci_ref, semver, ref, schema)
    return 201, art


@control("POST", r"/workspaces/(?P<ws>[^/]+)/management")
def _grant(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    org = checks.string(checks.body_object(b, {"organization_id"}), "organization_id", 128)
    with app.store.tx() as tx:
        return 200, grant_management(tx, p["ws"], org)


@control("GET", "/faults")
def _get_faults(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    return 200, app.faults.describe()


@control("PUT", "/faults")
def _set_faults(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    app.faults.configure(b)
    return 200, app.faults.describe()


@control("GET", "/counters")
def _counters(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    return 200, app.snapshot_counters()


@control("POST", "/counters:reset")
def _reset_counters(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    app.reset_counters()
    return 200, app.snapshot_counters()


MAX_DELAY = 3600.0  # seconds
MAX_RETENTION = 10 * 365 * 24 * 3600
_DOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")


@control("GET", "/config")
def _get_config(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    from .backend.domains import base_domain
    from .backend.secrets import retention

    with app.store.tx() as tx:
        estate = {"secret_retention_seconds": retention(tx), "subdomain_base_domain": base_domain(tx)}
        estate["per_user_free_quota"] = tx.kv_get("per_user_free_quota") == "1"  # API.md §6.5 (docs/roles.md)
    return 200, {"operation_delay_seconds": app.rt.operation_delay, "fail_next": dict(app.rt.fail_next), **estate}


@control("PUT", "/config")
def _set_config(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    b = checks.body_object(
        b, {"operation_delay_seconds", "secret_retention_seconds", "subdomain_base_domain", "per_user_free_quota"}
    )
    stored: dict[str, str] = {}  # kept in the DB (kv)
    delay = checks.number(b, "operation_delay_seconds", 0, MAX_DELAY) if "operation_delay_seconds" in b else None
    if "secret_retention_seconds" in b:
        stored["secret_retention_seconds"] = str(checks.integer(b, "secret_retention_seconds", 0, MAX_RETENTION))
    if "subdomain_base_domain" in b:
        domain = checks.string(b, "subdomain_base_domain", 253).lower()
        if not _DOMAIN.fullmatch(domain):
            raise ValidationFailed("subdomain_base_domain: must be a DNS name", path=["body", "subdomain_base_domain"])
        stored["subdomain_base_domain"] = domain
    if "per_user_free_quota" in b:
        if not isinstance(b["per_user_free_quota"], bool):
            raise ValidationFailed("per_user_free_quota: must be a boolean", path=["body", "per_user_free_quota"])
        stored["per_user_free_quota"] = "1" if b["per_user_free_quota"] else "0"
    if delay is not None:
        app.rt.operation_delay = delay
    with app.store.tx() as tx:
        for key, value in stored.items():
            tx.kv_set(key, value)
    return _get_config(app, p, b)


@control("POST", "/operations:fail-next")
def _fail_next(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    b = checks.body_object(b, {"type", "message"})
    app.rt.fail_next[checks.string(b, "type", 200)] = checks.string(b, "message", 2000, "injected failure")
    return 200, {"fail_next": dict(app.rt.fail_next)}


@control("POST", "/operations:advance")
def _advance(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    """Complete every pending operation and render now, whatever its due time."""
    with app.store.tx() as tx:
        advance(tx, app.rt, at=float("inf"))
    return 200, {"ok": True}


@control("GET", "/clock")
def _get_clock(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    return 200, clock.describe(app.rt)


def _seconds(b: Any) -> float:
    """``seconds`` of a clock advance: a number > 0 and at most :data:`.clock.MAX_STEP` (422 naming it)."""
    if not isinstance(b, dict):
        raise Unprocessable("the request body must be a JSON object {seconds}", path=["body"])
    unknown = sorted(set(b) - {"seconds"})
    if unknown:
        raise Unprocessable(f"{unknown[0]}: unknown field (only seconds)", path=["body", unknown[0]])
    value = b.get("seconds")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Unprocessable("seconds: is required, a number of seconds", path=["body", "seconds"])
    if not (isinstance(value, int) or math.isfinite(value)) or not 0 < value <= clock.MAX_STEP:
        raise Unprocessable(f"seconds: must be > 0 and at most {clock.MAX_STEP}", path=["body", "seconds"])
    return float(value)


@control("POST", "/clock:advance")
def _advance_clock(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    """Move the clock forward, complete what that made due, then retire what expired (docs/akua-local.md)."""
    seconds = _seconds(b)
    with app.store.tx() as tx:
        clock.move(tx, app.rt, seconds)
        advance(tx, app.rt)
        expired = clock.sweep(tx, app.rt)
    return 200, {**clock.describe(app.rt), "expired": expired}


def _object(tx: Tx, oid: str) -> tuple[str, Obj]:
    """``(kind, object)`` of any stored object by id, or 404."""
    found = tx.get_any(oid)
    if found is None:
        raise LocalNotFound(f"object {oid} not found")
    return found


@control("GET", r"/objects/(?P<id>[^/]+)")
def _get_object(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    with app.store.tx() as tx:
        kind, obj = _object(tx, p["id"])
    return 200, {"kind": kind, "data": obj}


@control("PATCH", r"/objects/(?P<id>[^/]+)")
def _patch_object(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    with app.store.tx() as tx:
        kind, obj = _object(tx, p["id"])
        b = checks.body_object(b)
        if "id" in b and b["id"] != obj.get("id"):
            raise ValidationFailed("id: an object's id cannot change", path=["body", "id"])
        obj.update(b)
        if "etag" in obj:
            bump(obj)
        tx.save(obj)
    return 200, {"kind": kind, "data": obj}


@control("DELETE", r"/objects/(?P<id>[^/]+)")
def _delete_object(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    with app.store.tx() as tx:
        _object(tx, p["id"])
        tx.delete(p["id"])
    return 204, None


@control("POST", "/reset")
def _reset(app: Emulator, p: dict[str, str], b: Any) -> tuple[int, Any]:
    app.rt.clock.offset = 0.0  # the wipe drops the stored offset too: back to wall time
    app.rt.clock.bind()
    app.reset()
    return 200, {"ok": True}


# Order drafts (§7.8), agent catalogues (§7.3), repositories (§7.7): only a customer or the platform makes them.
def _on_store(fn: Callable[[Store, Runtime, dict[str, str], Any], tuple[int, Any]]) -> Handler:
    return lambda app, p, b: fn(app.store, app.rt, p, b)


for _method, _pattern, _fn in (*ORDER_DRAFT_CONTROL, *AGENT_CONTROL, *REPOSITORY_CONTROL):
    control(_method, _pattern)(_on_store(_fn))

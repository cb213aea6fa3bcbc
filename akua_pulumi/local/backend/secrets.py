"""Secrets and their versions (API.md §5.1): append-only versions, soft delete with a purge time, access.

Payloads live only in the ``_value`` field of a version row and leave the emulator through ``:access``
alone. A soft-deleted secret keeps its name and payloads until ``purge_at``; rows past it are purged
lazily whenever the workspace's secrets are touched.
"""

from __future__ import annotations

import re
from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict, LocalNotFound, ValidationFailed
from ..util import new_id, now
from . import Req, bump, check_etag, matching, public, reactivate, route

#: Soft-delete retention (API.md is silent; emulator choice). Override per store with the kv key below.
RETENTION_SECONDS = 30 * 24 * 3600
RETENTION_KEY = "secret_retention_seconds"
_WRITE_ONLY = ("value", "aws_access_key_id", "username")
_TOKEN = re.compile(r"^[A-Za-z0-9]{64}$")


def retention(tx: Tx) -> int:
    raw = tx.kv_get(RETENTION_KEY)
    return int(raw) if raw is not None else RETENTION_SECONDS


def purge_due(tx: Tx, ws_id: str) -> None:
    """Remove soft-deleted secrets of ``ws_id`` whose ``purge_at`` has passed (with their versions)."""
    ts = now()
    for s in tx.find("secret", workspace_id=ws_id):
        if s["state"] == "soft_deleted" and s.get("purge_at", ts + 1) <= ts:
            erase(tx, s["id"])


def erase(tx: Tx, sid: str) -> None:
    """Remove a secret, its versions and audit rows at once (a purge or a forced delete)."""
    tx.conn.execute("DELETE FROM objects WHERE id=? OR parent_id=?", (sid, sid))


def _versions(tx: Tx, sid: str) -> list[Obj]:
    return tx.find("secret_version", parent_id=sid)


def render(tx: Tx, s: Obj) -> Obj:
    versions = _versions(tx, s["id"])
    out = public(s)
    out["version_count"] = len(versions)
    out["enabled_version_count"] = sum(1 for v in versions if v["state"] == "enabled")
    return out


def render_version(v: Obj) -> Obj:
    return public(v)


def new_secret(
    tx: Tx,
    ws_id: str,
    *,
    name: str,
    kind: str,
    value: str,
    description: str | None = None,
    labels: dict[str, str] | None = None,
    extra: Obj | None = None,
) -> Obj:
    """Insert a secret with version 1 holding ``value`` (also used by Cloudflare connections)."""
    purge_due(tx, ws_id)
    ts = now()
    sid = new_id("sec")
    s: Obj = {
        "id": sid,
        "html_url": f"https://app.akua.local/secrets/{sid}",
        "workspace_id": ws_id,
        "name": name,
        "kind": kind,
        "description": description or "",
        "labels": dict(labels or {}),
        "state": "active",
        "validation": {"state": "unspecified", "validated_at": ts},
        "version_aliases": {},
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
        "_extra": dict(extra or {}),
    }
    tx.insert("secret", s, workspace_id=ws_id, scope=ws_id, natural_key=name, conflict=f"secret name {name!r} is taken")
    _new_version(tx, s, value, None)
    return s


def _new_version(tx: Tx, s: Obj, value: str, comment: str | None) -> Obj:
    number = max((v["version_number"] for v in _versions(tx, s["id"])), default=0) + 1
    v: Obj = {
        "id": new_id("secv"),
        "secret_id": s["id"],
        "version_number": number,
        "state": "enabled",
        "created_at": now(),
        "etag": "1",
        "_value": value,
    }
    if comment is not None:
        v["comment"] = comment
    tx.insert("secret_version", v, workspace_id=s["workspace_id"], parent_id=s["id"])
    return v


def references(tx: Tx, ws_id: str, sid: str) -> list[str]:
    """What in ``ws_id`` refers to secret ``sid`` (blocks its delete): compute configs, domains, connections."""
    out = []
    for c in tx.find("compute_config", workspace_id=ws_id):
        if (c.get("credential_scope") or {}).get("secret_id") == sid:
            out.append(f"compute config {c['id']}")
    for d in tx.find("custom_domain", workspace_id=ws_id):
        if (d.get("target") or {}).get("mtls_secret_id") == sid:
            out.append(f"custom domain {d['id']}")
    for c in tx.find("cloudflare_connection", workspace_id=ws_id):
        if c.get("_secret_id") == sid:
            out.append(f"cloudflare connection {c['id']}")
    return out


def active_secret(tx: Tx, ws_id: str, sid: str) -> Obj | None:
    """The secret when it exists in ``ws_id`` and is not soft-deleted (for references from other nouns)."""
    purge_due(tx, ws_id)
    s = tx.get("secret", sid)
    if s is None or s["workspace_id"] != ws_id or s["state"] != "active":
        return None
    return s


def _secret(r: Req) -> Obj:
    purge_due(r.tx, r.ws)
    return r.tx.must("secret", r.path["id"], r.ws, "secret")


def _live(r: Req) -> Obj:
    """The secret for version paths: a soft-deleted secret's versions are unreadable (404) until undeleted."""
    s = _secret(r)
    if s["state"] != "active":
        raise LocalNotFound(f"secret {s['id']} is deleted")
    return s


def _version(r: Req, s: Obj) -> Obj:
    v = r.tx.get("secret_version", r.path["vid"])
    if v is None or v["secret_id"] != s["id"]:
        raise LocalNotFound(f"secret version {r.path['vid']} not found")
    return v


# -- secrets -----------------------------------------------------------------------------------


@route("secrets.list")
def list_secrets(r: Req) -> tuple[int, Any]:
    purge_due(r.tx, r.ws)
    kind = r.query.get("kind")
    return r.page("secret", workspace_id=r.ws, keep=matching("kind", kind), render=lambda s: render(r.tx, s))


@route("secrets.create")
def create_secret(r: Req) -> tuple[int, Any]:
    b = r.body
    s = new_secret(
        r.tx,
        r.ws,
        name=b["name"],
        kind=b["kind"],
        value=b["value"],
        description=b.get("description"),
        labels=b.get("labels"),
        extra={k: b[k] for k in _WRITE_ONLY[1:] if k in b},
    )
    return 201, render(r.tx, s)


@route("secrets.get")
def get_secret(r: Req) -> tuple[int, Any]:
    return 200, render(r.tx, _secret(r))


@route("secrets.update")
def update_secret(r: Req) -> tuple[int, Any]:
    s = _secret(r)
    check_etag(s, r.if_match)
    if s["state"] != "active":
        raise LocalConflict(f"secret {s['id']} is soft-deleted; undelete it first")
    b = r.body
    numbers = {v["version_number"] for v in _versions(r.tx, s["id"])}
    for alias, number in (b.get("version_aliases") or {}).items():
        if number not in numbers:
            raise ValidationFailed(f"secret has no version {number}", path=["body", "version_aliases", alias])
    s.update({k: b[k] for k in ("name", "description", "labels", "mime_type", "version_aliases") if k in b})
    r.tx.save(bump(s), natural_key=s["name"], conflict=f"secret name {s['name']!r} is taken")
    return 200, render(r.tx, s)


@route("secrets.delete")
def delete_secret(r: Req) -> tuple[int, Any]:
    s = _secret(r)
    check_etag(s, r.if_match)
    refs = references(r.tx, r.ws, s["id"])
    if refs:
        raise LocalConflict(f"secret {s['id']} is in use by {', '.join(refs)}")
    if r.query.get("force") == "true":
        erase(r.tx, s["id"])
        return 204, None
    if s["state"] == "active":
        ts = now()
        s.update(state="soft_deleted", deleted_at=ts, purge_at=ts + retention(r.tx))
        r.tx.save(bump(s))
    return 204, None


@route("secrets.undelete")
def undelete_secret(r: Req) -> tuple[int, Any]:
    s = _secret(r)
    check_etag(s, r.if_match)
    return 200, render(r.tx, reactivate(r, s, "secret", "deleted", "deleted_at", "purge_at"))


@route("secrets.validateToken", scope="any")
def validate_token(r: Req) -> tuple[int, Any]:
    if _TOKEN.match(str(r.body.get("value", ""))):
        return 200, {"valid": True}
    return 200, {"valid": False, "error": "an hcloud token is 64 letters or digits"}


# -- versions ----------------------------------------------------------------------------------


@route("secrets.createVersion")
def create_version(r: Req) -> tuple[int, Any]:
    s = _live(r)
    v = _new_version(r.tx, s, r.body["value"], r.body.get("comment"))
    r.tx.save(bump(s))
    return 201, render_version(v)


@route("secrets.listVersions")
def list_versions(r: Req) -> tuple[int, Any]:
    s = _live(r)
    state = r.query.get("state")
    return r.page("secret_version", parent_id=s["id"], keep=matching("state", state), render=render_version)


@route("secrets.getVersion")
def get_version(r: Req) -> tuple[int, Any]:
    s = _live(r)
    return 200, render_version(_version(r, s))


def _transition(r: Req, target: str) -> tuple[int, Any]:
    """enable/disable/destroy: a no-op when already there (no etag check, so retries are safe)."""
    s = _live(r)
    v = _version(r, s)
    if v["state"] == target:
        return 200, render_version(v)
    check_etag(v, r.if_match)
    if v["state"] == "destroyed":
        raise LocalConflict(f"secret version {v['id']} is destroyed")
    v["state"] = target
    if target == "destroyed":
        v["destroyed_at"] = now()
        v.pop("_value", None)
    r.tx.save(bump(v))
    r.tx.save(bump(s))
    return 200, render_version(v)


@route("secrets.enableVersion")
def enable_version(r: Req) -> tuple[int, Any]:
    return _transition(r, "enabled")


@route("secrets.disableVersion")
def disable_version(r: Req) -> tuple[int, Any]:
    return _transition(r, "disabled")


@route("secrets.destroyVersion")
def destroy_version(r: Req) -> tuple[int, Any]:
    return _transition(r, "destroyed")


@route("secrets.accessVersion")
def access_version(r: Req) -> tuple[int, Any]:
    s = _live(r)
    vid = r.path["vid"]
    versions = _versions(r.tx, s["id"])
    if vid == "latest":
        enabled = [v for v in versions if v["state"] == "enabled"]
        if not enabled:
            raise LocalNotFound(f"secret {s['id']} has no enabled version")
        v = max(enabled, key=lambda v: v["version_number"])
    elif vid.startswith("secv_"):
        v = _version(r, s)
    else:
        number = (s.get("version_aliases") or {}).get(vid)
        match = [v for v in versions if v["version_number"] == number]
        if not match:
            raise LocalNotFound(f"secret {s['id']} has no alias {vid!r}")
        v = match[0]
    if v["state"] == "disabled":
        raise LocalConflict(f"secret version {v['id']} is disabled")
    if v["state"] == "destroyed":
        raise LocalNotFound(f"secret version {v['id']} is destroyed", status=410)
    r.tx.insert(
        "secret_access",
        {"id": new_id("sacc"), "secret_id": s["id"], "version_id": v["id"], "by": r.principal.key, "at": now()},
        workspace_id=r.ws,
        parent_id=s["id"],
    )
    return 200, {"value": v["_value"]}

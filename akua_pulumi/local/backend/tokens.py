"""Credentials: session tokens of users and workspace API tokens (stored hashed, revocable)."""

from __future__ import annotations

from typing import Any

from ..db import Tx
from ..errors import NotFound, Unauthenticated
from ..util import new_id, now, rand, sha256
from . import Principal, Req, Runtime, route

API_TOKEN_PREFIX = "sk_akua_"


def issue_session(tx: Tx, user_id: str, token: str | None = None) -> str:
    """Store (the hash of) a session token for ``user_id`` and return it."""
    token = token or rand(32)
    tx.conn.execute(
        "INSERT OR REPLACE INTO tokens (hash, kind, user_id) VALUES (?, 'session', ?)",
        (sha256(token), user_id),
    )
    return token


def authenticate(tx: Tx, rt: Runtime, authorization: str | None) -> Principal:
    """Resolve ``Authorization: Bearer …`` to a principal, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("missing bearer token")
    token = authorization[7:].strip()
    rows = tx.q("SELECT kind, user_id, workspace_id, token_id, expires_at FROM tokens WHERE hash=?", sha256(token))
    if not rows:
        raise Unauthenticated("invalid or revoked token")
    kind, user_id, ws_id, token_id, expires_at = rows[0]
    if expires_at is not None and expires_at <= now():
        raise Unauthenticated("token expired")
    if kind == "api":
        rt.last_used[token_id] = now()
        return Principal(token_workspace_id=ws_id, token_id=token_id)
    return Principal(user_id=user_id)


@route("apiTokens.create", role="admin")
def create_token(r: Req) -> tuple[int, Any]:
    token = API_TOKEN_PREFIX + rand(32)
    tok = {
        "id": new_id("tok"),
        "workspace_id": r.ws,
        "name": r.body["name"],
        "prefix": token[:12],
        "created_at": now(),
        "last_used_at": None,
        "expires_at": r.body.get("expires_at"),
    }
    r.tx.insert("api_token", tok, workspace_id=r.ws)
    r.tx.conn.execute(
        "INSERT INTO tokens (hash, kind, workspace_id, token_id, expires_at) VALUES (?, 'api', ?, ?, ?)",
        (sha256(token), r.ws, tok["id"], tok["expires_at"]),
    )
    return 201, {"id": tok["id"], "workspace_id": r.ws, "name": tok["name"], "token": token}


@route("apiTokens.list", role="admin")
def list_tokens(r: Req) -> tuple[int, Any]:
    def render(t: dict[str, Any]) -> dict[str, Any]:
        return {**t, "last_used_at": r.rt.last_used.get(t["id"], t["last_used_at"])}

    return r.page("api_token", workspace_id=r.ws, render=render)


@route("apiTokens.revoke", role="admin")
def revoke_token(r: Req) -> tuple[int, Any]:
    tok = r.tx.get("api_token", r.path["id"])
    if tok is None or tok["workspace_id"] != r.ws:
        raise NotFound(f"api token {r.path['id']} not found")
    r.tx.delete(tok["id"])
    r.tx.conn.execute("DELETE FROM tokens WHERE token_id=?", (tok["id"],))
    return 204, None

"""Credentials: session tokens of users and workspace API tokens (stored hashed, revocable).

A workspace API token records its creator and the role it was minted with (the creator's effective
role then, or the minting token's role); it acts with exactly that role and is revoked the moment
its creator's effective role drops below it (API.md §6.1, :func:`revoke_stale`).
"""

from __future__ import annotations

from typing import Any

from ...roles import ROLE_RANK
from ..db import Obj, Tx
from ..errors import LocalNotFound, Unauthenticated
from ..util import new_id, now, rand, sha256
from . import Principal, Req, Runtime, public, route
from .authz import user_role

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
        tok = tx.get("api_token", token_id)
        if tok is None or _stale(tx, tok):
            _revoke(tx, token_id)  # e.g. ownership reassigned out of band (/_local) since the last check
            raise Unauthenticated("invalid or revoked token")
        rt.last_used[token_id] = now()
        return Principal(
            token_workspace_id=ws_id,
            token_id=token_id,
            token_role=str(tok.get("_role", "owner")),
            token_creator=tok.get("_created_by"),
        )
    return Principal(user_id=user_id)


def _stale(tx: Tx, tok: Obj) -> bool:
    """The creator's effective role in the token's workspace is below the role the token was minted with."""
    creator = tok.get("_created_by")
    if creator is None:
        return False
    have = user_role(tx, str(creator), str(tok["workspace_id"])).role
    return ROLE_RANK[have] < ROLE_RANK[str(tok.get("_role", "owner"))]


def _revoke(tx: Tx, token_id: str) -> None:
    tx.conn.execute("DELETE FROM objects WHERE id=? AND kind='api_token'", (token_id,))
    tx.conn.execute("DELETE FROM tokens WHERE token_id=?", (token_id,))


def revoke_stale(tx: Tx, workspace_ids: list[str] | None = None) -> list[str]:
    """Revoke every token whose creator lost the minted role (in ``workspace_ids``, or everywhere); their ids."""
    gone = []
    tokens = (
        [t for w in workspace_ids for t in tx.find("api_token", workspace_id=w)]
        if workspace_ids is not None
        else tx.find("api_token")
    )
    for tok in tokens:
        if _stale(tx, tok):
            _revoke(tx, tok["id"])
            gone.append(tok["id"])
    return gone


@route("apiTokens.create")
def create_token(r: Req) -> tuple[int, Any]:
    """Mint a token acting as the caller's role (owner → owner, admin → admin; a token passes its own on)."""
    p = r.principal
    token = API_TOKEN_PREFIX + rand(32)
    tok = {
        "id": new_id("tok"),
        "workspace_id": r.ws,
        "name": r.body["name"],
        "prefix": token[:12],
        "created_at": now(),
        "last_used_at": None,
        "expires_at": r.body.get("expires_at"),
        "_created_by": p.user_id or p.token_creator,
        "_role": r.role,
    }
    r.tx.insert("api_token", tok, workspace_id=r.ws)
    r.tx.conn.execute(
        "INSERT INTO tokens (hash, kind, workspace_id, token_id, expires_at) VALUES (?, 'api', ?, ?, ?)",
        (sha256(token), r.ws, tok["id"], tok["expires_at"]),
    )
    return 201, {"id": tok["id"], "workspace_id": r.ws, "name": tok["name"], "token": token}


@route("apiTokens.list")
def list_tokens(r: Req) -> tuple[int, Any]:
    def render(t: dict[str, Any]) -> dict[str, Any]:
        return {**public(t), "last_used_at": r.rt.last_used.get(t["id"], t["last_used_at"])}

    return r.page("api_token", workspace_id=r.ws, render=render)


@route("apiTokens.revoke")
def revoke_token(r: Req) -> tuple[int, Any]:
    tok = r.tx.get("api_token", r.path["id"])
    if tok is None or tok["workspace_id"] != r.ws:
        raise LocalNotFound(f"api token {r.path['id']} not found")
    r.tx.delete(tok["id"])
    r.tx.conn.execute("DELETE FROM tokens WHERE token_id=?", (tok["id"],))
    return 204, None

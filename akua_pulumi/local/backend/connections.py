"""Registry and Cloudflare connections (API.md §5.6-5.7): write-only credentials, 201 with no body.

Neither has a GET by id, an update or an etag; ``name`` is unique per workspace so a client can find
the row it created by listing. Credentials are kept in internal fields (registry) or in a Secret of kind
``cloudflare_api`` (Cloudflare) and never appear in a response.
"""

from __future__ import annotations

from typing import Any

from ..db import Obj
from ..errors import LocalNotFound, Unprocessable
from ..util import new_id, now
from . import Req, list_route, public, route
from .secrets import erase, new_secret

#: Credential fields each registry connection type needs (API.md §5.6, from the field descriptions).
REGISTRY_FIELDS = {
    "basic": ("username", "password"),
    "token": ("token",),
    "oauth": ("client_id", "client_secret", "token_url"),
}
CLOUDFLARE_LABEL = "akua.dev/cloudflare-connection"


def _insert(r: Req, kind: str, prefix: str, fields: Obj, **internal: Any) -> Obj:
    """Store a new connection row named ``fields["name"]``, unique in the workspace (409 when taken)."""
    obj: Obj = {"id": new_id(prefix), **fields, "is_active": True, "created_at": now(), "last_used_at": None}
    obj.update(internal)
    noun = kind.replace("_", " ")
    name = fields["name"]
    r.tx.insert(kind, obj, workspace_id=r.ws, scope=r.ws, natural_key=name, conflict=f"{noun} name {name!r} is taken")
    return obj


def _own(r: Req, kind: str, what: str) -> Obj:
    """The row ``{id}`` of this workspace (reads carry no ``workspace_id``, so the column decides)."""
    ids = {o["id"] for o in r.tx.find(kind, workspace_id=r.ws)}
    if r.path["id"] not in ids:
        raise LocalNotFound(f"{what} {r.path['id']} not found")
    return r.tx.must(kind, r.path["id"])


# -- registry ------------------------------------------------------------------------------------


list_route("registry.listCredentials", "registry_connection", public)


@route("registry.createCredential")
def create_registry(r: Req) -> tuple[int, Any]:
    b = r.body
    need = REGISTRY_FIELDS[b["type"]]
    creds = b["credentials"]
    for name in need:
        if not creds.get(name):
            raise Unprocessable(f"type {b['type']} needs credentials.{name}", path=["body", "credentials", name])
    for name in creds:
        if name not in need:
            raise Unprocessable(
                f"credentials.{name} does not belong to type {b['type']}", path=["body", "credentials", name]
            )
    fields = {k: b[k] for k in ("name", "registry_url", "type")}
    _insert(r, "registry_connection", "rcon", fields, _credentials=dict(creds))
    return 201, None


@route("registry.deleteCredential")
def delete_registry(r: Req) -> tuple[int, Any]:
    obj = _own(r, "registry_connection", "registry connection")
    r.tx.delete(obj["id"])
    return 204, None


# -- cloudflare ----------------------------------------------------------------------------------


list_route("cloudflare.listCredentials", "cloudflare_connection", public)


@route("cloudflare.createCredential")
def create_cloudflare(r: Req) -> tuple[int, Any]:
    b = r.body
    fields = {k: b[k] for k in ("name", "account_id", "origin_zone_id", "origin_hostname_suffix")}
    obj = _insert(r, "cloudflare_connection", "cfcon", fields)
    secret = new_secret(
        r.tx,
        r.ws,
        name=f"cloudflare/{obj['id']}",
        kind="cloudflare_api",
        value=b["api_token"],
        labels={CLOUDFLARE_LABEL: obj["id"]},
    )
    obj["_secret_id"] = secret["id"]
    r.tx.save(obj)
    return 201, None


@route("cloudflare.deleteCredential")
def delete_cloudflare(r: Req) -> tuple[int, Any]:
    obj = _own(r, "cloudflare_connection", "cloudflare connection")
    r.tx.delete(obj["id"])
    if obj.get("_secret_id"):
        erase(r.tx, obj["_secret_id"])  # force-delete the Secret that held the token
    return 204, None

"""Domain rules of akua-local, one module per API noun area.

Each module registers thin handlers with :func:`route` (operationId → function). A handler receives a
:class:`Req` whose principal, workspace and role were already resolved and checked by
:func:`~akua_pulumi.local.backend.authz.authorize` (the route's ``scope`` and the operation's row of
:data:`akua_pulumi.roles.ROLE_TABLE`); it returns ``(status, body)`` or raises an
:class:`~akua_pulumi.local.errors.LocalApiError`. Everything cross-cutting (auth, validation, idempotency,
faults, counters, transactions, error rendering) lives in :mod:`akua_pulumi.local.app`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...roles import ROLE_RANK
from ..db import Obj, Tx
from ..errors import LocalConflict, LocalEtagMismatch, ValidationFailed
from ..util import Clock, new_id, now

__all__ = [
    "ROLES",
    "ROUTES",
    "Principal",
    "Req",
    "Route",
    "Runtime",
    "bump",
    "check_etag",
    "closed_body",
    "get_route",
    "list_route",
    "matching",
    "reactivate",
    "route",
    "stamp",
]

ROLES = ROLE_RANK


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (session token), a workspace API token, or nobody (anonymous rows).

    A token acts in ``token_workspace_id`` with exactly ``token_role`` (its creator's effective role
    when it was minted); ``token_creator`` is that user (API.md §6.1).
    """

    user_id: str | None = None
    token_workspace_id: str | None = None
    token_id: str | None = None
    token_role: str | None = None
    token_creator: str | None = None

    @property
    def key(self) -> str:
        return self.user_id or f"tok:{self.token_id}"

    @property
    def credential(self) -> str:
        """``user`` or ``workspace_token`` (the 403 body's ``metadata.credential``)."""
        return "workspace_token" if self.token_id else "user"

    @property
    def acting_user(self) -> str | None:
        """The user the call is counted for: the caller, or a token's creator (quotas, API.md §6.5)."""
        return self.user_id or self.token_creator


@dataclass
class Runtime:
    """Mutable emulator settings shared by the app and backends."""

    operation_delay: float = 0.2
    fail_next: dict[str, str] = field(default_factory=dict)
    last_used: dict[str, int] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)  # the emulator's now (backend/clock.py)


@dataclass
class Req:
    """One parsed request as handlers see it."""

    op_id: str
    tx: Tx
    rt: Runtime
    principal: Principal
    path: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    workspace_id: str | None = None
    role: str | None = None
    role_source: str = "none"
    store: Any = None  # the Store, for handlers with their own transactions

    @property
    def ws(self) -> str:
        assert self.workspace_id is not None
        return self.workspace_id

    @property
    def if_match(self) -> str | None:
        return self.headers.get("if-match")

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    def limit(self) -> int:
        return int(self.query.get("limit", 50))

    def writable(self, kind: str, what: str | None = None) -> Obj:
        """The ``kind`` object the path's ``{id}`` names in the request's workspace, after the If-Match check
        (``what`` names it in the 404 message; default ``kind``)."""
        obj = self.tx.must(kind, self.path["id"], self.ws, what)
        check_etag(obj, self.if_match)
        return obj

    def page(self, kind: str, **where: Any) -> tuple[int, Any]:
        """200 and the page of ``kind`` objects the request's ``cursor`` and ``limit`` select (see :meth:`Tx.page`)."""
        return 200, self.tx.page(kind, cursor=self.query.get("cursor"), limit=self.limit(), **where)


Handler = Callable[[Req], tuple[int, Any]]


@dataclass(frozen=True)
class Route:
    """How the app prepares a request before calling ``fn``.

    ``scope``: ``ctx`` (workspace from token or akua-context, required), ``ctx?`` (optional),
    ``path`` (workspace is the ``{id}`` path parameter), ``user`` (users only, no workspace),
    ``any`` (no workspace), ``anon`` (like ``any``, and no credential is needed). The minimum role
    is not declared here: it is the operation's row of :data:`akua_pulumi.roles.ROLE_TABLE`.
    ``own_tx``: the handler manages its own transactions (long polls). ``reuse_status``: the status
    of an idempotency key replayed with a different request (422 unless the API says otherwise).
    """

    fn: Handler
    scope: str = "ctx"
    own_tx: bool = False
    reuse_status: int = 422


ROUTES: dict[str, Route] = {}


def route(
    op_id: str, scope: str = "ctx", own_tx: bool = False, reuse_status: int = 422
) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of ``op_id`` (its minimum role comes from the role table)."""

    def deco(fn: Handler) -> Handler:
        ROUTES[op_id] = Route(fn, scope, own_tx, reuse_status)
        return fn

    return deco


def list_route(op_id: str, kind: str, render: Callable[[Obj], Any]) -> None:
    """Register ``op_id`` as the plain list of the request workspace's ``kind`` objects."""

    def handler(r: Req) -> tuple[int, Any]:
        return r.page(kind, workspace_id=r.ws, render=render)

    route(op_id)(handler)


def reactivate(r: Req, obj: Obj, noun: str, was: str, *cleared: str) -> Obj:
    """Bring ``obj`` (a ``was`` object, e.g. archived) back to ``active``, dropping ``cleared`` fields."""
    if obj["state"] == "active":
        raise LocalConflict(f"{noun} {obj['id']} is not {was}")
    obj["state"] = "active"
    for key in cleared:
        obj.pop(key, None)
    r.tx.save(bump(obj))
    return obj


def check_etag(obj: Obj, if_match: str | None, key: str = "etag") -> None:
    """409 ABORTED when ``If-Match`` is given and differs from ``obj[key]``."""
    if if_match is not None and if_match != obj[key]:
        raise LocalEtagMismatch(obj[key])


def closed_body(b: Any, allowed: set[str]) -> Obj:
    """``b`` as a JSON object holding only ``allowed`` keys (a 400 naming the first other key)."""
    if not isinstance(b, dict):
        raise ValidationFailed("body: a JSON object is required", path=["body"])
    for key in b:
        if key not in allowed:
            raise ValidationFailed(f"{key}: unknown field", path=["body", key])
    return b


def bump(obj: Obj, key: str = "etag") -> Obj:
    """Advance the revision-counter etag and ``updated_at``."""
    obj[key] = str(int(obj.get(key, "0")) + 1)
    if "updated_at" in obj or key == "etag":
        obj["updated_at"] = now()
    return obj


def stamp(prefix: str, r: Req, /, *, html_page: str | None = None, **fields: Any) -> Obj:
    """A new object of the request's workspace: a fresh ``{prefix}_`` id (and its dashboard
    ``html_url`` under ``html_page``), ``workspace_id``, ``fields``, ``created_at`` = ``updated_at`` = now
    and the first revision's etag ``"1"``."""
    ts = now()
    oid = new_id(prefix)
    html = {"html_url": f"https://app.akua.local/{html_page}/{oid}"} if html_page else {}
    return {"id": oid, **html, "workspace_id": r.ws, **fields, "created_at": ts, "updated_at": ts, "etag": "1"}


def matching(key: str, value: Any) -> Callable[[Obj], bool] | None:
    """A list filter keeping objects whose ``key`` is ``value``; None (keep all) when ``value`` is None."""
    return None if value is None else (lambda o: o.get(key) == value)


def public(obj: Obj) -> Obj:
    """The object without internal (``_``-prefixed) fields."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def get_route(
    op_id: str, fetch: Callable[[Req], Obj], render: Callable[[Obj], Any] = public, scope: str = "ctx"
) -> None:
    """Register ``op_id`` as the plain read of the object ``fetch`` finds (it raises the 404), ``render``ed."""

    def handler(r: Req) -> tuple[int, Any]:
        return 200, render(fetch(r))

    route(op_id, scope)(handler)


def load_all() -> dict[str, Route]:
    """Import every backend module (which fills :data:`ROUTES`)."""
    for mod in (
        "workspaces",
        "organizations",
        "tokens",
        "clusters",
        "packages",
        "installs",
        "operations",
        "quotas",
        "secrets",
        "domains",
        "connections",
        "compute",
        "offers",
        "entitlements",
        "explain",
        # contract v4 (API.md §7); they attach to the modules above through .hooks, so they load last
        "machines",
        "machine_hooks",
        "bootstraps",
        "agents",
        "snippets",
        "dashboard_revisions",
        "dashboards",
        "seller_lookups",
        "order_drafts",
    ):
        importlib.import_module(f"{__name__}.{mod}")
    return ROUTES

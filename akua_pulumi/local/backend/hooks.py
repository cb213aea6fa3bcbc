"""How the v4 families (API.md §7) reach into the older ones without editing them.

The v4 modules load after the others (:func:`~akua_pulumi.local.backend.load_all`) and attach here:

* :func:`object_path` teaches the central authorization which object kind a path's ``{id}`` names, so a call
  that names a v4 object by id is checked in that object's workspace (§7.0);
* :func:`before` runs a precondition ahead of an existing handler (e.g. ``clusters.delete`` answers 409 while
  the cluster has machines, §7.1);
* :func:`after_effect` runs extra work when an existing Operation type completes (e.g. a render per
  ``install.create``, §7.6; a deploy repository per ``cluster.create``, §7.7);
* :func:`after` runs extra work after an existing handler succeeded, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..db import Obj, Tx
from . import ROUTES, Req, Route
from .authz import OBJECT_PATHS
from .operations import EFFECTS, Effect

__all__ = ["after", "after_effect", "before", "object_path"]

_WRAPPED: set[tuple[str, str, str]] = set()


def object_path(segment: str, kind: str, label: str) -> None:
    """``/<segment>/{id}...`` names a ``kind`` object (``label`` in its 404 message)."""
    OBJECT_PATHS.setdefault(segment, (kind, label))


def _once(kind: str, target: str, name: str) -> bool:
    """False when this hook is already attached; raises when its target is not registered yet (the hooking
    module must import the module that owns the target first, or a later registration would drop the hook)."""
    registry: dict[str, Any] = EFFECTS if kind == "effect" else ROUTES
    if target not in registry:
        raise RuntimeError(f"{name}: {target} is not registered yet; import its module first")
    key = (kind, target, name)
    if key in _WRAPPED:
        return False
    _WRAPPED.add(key)
    return True


def before(op_id: str, check: Callable[[Req], None]) -> None:
    """Run ``check`` (which raises to refuse) before the handler of ``op_id``."""
    if not _once("before", op_id, check.__qualname__):
        return
    old = ROUTES[op_id]

    def fn(r: Req) -> tuple[int, Any]:
        check(r)
        return old.fn(r)

    ROUTES[op_id] = Route(fn, old.scope, old.own_tx, old.reuse_status)


def after(op_id: str, extra: Callable[[Req, int, Any], None]) -> None:
    """Run ``extra(r, status, body)`` after the handler of ``op_id`` returned."""
    if not _once("after", op_id, extra.__qualname__):
        return
    old = ROUTES[op_id]

    def fn(r: Req) -> tuple[int, Any]:
        status, body = old.fn(r)
        extra(r, status, body)
        return status, body

    ROUTES[op_id] = Route(fn, old.scope, old.own_tx, old.reuse_status)


def after_effect(op_type: str, extra: Callable[[Tx, Obj], None]) -> None:
    """Run ``extra(tx, op)`` after the completion effect of ``op_type`` (before the Operation is saved)."""
    if not _once("effect", op_type, extra.__qualname__):
        return
    old = EFFECTS[op_type]

    def complete(tx: Tx, op: Obj) -> Any:
        response = old.complete(tx, op)
        extra(tx, op)
        return response

    EFFECTS[op_type] = Effect(complete, old.abort)

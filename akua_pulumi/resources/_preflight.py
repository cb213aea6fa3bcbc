"""Opt-in preflight: before any write, ask the API whether the token may do what the plan needs.

With the stack config ``akua:preflight`` true (or ``AKUA_PREFLIGHT=1`` in the environment), the
lifecycle asks ``accessDecisions.explainBatch`` once per resource the plan creates (from ``check``,
which sees no prior inputs), updates or replaces (from ``diff``): one request per operation the step
calls (the provider's ``step_operations``), each with the §6.4 permission that checks that operation
when the resource gives every id the permission's resource shape requires, otherwise
``workspaces.inspect_membership`` with the roles at or above the operation's minimum role (the one
role table, :mod:`akua_pulumi.roles`). A replacement needs its delete operations *and* its create
operations.

A denial about the caller's access (membership, role, access state) fails that resource at preview,
before any write, naming the operation, the permission, the decision's message and the role needed.
Other denials (a cluster that still has installs, a missing relationship) and ``unknown`` decisions
do not fail the preview: the plan itself may change that state first (an install replaced before the
cluster it runs on), and the step still reports the API's answer if it fails. Off by default, so a
preview costs no API call unless asked (docs/preflight.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..connection import CONNECTION_PROPERTY
from ..errors import AkuaError, PermissionDenied
from ..roles import PERMISSIONS, ROLE_RANK, ROLE_TABLE, WORKSPACE_ROLES, Permission
from ._fields import is_unknown

__all__ = [
    "CONFIG_KEY",
    "ENV_VAR",
    "PreflightDenied",
    "Question",
    "before_change",
    "before_create",
    "configure",
    "enabled",
    "permission_for",
    "questions",
]

#: The stack config key and the environment variable that switch the preflight on.
CONFIG_KEY = "akua:preflight"
ENV_VAR = "AKUA_PREFLIGHT"
_TRUE = frozenset({"1", "true", "yes", "on"})
#: Reason kinds (§6.4) that are about who the caller is; only these fail a preview.
ACCESS_KINDS = frozenset(
    {
        "actor_context",
        "workspace_membership",
        "workspace_role",
        "organization_membership",
        "organization_role",
        "workspace_access_status",
    }
)
MEMBERSHIP = "workspaces.inspect_membership"
#: At most this many requests per explainBatch call (the contract's limit).
BATCH_LIMIT = 25

_configured: str | None = None


class PreflightDenied(AkuaError):
    """The preflight found that the token may not do a step the plan needs (nothing was written)."""


def configure(config: Any) -> None:
    """Record ``akua:preflight`` from the stack config the engine gave the provider process."""
    global _configured
    value = config.get(CONFIG_KEY) if config is not None else None
    if value is not None:
        _configured = str(value)


def enabled() -> bool:
    """``akua:preflight`` when the stack sets it, else ``AKUA_PREFLIGHT``; off unless one is true."""
    value = _configured if _configured is not None else os.environ.get(ENV_VAR)
    return str(value or "").strip().lower() in _TRUE


@dataclass(frozen=True)
class Question:
    """One explain request and the operations of the step it answers for."""

    operations: tuple[str, ...]
    permission: str
    resource: Mapping[str, Any]
    #: The minimum workspace role of ``operations`` (API.md §6.3).
    role: str

    def body(self) -> dict[str, Any]:
        return {"permission": self.permission, "resource": dict(self.resource)}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def permission_for(operation_id: str) -> Permission | None:
    """The §6.4 permission that checks ``operation_id``: the same name in snake case
    (``clusters.refreshCapabilities`` → ``clusters.refresh_capabilities``), else the one permission of
    the same family that checks it (``packages.importPublished`` → ``packages.import_published_package``)."""
    family = _snake(operation_id.split(".", 1)[0])
    exact = PERMISSIONS.get(f"{family}.{_snake(operation_id.split('.', 1)[1])}")
    if exact is not None and exact.operation_id == operation_id:
        return exact
    same = [p for p in PERMISSIONS.values() if p.operation_id == operation_id and p.name.split(".")[0] == family]
    return same[0] if len(same) == 1 else None


def _resource(
    perm: Permission, workspace_id: str, object_id: str | None, inputs: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The permission's resource shape filled from the workspace, the object's id (for the field named
    after the permission's family: ``cluster_id`` for ``clusters.*``) and same-named ``*_id`` inputs;
    None when a required field cannot be filled (then membership is asked instead)."""
    own_id = perm.name.split(".")[0].removesuffix("s") + "_id"
    values: dict[str, Any] = {}
    for name in (*perm.required, *perm.optional):
        value: Any = None
        if name == perm.workspace_field:
            value = workspace_id
        elif name == own_id:
            value = object_id
        elif name.endswith("_id"):
            value = inputs.get(name)
        if isinstance(value, str) and value and not is_unknown(value):
            values[name] = value
        elif name in perm.required:
            return None
    return values


def questions(
    operations: Sequence[str], workspace_id: str, object_id: str | None, inputs: Mapping[str, Any]
) -> list[Question]:
    """What to ask about ``operations`` (one step's): a permission per operation where one fits, and one
    membership question for the rest, with the roles at or above the highest minimum role among them.
    Operations whose row is not a workspace role (``user``, ``org:*``, ``own``) are not asked about."""
    out: list[Question] = []
    rest: list[str] = []
    for op in operations:
        rule = ROLE_TABLE.get(op)
        if rule is None or rule.role not in WORKSPACE_ROLES:
            continue
        perm = permission_for(op)
        resource = _resource(perm, workspace_id, object_id, inputs) if perm is not None else None
        if perm is None or resource is None:
            rest.append(op)
            continue
        out.append(Question((op,), perm.name, resource, rule.role))
    if rest:
        role = max((ROLE_TABLE[op].role for op in rest), key=lambda r: ROLE_RANK[r])
        needing = tuple(op for op in rest if ROLE_TABLE[op].role == role)
        roles = [r for r in reversed(WORKSPACE_ROLES) if ROLE_RANK[r] >= ROLE_RANK[role]]
        out.append(Question(needing, MEMBERSHIP, {"workspace_id": workspace_id, "required_roles": roles}, role))
    return out


# -- the hooks the lifecycle calls --------------------------------------------------------------------


def before_create(provider: Any, inputs: Mapping[str, Any]) -> list[str]:
    """From ``check`` of a resource with no prior inputs (a create, or a replacement's new object): may
    the token create it? The reason it may not, as a check failure."""
    if not enabled():
        return []
    # Adopting takes an existing object over and converges it: an update (of that id, when given).
    step = "update" if (inputs.get("adopt") or inputs.get("adopt_id")) else "create"
    adopted = inputs.get("adopt_id") if step == "update" else None
    object_id = adopted if isinstance(adopted, str) and not is_unknown(adopted) else None
    ops = _ops(provider, step)
    ws = _workspace(provider, inputs, object_id, ops)
    if ws is None or not ops:
        return []
    problem = _ask(provider, inputs, step, object_id, questions(ops, ws, object_id, inputs))
    return [problem] if problem else []


def before_change(provider: Any, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], replace: bool) -> None:
    """From ``diff`` of a resource that changes: may the token update it (or, for a replacement, delete
    the old object and create the new one)?"""
    if not enabled():
        return
    asked: list[Question] = []
    if replace:
        ops = _ops(provider, "delete")
        ws = _workspace(provider, olds, id_, ops)
        if ws is not None:
            asked += questions(ops, ws, id_, olds)
        ops = _ops(provider, "create")
        ws = _workspace(provider, news, None, ops)
        if ws is not None:
            asked += questions(ops, ws, None, news)
    else:
        ops = _ops(provider, "update")
        ws = _workspace(provider, news, id_, ops)
        if ws is not None:
            asked += questions(ops, ws, id_, news)
    problem = _ask(provider, news, "replace" if replace else "update", id_, asked)
    if problem:
        raise PreflightDenied(problem)


def _ops(provider: Any, step: str) -> tuple[str, ...]:
    return tuple(getattr(provider, "step_operations", {}).get(step, ()))


def _workspace(provider: Any, props: Mapping[str, Any], id_: str | None, ops: Sequence[str]) -> str | None:
    """The workspace the step is checked in: the resource's ``workspace_id``; for a workspace itself
    (not workspace-scoped, every operation a ``workspaces.*`` one) its id. None: nothing to ask."""
    ws = props.get("workspace_id")
    scoped = getattr(provider, "workspace_scoped", True)
    if ws is None and not scoped and ops and all(op.startswith("workspaces.") for op in ops):
        ws = id_
    if not isinstance(ws, str) or not ws or is_unknown(ws):
        return None  # created in this plan: its creator is its owner
    return ws


def _ask(provider: Any, props: Mapping[str, Any], step: str, id_: str | None, asked: list[Question]) -> str | None:
    """Ask the API; the message when the token may not do the step (or the API could not be asked)."""
    if not asked or is_unknown(props.get(CONNECTION_PROPERTY)):
        return None
    label = provider._label(props, id_)
    client = provider.connect(props.get(CONNECTION_PROPERTY), props)
    workspace = str(asked[0].resource.get("workspace_id") or "") or None
    keys = [_key(client, q) for q in asked]
    with _lock:
        new = [q for q, k in zip(asked, keys, strict=True) if k not in _answers]
    try:
        for start in range(0, len(new), BATCH_LIMIT):
            chunk = new[start : start + BATCH_LIMIT]
            answer = client.post(
                "/access_decisions:explainBatch", json={"requests": [q.body() for q in chunk]}, workspace=workspace
            )
            with _lock:
                for q, decision in zip(chunk, (answer or {}).get("decisions") or [], strict=False):
                    _answers[_key(client, q)] = decision
    except PermissionDenied as exc:
        # Not a member of the workspace at all (§6.4 step 2): every step is refused.
        return (
            f"{label}: preflight ({CONFIG_KEY}): the token may not {step} it: {_needed(asked)}. The API says: "
            f"{str(getattr(exc, 'message', exc)).rstrip('.')}. "
            "Nothing was changed: use a token of a member with that role."
        )
    except AkuaError as exc:
        return f"{label}: preflight ({CONFIG_KEY}) could not ask the API whether the token may {step} it: {exc}"
    with _lock:
        denied = [(q, _denial(q, _answers[k])) for q, k in zip(asked, keys, strict=True) if k in _answers]
    found = [(q, message) for q, message in denied if message is not None]
    if not found:
        return None
    return (
        f"{label}: preflight ({CONFIG_KEY}): the token may not {step} it: {_needed(q for q, _ in found)}. "
        f"The API says: {found[0][1]}. Nothing was changed: use a token with that role, or ask a workspace "
        "owner to run it."
    )


def _needed(denied: Iterable[Question]) -> str:
    """``clusters.delete needs the workspace role owner (permission clusters.delete); ...``, by role."""
    by_role: dict[str, list[Question]] = {}
    for q in denied:
        by_role.setdefault(q.role, []).append(q)
    parts = []
    for role, qs in sorted(by_role.items(), key=lambda item: -ROLE_RANK[item[0]]):
        ops = [op for q in qs for op in q.operations]
        perms = [q.permission for q in qs if q.permission != MEMBERSHIP]
        how = [f"permission{'s' if len(perms) > 1 else ''} {', '.join(perms)}"] if perms else []
        if any(q.permission == MEMBERSHIP for q in qs):
            how.append(f"asked as {MEMBERSHIP}")
        verb = "needs" if len(ops) == 1 else "need"
        parts.append(f"{', '.join(ops)} {verb} the workspace role {role} ({'; '.join(how)})")
    return "; ".join(parts)


#: Answers already given in this provider process (one preview or update), by credential and question:
#: a replacement's create is asked by ``diff`` and again by the engine's second ``check``, and resources
#: of one workspace that need the same role share one membership question.
_answers: dict[tuple[str, str, str], Mapping[str, Any]] = {}
_lock = threading.Lock()


def _key(client: Any, question: Question) -> tuple[str, str, str]:
    config = client.config
    token = config.token.get_secret_value() if config.token is not None else ""
    credential = hashlib.sha256(token.encode()).hexdigest()
    return config.api_url, credential, json.dumps(question.body(), sort_keys=True)


def _denial(question: Question, decision: Mapping[str, Any]) -> str | None:
    """The decision's message when it denies the caller's access; None when allowed, unknown or another kind."""
    result = decision.get("decision") or {}
    if result.get("result") != "denied":
        return None
    reasons = [r for r in decision.get("reasons") or [] if r.get("result") == "denied"]
    if reasons and reasons[0].get("kind") not in ACCESS_KINDS:
        return None
    return str(result.get("message") or f"{question.permission} is denied").rstrip(".")

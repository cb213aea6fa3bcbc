"""``accessDecisions.explain`` and ``explainBatch`` (API.md §6.4), from the same role check the operations use.

The subject's role and the workspace's access state come from
:func:`~akua_pulumi.local.backend.authz.role_check` (the very function every operation passes), the
resource checks from :mod:`.explain_checks`, the plan checks from the entitlements (§6.5).
"""

from __future__ import annotations

from typing import Any

from ...contract import contract
from ...roles import PERMISSIONS, ROLE_RANK, Permission
from ..errors import ContextRequired, LocalNotFound
from . import Principal, Req, route
from .authz import denied, effective_role, role_check
from .explain_checks import Check, Reason, resource_checks

NOT_MODELLED = "offer channels are not modelled by akua-local"
_CHANNEL_PERMISSIONS = frozenset(
    {
        "offers.create_via_channel",
        "offer_channels.create",
        "channel_policies.approve",
        "channel_policies.activate",
        "offers.approve_channel_offer",
        "offers.reject_channel_offer",
    }
)


def _is_read(perm: Permission) -> bool:
    op = contract().operations.get(perm.operation_id)
    return op.is_read if op is not None else False


def _workspace(r: Req, perm: Permission, item: dict[str, Any]) -> str:
    """The workspace evaluated: the resource's, then the subject's, then the token's or ``akua-context``."""
    resource = item.get("resource") or {}
    subject = item.get("subject") or {}
    ws_id = (resource.get(perm.workspace_field) if perm.workspace_field else None) or subject.get("workspace_id")
    ws_id = ws_id or r.principal.token_workspace_id or r.headers.get("akua-context")
    if not ws_id:
        raise ContextRequired()
    return str(ws_id)


def _subject(r: Req, ws_id: str, item: dict[str, Any]) -> Principal:
    """Whose access is explained: the caller, or ``subject.user_id`` (which needs admin in ``ws_id``)."""
    p = r.principal
    have, denial = role_check(r.tx, p, r.op_id, ws_id, is_read=True)
    if denial is not None:
        raise denial  # non-members cannot probe other workspaces
    user_id = (item.get("subject") or {}).get("user_id")
    if user_id is None or user_id == p.user_id:
        return p
    if ROLE_RANK[have.role] < ROLE_RANK["admin"]:
        raise denied(
            r.op_id,
            p,
            ws_id,
            "admin",
            have,
            message=f"explaining another subject's access needs the workspace role admin; the caller's role is "
            f"{have.role}",
        )
    return Principal(user_id=str(user_id))


def _actor(r: Req, subject: Principal, ws_id: str) -> Reason:
    if subject.token_id is not None:
        text = f"API token {subject.token_id} acting as {subject.token_role}"
    else:
        text = f"user {subject.user_id} acting as {effective_role(r.tx, subject, ws_id).role}"
    return {"kind": "actor_context", "result": "allowed", "message": text}


def evaluate(r: Req, item: dict[str, Any], batch: bool) -> dict[str, Any]:
    """One AccessDecision for the request ``item`` (404 for an unknown id unless ``batch``)."""
    perm = PERMISSIONS[item["permission"]]
    ws_id = _workspace(r, perm, item)
    subject = _subject(r, ws_id, item)
    action = {"id": perm.name, "name": perm.label}
    reasons: list[Reason] = [_actor(r, subject, ws_id)]
    org_id = (item.get("subject") or {}).get("organization_id")
    if org_id:
        member = bool(subject.user_id and r.tx.find("org_member", parent_id=org_id, natural_key=subject.user_id))
        reasons.append(
            {
                "kind": "organization_membership",
                "result": "allowed" if member else "not_evaluated",
                "key": str(org_id),
                "message": f"subject {'is' if member else 'is not'} a member of organization {org_id} (reported only)",
            }
        )
    checks = resource_checks(r.tx, perm, ws_id, item.get("resource") or {}, subject)
    missing = next((c for c in checks if c.missing), None)
    if missing is not None:  # an unknown id answers before the role check, as in the call itself (§6.2)
        if not batch:
            raise LocalNotFound(missing.message)
        reasons.append(missing.reason("denied"))
        return {"decision": {"result": "denied", "message": missing.message}, "action": action, "reasons": reasons}
    steps = _role_steps(r, perm, ws_id, subject) + checks
    unknown: str | None = None
    for i, step in enumerate(steps):
        outcome = step.test()
        if outcome is False:
            reasons.append(step.reason("denied"))
            reasons += [later.reason("not_evaluated") for later in steps[i + 1 :]]
            return {"decision": {"result": "denied", "message": step.message}, "action": action, "reasons": reasons}
        if outcome is None:
            reasons.append(step.reason("not_evaluated", None))
            unknown = unknown or step.message
        else:
            reasons.append(step.reason("allowed"))
    resource = item.get("resource") or {}
    if perm.name in _CHANNEL_PERMISSIONS or (
        perm.name == "offer_channels.inspect" and resource.get("offer_channel_id")
    ):
        reasons.append({"kind": "relationship", "result": "not_evaluated", "message": NOT_MODELLED})
        unknown = NOT_MODELLED
    if unknown is not None:
        return {"decision": {"result": "unknown", "message": unknown}, "action": action, "reasons": reasons}
    return {"decision": {"result": "allowed"}, "action": action, "reasons": reasons}


def _role_steps(r: Req, perm: Permission, ws_id: str, subject: Principal) -> list[Check]:
    """workspace_membership, workspace_role and workspace_access_status, from :func:`role_check` itself."""
    have, denial = role_check(r.tx, subject, perm.operation_id, ws_id, is_read=_is_read(perm))
    by_state = denial is not None and (denial.metadata or {}).get("reason") == "access_state"
    text = denial.message if denial is not None else ""
    key = {"key": perm.operation_id, "source": "role_table"}
    steps = [
        Check(
            "workspace_membership",
            lambda: have.role != "none",
            text,
            f"effective role {have.role} ({have.source})",
            key,
        )
    ]
    if have.source == "managing_organization":
        steps.append(Check("organization_membership", lambda: True, "", "admin through the managing organization", {}))
    steps.append(
        Check(
            "workspace_role",
            lambda: denial is None or by_state,
            text,
            f"{have.role} satisfies {perm.rule.role}",
            key,
        )
    )
    steps.append(Check("workspace_access_status", lambda: not by_state, text, "the workspace is active"))
    return steps


@route("accessDecisions.explain", scope="body")
def explain(r: Req) -> tuple[int, Any]:
    return 200, evaluate(r, r.body, batch=False)


@route("accessDecisions.explainBatch", scope="body")
def explain_batch(r: Req) -> tuple[int, Any]:
    return 200, {"decisions": [evaluate(r, item, batch=True) for item in r.body["requests"]]}

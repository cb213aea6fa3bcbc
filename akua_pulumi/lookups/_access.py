"""Access decisions and entitlements: the lookups :mod:`akua_pulumi.lookups` offers for them.

Import them from ``akua_pulumi.lookups``::

    from akua_pulumi import lookups

    d = lookups.get_access_decision("clusters.delete", {"cluster_id": cluster_id})
    if not d.allowed:
        pulumi.log.warn(f"{d.action_name}: {d.message} (needs {d.required_role})")
    for e in lookups.get_entitlements(feature_set="compute"):
        pulumi.export(e.key, e.value)

``get_access_decision`` asks ``POST /access_decisions`` (``accessDecisions.explain``, a read that
changes nothing) whether the token, or ``subject``, may do ``permission`` on ``resource``; the
permission names are the 40 of API.md §6.4 (:data:`akua_pulumi.roles.PERMISSIONS`).
``get_entitlements`` lists ``GET /entitlements`` (API.md §6.5). Both have ``*_output`` twins
(generated into ``_outputs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import Unpack

from ..client import NotFoundError, ValidationError
from ..roles import PERMISSIONS
from ._base import AkuaLookupError, Via, ViaWorkspace, _client, _workspace, lookup
from ._results import AccessDecision, AccessReason, EntitlementInfo

#: AccessReason's wire keys → :class:`AccessReason` fields (the contract spells two in camelCase).
_REASON_KEYS = {
    **{k: k for k in ("key", "source", "message", "metric", "scope", "limit", "usage", "remaining", "relationship")},
    "resourceId": "resource_id",
    "resourceType": "resource_type",
}


def _decision(body: Mapping[str, Any], permission: str) -> AccessDecision:
    decision = body.get("decision") or {}
    action = body.get("action") or {}
    perm = PERMISSIONS.get(str(action.get("id") or permission))
    reasons = tuple(
        AccessReason(
            kind=str(r.get("kind")),
            result=str(r.get("result")),
            **{field: r.get(wire) for wire, field in _REASON_KEYS.items() if wire in r},
        )
        for r in body.get("reasons") or []
    )
    return AccessDecision(
        permission=str(action.get("id") or permission),
        action_name=str(action.get("name") or permission),
        result=str(decision.get("result")),
        message=decision.get("message"),
        required_role=perm.rule.role if perm is not None else None,
        reasons=reasons,
    )


@lookup
def get_access_decision(
    permission: str,
    resource: Mapping[str, Any] | None = None,
    *,
    subject: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    **via: Unpack[ViaWorkspace],
) -> AccessDecision:
    """Whether the token (or ``subject``: ``{"user_id": ...}``, which needs admin) may do ``permission``
    on ``resource``: one ``POST /access_decisions`` (a read; it changes nothing).

    ``resource`` is the permission's resource shape (API.md §6.4), e.g. ``{"cluster_id": "cl_..."}``
    for ``clusters.delete``; its workspace field defaults to ``workspace_id``, else ``akua:workspace``.
    Raises :class:`AkuaLookupError` for an unknown permission, a resource the API does not accept (the
    message names the field), or an id that does not exist.
    """
    perm = PERMISSIONS.get(permission)
    if perm is None:
        raise AkuaLookupError(
            f"unknown permission {permission!r}: one of {', '.join(sorted(PERMISSIONS))} (API.md §6.4)"
        )
    c = _client(via)
    shape = dict(resource or {})
    ws = via.get("workspace_id") or shape.get(perm.workspace_field or "") or c.workspace
    if perm.workspace_field and perm.workspace_field not in shape:
        shape[perm.workspace_field] = _workspace(c, ws, "get_access_decision")
    body: dict[str, Any] = {"permission": permission}
    if shape or perm.resource_required:
        body["resource"] = shape
    if subject:
        body["subject"] = dict(subject)
    if context:
        body["context"] = dict(context)
    try:
        answer = c.post("/access_decisions", json=body, workspace=ws or None)
    except ValidationError as exc:
        where = f" [field {'.'.join(exc.path)}]" if exc.path else ""
        raise AkuaLookupError(f"get_access_decision({permission!r}): {exc.message}{where}") from None
    except NotFoundError as exc:
        raise AkuaLookupError(f"get_access_decision({permission!r}): {exc.message}") from None
    return _decision(answer or {}, permission)


@lookup
def get_entitlements(
    workspace_id: str | None = None, feature_set: str | None = None, feature: str | None = None, **via: Unpack[Via]
) -> list[EntitlementInfo]:
    """The plan entitlements of ``workspace_id`` (default ``akua:workspace``; with neither, of every
    workspace the token can see): ``GET /entitlements``, every page. ``feature_set`` (``compute``) and
    ``feature`` (one key, ``compute.max_clusters``) filter; an unknown one gives an empty list."""
    c = _client(via)
    given = {"workspace": workspace_id or c.workspace, "feature_set": feature_set, "feature": feature}
    params = {k: v for k, v in given.items() if v}
    out: list[EntitlementInfo] = []
    for item in c.paginate("/entitlements", params=params, workspace=None):
        feat = item.get("feature") or {}
        alloc = item.get("allocation") or {}
        out.append(
            EntitlementInfo(
                workspace_id=str(item.get("workspace_id")),
                key=str(feat.get("key")),
                name=str(feat.get("name")),
                feature_set=str(feat.get("feature_set")),
                allocation=str(alloc.get("type")),
                value=alloc.get("value"),
            )
        )
    return out

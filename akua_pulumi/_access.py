"""Access decisions and entitlements: the lookups :mod:`akua_pulumi.lookups` offers for them.

Import them from ``akua_pulumi.lookups`` (this module keeps that one under its size limit)::

    from akua_pulumi import lookups

    d = lookups.get_access_decision("clusters.delete", {"cluster_id": cluster_id})
    if not d.allowed:
        pulumi.log.warn(f"{d.action_name}: {d.message} (needs {d.required_role})")
    for e in lookups.get_entitlements(feature_set="compute"):
        pulumi.export(e.key, e.value)

``get_access_decision`` asks ``POST /access_decisions`` (``accessDecisions.explain``, a read that
changes nothing) whether the token, or ``subject``, may do ``permission`` on ``resource``; the
permission names are the 40 of API.md §6.4 (:data:`akua_pulumi.roles.PERMISSIONS`).
``get_entitlements`` lists ``GET /entitlements`` (API.md §6.5). Both have ``*_output`` twins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from .client import AkuaClient, NotFoundError, ValidationError
from .connection import Provider
from .lookups import AkuaLookupError, _AsDict, _client, _output, _workspace
from .roles import PERMISSIONS

__all__ = [
    "AccessDecision",
    "AccessReason",
    "EntitlementInfo",
    "get_access_decision",
    "get_access_decision_output",
    "get_entitlements",
    "get_entitlements_output",
]


@dataclass(frozen=True)
class AccessReason(_AsDict):
    """One reason of a decision, in evaluation order (API.md §6.4 ``AccessReason``)."""

    #: ``workspace_role``, ``resource_state``, ``quota_limit``... (§6.4).
    kind: str
    #: ``allowed``, ``denied`` or ``not_evaluated``.
    result: str
    key: str | None = None
    source: str | None = None
    message: str | None = None
    metric: str | None = None
    scope: str | None = None
    limit: float | None = None
    usage: float | None = None
    remaining: float | None = None
    #: The object the reason is about (``resourceId``/``resourceType`` on the wire), e.g. a cluster id.
    resource_id: str | None = None
    resource_type: str | None = None
    #: How it relates to the request's resource (``relationship``), e.g. ``package_version_of``.
    relationship: str | None = None


@dataclass(frozen=True)
class AccessDecision(_AsDict):
    """Whether a permission is granted, why, and the role the permission's operation needs."""

    #: The permission asked about (``action.id``), e.g. ``clusters.delete``.
    permission: str
    #: Its human label (``action.name``), e.g. "Delete cluster".
    action_name: str
    #: ``allowed``, ``denied`` or ``unknown`` (a check the API cannot perform).
    result: str
    #: Why it is denied or unknown (None when allowed).
    message: str | None
    #: The minimum workspace role of the operation the permission checks (API.md §6.3), e.g. ``owner``.
    required_role: str | None
    reasons: tuple[AccessReason, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.result == "allowed"


@dataclass(frozen=True)
class EntitlementInfo(_AsDict):
    """One plan entitlement of a workspace (API.md §6.5)."""

    workspace_id: str
    #: ``compute.max_clusters``...
    key: str
    name: str
    feature_set: str
    #: ``bool``, ``max_count`` or ``unlimited``.
    allocation: str
    #: The boolean, or the maximum count; None when unlimited.
    value: bool | int | None


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


def get_access_decision(
    permission: str,
    resource: Mapping[str, Any] | None = None,
    *,
    workspace_id: str | None = None,
    subject: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
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
    c = _client(client, provider)
    shape = dict(resource or {})
    ws = workspace_id or shape.get(perm.workspace_field or "") or c.workspace
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


def get_entitlements(
    workspace_id: str | None = None,
    feature_set: str | None = None,
    feature: str | None = None,
    *,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> list[EntitlementInfo]:
    """The plan entitlements of ``workspace_id`` (default ``akua:workspace``; with neither, of every
    workspace the token can see): ``GET /entitlements``, every page. ``feature_set`` (``compute``) and
    ``feature`` (one key, ``compute.max_clusters``) filter; an unknown one gives an empty list."""
    c = _client(client, provider)
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


def get_access_decision_output(
    permission: pulumi.Input[str],
    resource: pulumi.Input[Mapping[str, Any]] | None = None,
    *,
    workspace_id: pulumi.Input[str] | None = None,
    subject: pulumi.Input[Mapping[str, Any]] | None = None,
    context: pulumi.Input[Mapping[str, Any]] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[AccessDecision]:
    """:func:`get_access_decision` for Inputs (e.g. ``{"cluster_id": cluster.id}``)."""
    return _output(get_access_decision, locals())


def get_entitlements_output(
    workspace_id: pulumi.Input[str] | None = None,
    feature_set: pulumi.Input[str] | None = None,
    feature: pulumi.Input[str] | None = None,
    *,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[list[EntitlementInfo]]:
    """:func:`get_entitlements` for an Input ``workspace_id`` (e.g. ``workspace.id``)."""
    return _output(get_entitlements, locals())

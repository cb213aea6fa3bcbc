"""The resource and plan checks of ``accessDecisions.explain`` (API.md §6.4 step 5), one small list per shape.

Each :class:`Check` answers allowed (True), denied (False) or unknown (None). A check with ``missing``
set names an id that is unknown in the evaluated workspace: ``explain`` answers it with 404 and
``explainBatch`` with a denied decision, before the role check, as the operation itself would (§6.2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...roles import Permission
from ..db import Obj, Tx
from ..errors import Unprocessable
from . import Principal
from .authz import effective_role
from .clusters import installs_on
from .entitlements import limit
from .packages import resolve_pin
from .quotas import usage

Reason = dict[str, Any]


@dataclass
class Check:
    """One AccessReason to evaluate: ``test`` gives True (allowed), False (denied) or None (unknown)."""

    kind: str
    test: Callable[[], bool | None]
    message: str
    """The text of a denied or unknown result (the decision's message when it is the first denied)."""
    ok: str = ""
    """The text of an allowed result."""
    extra: Reason = field(default_factory=dict)
    missing: bool = False

    def reason(self, result: str, outcome: bool | None = True) -> Reason:
        out: Reason = {"kind": self.kind, "result": result, **self.extra}
        if result == "denied" or (result == "not_evaluated" and outcome is None):
            out["message"] = self.message
        elif result == "allowed" and self.ok:
            out["message"] = self.ok
        return out


def _exists(tx: Tx, kind: str, oid: Any, ws_id: str, label: str) -> tuple[Obj | None, Check]:
    """The object ``oid`` of ``kind`` in ``ws_id``, and its resource_ownership check (``missing`` if unknown)."""
    obj = tx.get(kind, str(oid)) if oid else None
    if obj is not None and obj.get("workspace_id") not in (None, ws_id):
        obj = None
    check = Check(
        "resource_ownership",
        lambda: obj is not None,
        f"{label} {oid} not found",
        f"{label} {oid} belongs to workspace {ws_id}",
        {"resourceId": str(oid), "resourceType": label.replace(" ", "_")},
        missing=obj is None,
    )
    return obj, check


def _state(obj: Obj | None, key: str, wanted: set[str], what: str, rid: str) -> Check:
    value = (obj or {}).get(key)
    return Check(
        "resource_state",
        lambda: value in wanted,
        f"{what} {rid} is {value}; needs {' or '.join(sorted(wanted))}",
        f"{what} {rid} is {value}",
        {"resourceId": rid},
    )


#: The state a permission needs its cluster or product in (a resource_state check after ownership).
_NEEDS_STATE: dict[str, set[str]] = {
    "clusters.suspend": {"active"},
    "clusters.resume": {"suspended"},
    "installs.create": {"active"},
    "machines.create": {"active", "pending", "suspended"},
    "products.archive": {"active"},
    "products.unarchive": {"archived"},
    "products.inspect_offer_creation": {"active"},
}


def _owned(tx: Tx, kind: str, rid: str, ws_id: str, name: str) -> tuple[Obj | None, list[Check]]:
    """The object, and the checks that it is the workspace's and (``_NEEDS_STATE``) in the state ``name`` needs."""
    obj, owned = _exists(tx, kind, rid, ws_id, kind)
    out = [owned]
    if name in _NEEDS_STATE:
        out.append(_state(obj, "state", _NEEDS_STATE[name], kind, rid))
    return obj, out


def _cluster_checks(tx: Tx, perm: Permission, ws_id: str, res: Reason) -> list[Check]:
    cid = str(res.get("cluster_id"))
    name = perm.name
    cluster, out = _owned(tx, "cluster", cid, ws_id, name)
    if name == "clusters.delete":
        installs = installs_on(tx, cid) if cluster else []
        out.append(
            Check("resource_state", lambda: not installs, f"cluster {cid} still has installs: {', '.join(installs)}")
        )
    elif name in ("clusters.create_worker_bootstrap", "clusters.revoke_worker_bootstrap"):
        managed = (cluster or {}).get("provider") == "managed_kaas" and (cluster or {}).get("state") != "deleting"
        out.append(Check("resource_state", lambda: managed, f"cluster {cid} is not a managed_kaas cluster in service"))
    elif name == "machines.create":
        out += _quota(tx, ws_id, "compute.max_machines", "compute/machines")
    elif name.startswith("machines."):
        mid = str(res.get("machine_id"))
        out.append(_exists(tx, "machine", mid, ws_id, "machine")[1])
    return out


def _quota(tx: Tx, ws_id: str, key: str, metric: str) -> list[Check]:
    """quota_limit and quota_usage of the entitlement ``key`` (scope workspace), from §6.5's values."""
    lim = limit(tx, ws_id, key)
    used = usage(tx, metric, ws_id)
    if lim is None:
        return [Check("quota_limit", lambda: True, "", f"{key} is unlimited", {"key": key, "metric": metric})]
    base = {"key": key, "metric": metric, "scope": "workspace", "limit": lim}
    return [
        Check("quota_limit", lambda: lim > 0, f"{metric} allows none on this plan", f"{metric} limit {lim}", base),
        Check(
            "quota_usage",
            lambda: used < lim,
            f"quota exceeded for {metric}: {used} of {lim} in use",
            f"{used} of {lim} in use",
            {**base, "usage": used, "remaining": max(0, lim - used)},
        ),
    ]


def _version_of(tx: Tx, vid: Any, pkg_id: str | None, ws_id: str) -> Check:
    version = tx.get("package_version", str(vid)) if vid else None
    pkg = tx.get("package", str(version.get("package_id"))) if version else None
    ok = pkg is not None and pkg.get("workspace_id") == ws_id and (pkg_id is None or pkg["id"] == pkg_id)
    where = f"package {pkg_id}" if pkg_id else f"a package of workspace {ws_id}"
    return Check(
        "relationship",
        lambda: ok,
        f"package version {vid} is not a version of {where}",
        f"package version {vid} belongs to {where}",
        {"resourceId": str(vid), "relationship": "package_version_of"},
    )


def _pin_resolves(tx: Tx, product: Obj | None) -> bool:
    if product is None:
        return False
    try:
        return resolve_pin(tx, product["package"]["id"], product["package"]["version_pin"], []) is not None
    except Unprocessable:  # an unknown pinned version: not ready
        return False


def _product_checks(tx: Tx, perm: Permission, ws_id: str, res: Reason) -> list[Check]:
    pid = str(res.get("product_id"))
    name = perm.name
    product, out = _owned(tx, "product", pid, ws_id, name)
    if name in ("products.inspect_readiness", "products.inspect_offer_creation"):
        ready = _pin_resolves(tx, product)
        out.append(Check("relationship", lambda: ready, f"product {pid}'s pin resolves to no published version"))
    return out


def _offer_checks(tx: Tx, perm: Permission, ws_id: str, res: Reason, subject: Principal) -> list[Check]:
    out: list[Check] = []
    pkg_id = None
    if res.get("product_id"):
        product = tx.get("product", str(res["product_id"]))
        if product is not None and product.get("workspace_id") != ws_id:
            product = None
        pkg_id = product["package"]["id"] if product else None
        out.append(_state(product, "state", {"active"}, "product", str(res["product_id"])))
    out.append(_version_of(tx, res.get("package_version_id"), pkg_id, ws_id))
    target = res.get("target_workspace_id")
    if target:
        seen = target == ws_id or effective_role(tx, subject, str(target)).role != "none"
        out.append(
            Check(
                "resource_ownership",
                lambda: seen,
                f"target workspace {target} is not visible to the subject",
                extra={"resourceId": str(target), "resourceType": "workspace"},
            )
        )
        wanted = res.get("target_workspace_class")
        if wanted:
            cls = (tx.get("workspace", str(target)) or {}).get("workspace_class", "standard")
            out.append(Check("workspace_class", lambda: cls == wanted, f"target workspace is {cls}, not {wanted}"))
    return out


def resource_checks(tx: Tx, perm: Permission, ws_id: str, res: Reason, subject: Principal) -> list[Check]:
    """The §6.4 resource and plan checks of ``perm`` on ``res`` in ``ws_id``, in the table's order."""
    name = perm.name
    if perm.resource_schema in ("ClusterCockpitResource", "MachineCockpitResource"):
        return _cluster_checks(tx, perm, ws_id, res)
    if name.startswith("products.") and name != "products.create":
        return _product_checks(tx, perm, ws_id, res)
    if name == "products.create" and res.get("package_id"):
        pkg = tx.get("package", str(res["package_id"]))
        ok = pkg is not None and pkg.get("workspace_id") == ws_id
        return [Check("relationship", lambda: ok, f"package {res['package_id']} not found in workspace {ws_id}")]
    if name == "packages.get":
        return [_exists(tx, "package", res.get("package_id"), ws_id, "package")[1]]
    if name.startswith("package_versions."):
        owned = _exists(tx, "package", res.get("package_id"), ws_id, "package")[1]
        version = _exists(tx, "package_version", res.get("package_version_id"), ws_id, "package version")[1]
        return [owned, version, _version_of(tx, res.get("package_version_id"), str(res.get("package_id")), ws_id)]
    if name in ("offers.create_non_channel_paid_product_offer", "offers.create_non_billable_test_offer"):
        return _offer_checks(tx, perm, ws_id, res, subject)
    if name == "workspaces.inspect_class":
        wanted = res.get("required_class")
        cls = (tx.get("workspace", ws_id) or {}).get("workspace_class", "standard")
        return [Check("workspace_class", lambda: not wanted or cls == wanted, f"workspace is {cls}, not {wanted}")]
    if name == "workspaces.inspect_membership":
        roles = res.get("required_roles")
        have = effective_role(tx, subject, ws_id).role
        return [
            Check(
                "workspace_role",
                lambda: have in roles if roles else have != "none",
                f"the subject's role {have} is not one of {', '.join(roles or [])}",
                f"the subject's role is {have}",
            )
        ]
    return []

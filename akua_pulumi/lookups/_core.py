"""Lookups of the current workspace, quotas, workspace management and package versions."""

from __future__ import annotations

from typing_extensions import Unpack

from ..client import NotFoundError, api_path
from ._base import AkuaLookupError, Via, ViaWorkspace, _client, _workspace, lookup, no_twin
from ._results import ManagementInfo, PackageVersionInfo, QuotaInfo, WorkspaceInfo


@lookup
def get_current_workspace(workspace_id: str | None = None, **via: Unpack[Via]) -> WorkspaceInfo:
    """The workspace ``akua:workspace`` (or ``workspace_id``) selects: one ``GET /workspaces/{id}``.

    Raises :class:`AkuaLookupError` when no workspace is configured or it does not exist.
    """
    c = _client(via)
    ws = _workspace(c, workspace_id, "get_current_workspace")
    try:
        obj = c.get(api_path("/workspaces/{}", ws))
    except NotFoundError:
        raise AkuaLookupError(f"workspace {ws!r} does not exist (or this token cannot see it)") from None
    plan = obj.get("plan") or {}
    return WorkspaceInfo.from_api(obj, plan_tier=str(plan.get("tier") or "free"), billed_by=plan.get("billed_by"))


@lookup
def get_quotas(workspace_id: str | None = None, cluster_id: str | None = None, **via: Unpack[Via]) -> list[QuotaInfo]:
    """Quotas and their usage: one ``GET /quotas``.

    With a workspace (``workspace_id`` or ``akua:workspace``) allocation quotas describe that workspace;
    without one they cover the whole user. ``cluster_id`` adds the per-cluster concurrency quotas.
    """
    c = _client(via)
    ws = workspace_id or c.workspace
    params = {"cluster_id": cluster_id} if cluster_id else None
    body = c.get("/quotas", params=params, workspace=ws)
    return [QuotaInfo.from_api(q) for q in (body or {}).get("data") or []]


@no_twin  # one quota of get_quotas_output's result
@lookup
def get_quota(metric: str, workspace_id: str | None = None, **via: Unpack[Via]) -> QuotaInfo:
    """One quota by metric (``compute/machines``), from ``GET /quotas``; :class:`AkuaLookupError` if unknown."""
    for q in get_quotas(workspace_id, **via):
        if q.metric == metric:
            return q
    raise AkuaLookupError(f"no quota {metric!r} (metrics look like 'compute/machines')")


@lookup
def get_workspace_management(workspace_id: str, **via: Unpack[Via]) -> ManagementInfo | None:
    """The organization managing ``workspace_id``, or None: one ``GET /workspaces/{id}/management``."""
    if not workspace_id:
        raise AkuaLookupError("get_workspace_management needs a workspace_id")
    c = _client(via)
    try:
        body = c.get(api_path("/workspaces/{}/management", workspace_id))
    except NotFoundError:
        raise AkuaLookupError(f"workspace {workspace_id!r} does not exist (or this token cannot see it)") from None
    grant = (body or {}).get("management")
    if not grant:
        return None
    org = grant.get("organization") or {}
    return ManagementInfo(organization_id=org["id"], organization_name=org["name"], granted_at=grant.get("granted_at"))


@lookup
def get_package_version(
    package_id: str, semver: str | None = None, version_id: str | None = None, **via: Unpack[ViaWorkspace]
) -> PackageVersionInfo:
    """A version of ``package_id``, by ``semver`` or ``version_id``; with neither, the package's latest.

    * ``version_id``: one ``GET /packages/{id}/versions/{version_id}``.
    * ``semver``: lists ``/packages/{id}/versions`` (newest first) and picks the exact match.
    * neither: ``GET /packages/{id}`` for ``latest_version_id``, then that version.

    Packages are workspace-scoped: ``workspace_id`` defaults to ``akua:workspace``.
    Raises :class:`AkuaLookupError` when the package or version does not exist.
    """
    if semver is not None and version_id is not None:
        raise AkuaLookupError("get_package_version: pass semver or version_id, not both")
    c = _client(via)
    c = c.for_workspace(_workspace(c, via.get("workspace_id"), "get_package_version"))
    try:
        if version_id is not None:
            obj = c.get(api_path("/packages/{}/versions/{}", package_id, version_id))
        elif semver is not None:
            want = semver[1:] if semver.startswith("v") else semver
            obj = next(
                (v for v in c.paginate(api_path("/packages/{}/versions", package_id)) if v.get("semver") == want), None
            )
            if obj is None:
                raise AkuaLookupError(f"package {package_id!r} has no version {semver!r}")
        else:
            latest = c.get(api_path("/packages/{}", package_id)).get("latest_version_id")
            if not latest:
                raise AkuaLookupError(f"package {package_id!r} has no versions yet")
            obj = c.get(api_path("/packages/{}/versions/{}", package_id, latest))
    except NotFoundError as exc:
        raise AkuaLookupError(f"package {package_id!r}: {exc.message}") from None
    return PackageVersionInfo.from_api(
        obj, package_id=obj.get("package_id") or package_id, input_schema=dict(obj.get("input_schema") or {})
    )

"""Lookups of installs, clusters, packages and workspaces (contract v4; API.md §2 and §7.6).

Import them from ``akua_pulumi.lookups``::

    from akua_pulumi import lookups

    render = lookups.get_render(install.id, state="deployed")   # what a PreviewHostname binds to
    status = lookups.get_install_status(install_id)
    caps = lookups.get_cluster_capabilities(cluster_id)

Every result's fields are the contract's response schema, field for field (``tests/test_lookups_v4.py``
checks them against ``akua_pulumi/openapi.json``); arrays are tuples and nested objects plain dicts.
Each lookup has an ``*_output`` twin that takes Inputs (generated into ``_outputs``). The operations
each lookup calls are listed in :data:`akua_pulumi._coverage.LOOKUP_OPERATIONS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from typing_extensions import Unpack

from ..client import AkuaClient, api_path
from ._base import AkuaLookupError, Via, ViaWorkspace, _client, _workspace, lookup, missing, scoped
from ._results import AccessStateInfo, ClusterCapabilitiesInfo, InstallStatusInfo, ManagedWorkspaceInfo, RenderInfo

#: ``InstallRender.state`` (API.md §7.6).
RENDER_STATES = ("running", "deployed", "skipped", "failed")


# -- lookups ---------------------------------------------------------------------------------------------


def _renders(c: AkuaClient, install_id: str) -> Iterator[dict[str, Any]]:
    return c.paginate(api_path("/installs/{}/renders", install_id))


@lookup
def get_render(
    install_id: str, render_id: str | None = None, *, state: str | None = None, **via: Unpack[ViaWorkspace]
) -> RenderInfo:
    """A render of ``install_id``: ``render_id``'s (``GET /installs/{id}/renders/{render_id}``), else the
    latest (renders are listed newest first; one request), or with ``state`` the newest render in that
    state (``"deployed"``: what a ``PreviewHostname`` should bind to), following the pages as needed.

    Raises :class:`AkuaLookupError` when the install or render does not exist, or the install has no
    render (in that state) yet.
    """
    if render_id is not None and state is not None:
        raise AkuaLookupError("get_render: pass render_id or state, not both")
    if state is not None and state not in RENDER_STATES:
        raise AkuaLookupError(f"get_render: state must be one of {', '.join(RENDER_STATES)}, not {state!r}")
    if not install_id:
        raise AkuaLookupError("get_render needs an install_id")
    c = scoped(_client(via), via.get("workspace_id"))
    what = f"render {render_id!r} of install {install_id!r}" if render_id else f"install {install_id!r}"
    with missing(what):
        if render_id is not None:
            return RenderInfo.from_api(c.get(api_path("/installs/{}/renders/{}", install_id, render_id)))
        if state is None:
            page = c.get(api_path("/installs/{}/renders", install_id), params={"limit": 1}) or {}
            found = next(iter(page.get("data") or []), None)
        else:
            found = next((r for r in _renders(c, install_id) if r.get("state") == state), None)
    if found is None:
        raise AkuaLookupError(f"install {install_id!r} has no {state + ' ' if state else ''}render yet")
    return RenderInfo.from_api(found)


@lookup
def get_install_status(install_id: str, **via: Unpack[ViaWorkspace]) -> InstallStatusInfo:
    """The runtime status of ``install_id``: one ``GET /installs/{id}/status``."""
    c = scoped(_client(via), via.get("workspace_id"))
    with missing(f"install {install_id!r}"):
        return InstallStatusInfo.from_api(c.get(api_path("/installs/{}/status", install_id)))


@lookup
def get_cluster_capabilities(cluster_id: str, **via: Unpack[ViaWorkspace]) -> ClusterCapabilitiesInfo:
    """What ``cluster_id`` offers (storage classes, gateways, nodes...): one ``GET /clusters/{id}/capabilities``.
    It reads what the platform last observed; ``freshness`` says how old that is (a refresh is not a lookup's
    business: ``clusters.refreshCapabilities`` is a write, docs/coverage.md)."""
    c = scoped(_client(via), via.get("workspace_id"))
    with missing(f"cluster {cluster_id!r}"):
        return ClusterCapabilitiesInfo.from_api(c.get(api_path("/clusters/{}/capabilities", cluster_id)))


@lookup
def get_package_version_inputs(package_id: str, version_id: str, **via: Unpack[ViaWorkspace]) -> dict[str, Any]:
    """The input JSON Schema of a package version (``PackageVersionInputs``, a free-form object): one
    ``GET /packages/{id}/versions/{version_id}/inputs``. Take ``version_id`` from :func:`get_package_version`."""
    c = _client(via)
    c = c.for_workspace(_workspace(c, via.get("workspace_id"), "get_package_version_inputs"))
    with missing(f"version {version_id!r} of package {package_id!r}"):
        return dict(c.get(api_path("/packages/{}/versions/{}/inputs", package_id, version_id)) or {})


@lookup
def get_access_state(workspace_id: str | None = None, **via: Unpack[Via]) -> AccessStateInfo:
    """The access state of ``workspace_id`` (default ``akua:workspace``): one ``GET /workspaces/{id}/access_state``."""
    c = _client(via)
    ws = _workspace(c, workspace_id, "get_access_state")
    with missing(f"workspace {ws!r}"):
        return AccessStateInfo.from_api(c.get(api_path("/workspaces/{}/access_state", ws), workspace=ws))


@lookup
def get_managed_workspaces(organization_id: str, **via: Unpack[Via]) -> list[ManagedWorkspaceInfo]:
    """The workspaces ``organization_id`` manages (customers granted it management): every page of
    ``GET /organizations/{id}/workspaces``."""
    if not organization_id:
        raise AkuaLookupError("get_managed_workspaces needs an organization_id")
    c = _client(via)
    with missing(f"organization {organization_id!r}"):
        items = list(c.paginate(api_path("/organizations/{}/workspaces", organization_id)))
    return [ManagedWorkspaceInfo.from_api(w) for w in items]

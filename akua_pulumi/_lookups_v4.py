"""Lookups of installs, clusters, packages and workspaces (contract v4; API.md §2 and §7.6).

Import them from ``akua_pulumi.lookups`` (this module keeps that one under its size limit)::

    from akua_pulumi import lookups

    render = lookups.get_render(install.id, state="deployed")   # what a PreviewHostname binds to
    status = lookups.get_install_status(install_id)
    caps = lookups.get_cluster_capabilities(cluster_id)

Every result's fields are the contract's response schema, field for field (``tests/test_lookups_v4.py``
checks them against ``akua_pulumi/openapi.json``); arrays are tuples and nested objects plain dicts.
Each lookup has an ``*_output`` twin that takes Inputs. The operations each lookup calls are listed in
:data:`akua_pulumi._coverage.LOOKUP_OPERATIONS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import pulumi

from .client import AkuaClient, NotFoundError, api_path
from .connection import Provider
from .lookups import AkuaLookupError, _AsDict, _client, _output, _workspace

__all__ = [
    "AccessStateInfo",
    "ClusterCapabilitiesInfo",
    "InstallStatusInfo",
    "ManagedWorkspaceInfo",
    "RenderInfo",
    "get_access_state",
    "get_access_state_output",
    "get_cluster_capabilities",
    "get_cluster_capabilities_output",
    "get_install_status",
    "get_install_status_output",
    "get_managed_workspaces",
    "get_managed_workspaces_output",
    "get_package_version_inputs",
    "get_package_version_inputs_output",
    "get_render",
    "get_render_output",
]

#: ``InstallRender.state`` (API.md §7.6).
RENDER_STATES = ("running", "deployed", "skipped", "failed")


def not_found(what: str, exc: NotFoundError) -> AkuaLookupError:
    """The lookup error for a 404: what was asked for and the API's message."""
    return AkuaLookupError(f"{what} does not exist (or this token cannot see it): {exc.message}")


class _Missing:
    """The context manager of :func:`missing`."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(exc, NotFoundError):
            raise not_found(self.what, exc) from None


def missing(what: str) -> _Missing:
    """``with missing("install 'x'"):``: a 404 inside the block becomes :func:`not_found` ``what``."""
    return _Missing(what)


def scoped(client: AkuaClient, workspace_id: str | None) -> AkuaClient:
    """``client`` sending ``workspace_id`` (else its own ``akua:workspace``, if any) as akua-context."""
    return client.for_workspace(workspace_id or client.workspace)


# -- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderInfo(_AsDict):
    """An install render (API.md §7.6, ``InstallRender``); a ``PreviewHostname`` binds to its ``id``."""

    id: str
    workspace_id: str
    install_id: str
    #: SHA-256 of what was rendered; None until known.
    render_hash: str | None
    #: ``running``, ``deployed``, ``skipped`` or ``failed``.
    state: str
    created_at: int
    updated_at: int
    operation_id: str | None = None
    repository_change_request_id: str | None = None
    #: The deploy-repository commit.
    commit_sha: str | None = None
    package_version_id: str | None = None
    restored_from_render_id: str | None = None
    #: Why a render failed.
    message: str | None = None


@dataclass(frozen=True)
class InstallStatusInfo(_AsDict):
    """An install's runtime status (``InstallStatus``, §2.13)."""

    install_id: str
    health: str | None
    sync: str | None
    #: The deployed commit SHA.
    revision: str | None
    #: ``ResourceStatus`` objects ``{kind, name, group, namespace, version, status, message, health}``.
    resources: tuple[dict[str, Any], ...] | None
    operation_phase: str | None
    updated_at: int | None
    #: ``pending``, ``rendering``, ``syncing``, ``healthy``, ``degraded``, ``failed`` or ``deleted``.
    state: str
    reconciling: bool


@dataclass(frozen=True)
class ClusterCapabilitiesInfo(_AsDict):
    """What a cluster offers (``ClusterCapabilities``, §2.10): API groups, storage and gateway classes,
    gateways, ingress classes, nodes, and how fresh that knowledge is."""

    api_groups: tuple[str, ...]
    #: ``{name, provisioner, is_default, reclaim_policy, volume_binding_mode}``.
    storage_classes: tuple[dict[str, Any], ...]
    gateway_classes: tuple[str, ...]
    #: ``{namespace, name, gateway_class_name, listeners[], addresses?, status?, status_message?}``.
    gateways: tuple[dict[str, Any], ...]
    ingress_classes: tuple[str, ...]
    #: ``ClusterNode``: ``{name, roles, version, cpu_capacity, memory_capacity, os_image, architecture, ...}``.
    nodes: tuple[dict[str, Any], ...]
    #: ``{state: missing|fresh|stale, age_seconds, last_successful_at, last_refresh_status, ...}``.
    freshness: dict[str, Any]
    #: ``{namespace, name}`` or None.
    default_gateway: dict[str, Any] | None = None


@dataclass(frozen=True)
class AccessStateInfo(_AsDict):
    """Whether a workspace is usable, as billing left it (``WorkspaceAccessState``, §2.4)."""

    workspace_id: str
    #: ``active``, ``payment_grace``, ``restricted``, ``suspended``, ``ended`` or ``reactivating``.
    status: str
    access_version: int
    accessible: bool
    #: The status that restricts access (None when ``active``).
    reason: str | None
    #: ``pending``, ``reconciled`` or ``failed``.
    reconciliation_status: str
    payment_grace_ends_at: int | None
    restricted_at: int | None
    suspend_at: int | None
    ended_at: int | None


@dataclass(frozen=True)
class ManagedWorkspaceInfo(_AsDict):
    """A workspace an organization manages (``ManagedWorkspace``, §2.5)."""

    id: str
    name: str
    icon: str | None
    created_at: int


# -- lookups ---------------------------------------------------------------------------------------------


def _renders(c: AkuaClient, install_id: str) -> Iterator[dict[str, Any]]:
    return c.paginate(api_path("/installs/{}/renders", install_id))


def get_render(
    install_id: str,
    render_id: str | None = None,
    *,
    state: str | None = None,
    workspace_id: str | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
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
    c = scoped(_client(client, provider), workspace_id)
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


def get_install_status(
    install_id: str,
    *,
    workspace_id: str | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> InstallStatusInfo:
    """The runtime status of ``install_id``: one ``GET /installs/{id}/status``."""
    c = scoped(_client(client, provider), workspace_id)
    with missing(f"install {install_id!r}"):
        return InstallStatusInfo.from_api(c.get(api_path("/installs/{}/status", install_id)))


def get_cluster_capabilities(
    cluster_id: str,
    *,
    workspace_id: str | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> ClusterCapabilitiesInfo:
    """What ``cluster_id`` offers (storage classes, gateways, nodes...): one ``GET /clusters/{id}/capabilities``.
    It reads what the platform last observed; ``freshness`` says how old that is (a refresh is not a lookup's
    business: ``clusters.refreshCapabilities`` is a write, docs/coverage.md)."""
    c = scoped(_client(client, provider), workspace_id)
    with missing(f"cluster {cluster_id!r}"):
        return ClusterCapabilitiesInfo.from_api(c.get(api_path("/clusters/{}/capabilities", cluster_id)))


def get_package_version_inputs(
    package_id: str,
    version_id: str,
    *,
    workspace_id: str | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> dict[str, Any]:
    """The input JSON Schema of a package version (``PackageVersionInputs``, a free-form object): one
    ``GET /packages/{id}/versions/{version_id}/inputs``. Take ``version_id`` from :func:`get_package_version`."""
    c = _client(client, provider)
    c = c.for_workspace(_workspace(c, workspace_id, "get_package_version_inputs"))
    with missing(f"version {version_id!r} of package {package_id!r}"):
        return dict(c.get(api_path("/packages/{}/versions/{}/inputs", package_id, version_id)) or {})


def get_access_state(
    workspace_id: str | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> AccessStateInfo:
    """The access state of ``workspace_id`` (default ``akua:workspace``): one ``GET /workspaces/{id}/access_state``."""
    c = _client(client, provider)
    ws = _workspace(c, workspace_id, "get_access_state")
    with missing(f"workspace {ws!r}"):
        return AccessStateInfo.from_api(c.get(api_path("/workspaces/{}/access_state", ws), workspace=ws))


def get_managed_workspaces(
    organization_id: str, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> list[ManagedWorkspaceInfo]:
    """The workspaces ``organization_id`` manages (customers granted it management): every page of
    ``GET /organizations/{id}/workspaces``."""
    if not organization_id:
        raise AkuaLookupError("get_managed_workspaces needs an organization_id")
    c = _client(client, provider)
    with missing(f"organization {organization_id!r}"):
        items = list(c.paginate(api_path("/organizations/{}/workspaces", organization_id)))
    return [ManagedWorkspaceInfo.from_api(w) for w in items]


# -- Output variants ----------------------------------------------------------------------------------


def get_render_output(
    install_id: pulumi.Input[str],
    render_id: pulumi.Input[str] | None = None,
    *,
    state: pulumi.Input[str] | None = None,
    workspace_id: pulumi.Input[str] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[RenderInfo]:
    """:func:`get_render` for Inputs (e.g. ``install.id``)."""
    return _output(get_render, locals())


def get_install_status_output(
    install_id: pulumi.Input[str],
    *,
    workspace_id: pulumi.Input[str] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[InstallStatusInfo]:
    """:func:`get_install_status` for an Input ``install_id``."""
    return _output(get_install_status, locals())


def get_cluster_capabilities_output(
    cluster_id: pulumi.Input[str],
    *,
    workspace_id: pulumi.Input[str] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[ClusterCapabilitiesInfo]:
    """:func:`get_cluster_capabilities` for an Input ``cluster_id``."""
    return _output(get_cluster_capabilities, locals())


def get_package_version_inputs_output(
    package_id: pulumi.Input[str],
    version_id: pulumi.Input[str],
    *,
    workspace_id: pulumi.Input[str] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[dict[str, Any]]:
    """:func:`get_package_version_inputs` for Inputs (e.g. ``package.id``)."""
    return _output(get_package_version_inputs, locals())


def get_access_state_output(
    workspace_id: pulumi.Input[str] | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> pulumi.Output[AccessStateInfo]:
    """:func:`get_access_state` for an Input ``workspace_id`` (e.g. ``workspace.id``)."""
    return _output(get_access_state, locals())


def get_managed_workspaces_output(
    organization_id: pulumi.Input[str], *, client: AkuaClient | None = None, provider: Provider | None = None
) -> pulumi.Output[list[ManagedWorkspaceInfo]]:
    """:func:`get_managed_workspaces` for an Input ``organization_id`` (e.g. ``organization.id``)."""
    return _output(get_managed_workspaces, locals())

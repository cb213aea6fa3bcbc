"""Installs, their status and lifecycle mutations."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import Page, RequestBody, Resource
from .packages import PackageVersionPin

__all__ = [
    "CreateDirectInstallBody",
    "CreateInstallBody",
    "CreateProductInstallBody",
    "Install",
    "InstallCustomerWorkspace",
    "InstallLifecycleMutation",
    "InstallLifecycleState",
    "InstallList",
    "InstallRender",
    "InstallStatus",
    "InstallUrl",
    "PackageVersionSummary",
    "ResourceStatus",
    "RestoreInstallBody",
    "SetInstallAutomaticUpdatesBody",
    "UpdateInstallVersionBody",
]


class InstallCustomerWorkspace(Resource):
    contract_schema = "InstallCustomerWorkspace"
    id: str
    name: str


class InstallUrl(Resource):
    contract_schema = "InstallUrl"
    route_key: str
    hostname: str
    url: str
    protocol: str
    routing_mode: str
    status: str
    error: str | None = None
    last_observed_at: int | None = None
    updated_at: int


class Install(Resource):
    contract_schema = "Install"
    id: str
    html_url: str
    workspace_id: str
    customer_workspace: InstallCustomerWorkspace
    product_id: str | None = None
    cluster_id: str | None = None
    package_version_id: str
    state: str  # pending | rendering | syncing | healthy | degraded | failed | deleted
    reconciling: bool
    urls: list[InstallUrl]
    demo_cleanup: dict[str, Any] | None = None
    created_at: int
    updated_at: int
    etag: str


class InstallList(Page[Install]):
    contract_schema = "InstallList"


class ResourceStatus(Resource):
    contract_schema = "ResourceStatus"
    kind: str
    name: str
    group: str | None = None
    namespace: str | None = None
    version: str | None = None
    status: str | None = None
    message: str | None = None
    health: dict[str, Any] | None = None


class InstallStatus(Resource):
    contract_schema = "InstallStatus"
    install_id: str
    health: str | None
    sync: str | None
    revision: str | None
    resources: list[ResourceStatus] | None
    operation_phase: str | None
    updated_at: int | None
    state: str
    reconciling: bool


class PackageVersionSummary(Resource):
    contract_schema = "PackageVersionSummary"
    id: str
    semver: str


class InstallLifecycleState(Resource):
    contract_schema = "InstallLifecycleState"
    id: str
    current_version: PackageVersionSummary | None
    desired_version: PackageVersionSummary | None
    automatic_updates_enabled: bool
    updated_at: int
    etag: str


class InstallRender(Resource):
    contract_schema = "InstallRender"
    id: str
    workspace_id: str
    install_id: str
    operation_id: str | None = None
    repository_change_request_id: str | None = None
    render_hash: str | None
    commit_sha: str | None = None
    package_version_id: str | None = None
    restored_from_render_id: str | None = None
    state: str  # running | deployed | skipped | failed
    message: str | None = None
    created_at: int
    updated_at: int


class InstallLifecycleMutation(Resource):
    contract_schema = "InstallLifecycleMutation"
    install: InstallLifecycleState
    render: InstallRender | None


# -- request bodies ---------------------------------------------------------------------------


class CreateProductInstallBody(RequestBody):
    """CreateInstallBody, product-based variant."""

    contract_schema = "CreateInstallBody"
    product_id: str
    region_id: str
    cluster_id: str | None = None
    initial_values: dict[str, Any] | None = None


class CreateDirectInstallBody(RequestBody):
    """CreateInstallBody, direct package variant."""

    contract_schema = "CreateInstallBody"
    package_id: str
    package_version_pin: PackageVersionPin
    region_id: str
    cluster_id: str | None = None
    initial_values: dict[str, Any] | None = None


CreateInstallBody = CreateProductInstallBody | CreateDirectInstallBody


class UpdateInstallVersionBody(RequestBody):
    contract_schema = "UpdateInstallVersionBody"
    package_version_id: str


class RestoreInstallBody(RequestBody):
    contract_schema = "RestoreInstallBody"
    render_id: str


class SetInstallAutomaticUpdatesBody(RequestBody):
    contract_schema = "SetInstallAutomaticUpdatesBody"
    automatic_updates_enabled: bool = Field(strict=True)

"""API tokens, regions, clusters and their capabilities."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import Page, RequestBody, Resource

__all__ = [
    "ApiToken",
    "ApiTokenList",
    "Cluster",
    "ClusterCapabilities",
    "ClusterList",
    "ClusterNode",
    "CreateApiTokenRequest",
    "CreateClusterBody",
    "CreateRegionBody",
    "CreatedApiToken",
    "ImportClusterBody",
    "Kubeconfig",
    "Region",
    "RegionList",
    "UpdateClusterBody",
]


class ApiToken(Resource):
    contract_schema = "ApiToken"
    id: str
    workspace_id: str
    name: str
    prefix: str
    created_at: int
    last_used_at: int | None
    expires_at: int | None


class ApiTokenList(Page[ApiToken]):
    contract_schema = "ApiTokenList"


class CreatedApiToken(Resource):
    """The create response: the only time the token value is shown. ``token`` is kept out of repr."""

    contract_schema = "CreatedApiToken"
    id: str
    workspace_id: str
    name: str
    token: str = Field(repr=False)


class Region(Resource):
    contract_schema = "Region"
    id: str
    name: str
    icon: str | None
    workspace_id: str
    created_at: int


class RegionList(Page[Region]):
    contract_schema = "RegionList"


class Cluster(Resource):
    contract_schema = "Cluster"
    id: str
    html_url: str
    name: str
    workspace_id: str
    state: str  # pending | provisioning | active | suspended | deleting
    provider: str  # managed_kaas | imported_byoc
    reconciling: bool
    created_at: int
    updated_at: int
    etag: str


class ClusterList(Page[Cluster]):
    contract_schema = "ClusterList"


class ClusterNode(Resource):
    contract_schema = "ClusterNode"
    name: str
    roles: list[str]
    version: str
    cpu_capacity: str
    memory_capacity: str
    os_image: str
    architecture: str
    ready: bool | None = None
    worker_capacity: bool | None = None
    schedulable: bool | None = None
    addresses: list[dict[str, Any]] | None = None
    status_message: str | None = None
    created_at: str | None = None
    operating_system: str | None = None


class ClusterCapabilities(Resource):
    contract_schema = "ClusterCapabilities"
    api_groups: list[str]
    storage_classes: list[dict[str, Any]]
    gateway_classes: list[str]
    gateways: list[dict[str, Any]]
    default_gateway: dict[str, Any] | None = None
    ingress_classes: list[str]
    nodes: list[ClusterNode]
    #: ``{state: missing|fresh|stale, max_age_seconds, age_seconds, last_successful_at, …}``
    freshness: dict[str, Any]


class Kubeconfig(Resource):
    contract_schema = "Kubeconfig"
    kubeconfig: str = Field(repr=False)


# -- request bodies ---------------------------------------------------------------------------


class CreateApiTokenRequest(RequestBody):
    contract_schema = "CreateApiTokenRequest"
    nullable = frozenset({"expires_at"})
    name: str = Field(min_length=1, max_length=100)
    expires_at: int | None = Field(default=None, ge=0)


class CreateRegionBody(RequestBody):
    contract_schema = "regions.create request"
    name: str = Field(min_length=1, max_length=100)
    icon: str | None = Field(default=None, max_length=256)


class CreateClusterBody(RequestBody):
    contract_schema = "clusters.create request"
    name: str = Field(min_length=1, max_length=100)
    region_id: str
    network_profile: Literal["linux_cilium", "mixed_os_calico"] | None = None


class ImportClusterBody(RequestBody):
    contract_schema = "clusters.import request"
    name: str = Field(min_length=1, max_length=100)
    region_id: str
    kubeconfig: str = Field(min_length=1, repr=False)


class UpdateClusterBody(RequestBody):
    contract_schema = "clusters.update request"
    name: str | None = Field(default=None, min_length=1, max_length=100)
    region_id: str | None = None
    provider: Literal["managed_kaas", "imported_byoc"] | None = None
    kubeconfig: str | None = Field(default=None, min_length=1, repr=False)

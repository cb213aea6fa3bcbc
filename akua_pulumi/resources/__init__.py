"""Pulumi dynamic resources for the Akua API, one module per resource type.

Every resource shares the lifecycle in :mod:`._provider`; a module declares fields and API hooks.
"""

from __future__ import annotations

from ._provider import AkuaProvider, AkuaResourceError
from .agent import Agent
from .api_token import ApiToken
from .cloudflare_connection import CloudflareConnection
from .cluster import Cluster
from .cluster_compute_settings import ClusterComputeSettings
from .compute_config import ComputeConfig
from .custom_domain import CustomDomain
from .dashboard import Dashboard
from .dashboard_widget import DashboardWidget
from .install import Install
from .machine import Machine
from .offer import Offer
from .organization import Organization
from .organization_invitation import OrganizationInvitation
from .organization_member import OrganizationMember
from .package import Package
from .preview_hostname import PreviewHostname
from .product import Product
from .region import Region
from .registry_connection import RegistryConnection
from .secret import Secret
from .snippet import Snippet
from .worker_bootstrap import WorkerBootstrap
from .workspace import Workspace
from .workspace_member import WorkspaceMember
from .workspace_subdomain import WorkspaceSubdomain
from .workspace_subscription import WorkspaceSubscription

#: Every resource class, for docs and meta-tests.
ALL_RESOURCES = (
    Workspace,
    WorkspaceMember,
    WorkspaceSubscription,
    Organization,
    OrganizationMember,
    OrganizationInvitation,
    ApiToken,
    Region,
    Cluster,
    Package,
    Product,
    Install,
    Secret,
    CustomDomain,
    WorkspaceSubdomain,
    PreviewHostname,
    Offer,
    RegistryConnection,
    CloudflareConnection,
    ComputeConfig,
    ClusterComputeSettings,
    Machine,
    WorkerBootstrap,
    Snippet,
    Dashboard,
    DashboardWidget,
    Agent,
)

# A literal list, so type checkers see the re-exports (tests/test_package_exports.py checks it).
__all__ = [
    "ALL_RESOURCES",
    "Agent",
    "AkuaProvider",
    "AkuaResourceError",
    "ApiToken",
    "CloudflareConnection",
    "Cluster",
    "ClusterComputeSettings",
    "ComputeConfig",
    "CustomDomain",
    "Dashboard",
    "DashboardWidget",
    "Install",
    "Machine",
    "Offer",
    "Organization",
    "OrganizationInvitation",
    "OrganizationMember",
    "Package",
    "PreviewHostname",
    "Product",
    "Region",
    "RegistryConnection",
    "Secret",
    "Snippet",
    "WorkerBootstrap",
    "Workspace",
    "WorkspaceMember",
    "WorkspaceSubdomain",
    "WorkspaceSubscription",
]

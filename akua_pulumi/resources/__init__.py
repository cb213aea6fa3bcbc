"""Pulumi dynamic resources for the Akua API, one module per resource type.

Every resource shares the lifecycle in :mod:`._provider`; a module declares fields and API hooks.
"""

from __future__ import annotations

from ._provider import AkuaProvider, AkuaResourceError
from .api_token import ApiToken
from .cluster import Cluster
from .install import Install
from .organization import Organization
from .organization_invitation import OrganizationInvitation
from .organization_member import OrganizationMember
from .package import Package
from .product import Product
from .region import Region
from .workspace import Workspace
from .workspace_member import WorkspaceMember
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
)

__all__ = [
    "ALL_RESOURCES",
    "AkuaProvider",
    "AkuaResourceError",
    "ApiToken",
    "Cluster",
    "Install",
    "Organization",
    "OrganizationInvitation",
    "OrganizationMember",
    "Package",
    "Product",
    "Region",
    "Workspace",
    "WorkspaceMember",
    "WorkspaceSubscription",
]

"""akua-pulumi: declare Akua in Python and converge it with Pulumi.

Resources (dynamic providers): :class:`Workspace`, :class:`WorkspaceMember`,
:class:`WorkspaceSubscription`, :class:`Organization`, :class:`OrganizationMember`,
:class:`OrganizationInvitation`, :class:`ApiToken`, :class:`Region`, :class:`Cluster`,
:class:`Package`, :class:`Product`, :class:`Install`. Lookups live in :mod:`akua_pulumi.lookups`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .resources import (
    ApiToken,
    Cluster,
    Install,
    Organization,
    OrganizationInvitation,
    OrganizationMember,
    Package,
    Product,
    Region,
    Workspace,
    WorkspaceMember,
    WorkspaceSubscription,
)

__all__ = [
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
    "__version__",
]

"""akua-pulumi: declare Akua in Python and converge it with Pulumi.

Resources (dynamic providers): :class:`Workspace`, :class:`WorkspaceMember`,
:class:`WorkspaceSubscription`, :class:`Organization`, :class:`OrganizationMember`,
:class:`OrganizationInvitation`, :class:`ApiToken`, :class:`Region`, :class:`Cluster`,
:class:`Package`, :class:`Product`, :class:`Install`, and the seller's estate:
:class:`Secret`, :class:`CustomDomain`, :class:`WorkspaceSubdomain`, :class:`PreviewHostname`,
:class:`Offer`, :class:`RegistryConnection`, :class:`CloudflareConnection`, :class:`ComputeConfig`,
:class:`ClusterComputeSettings`. Lookups live in :mod:`akua_pulumi.lookups`,
layouts in :mod:`akua_pulumi.components`. :class:`Provider` names an explicit connection (API URL,
token) for resources, components and lookups; the default is the stack config / environment.

The resource classes are imported lazily, so ``akua-local`` and the client start without pulumi.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ApiToken",
    "CloudflareConnection",
    "Cluster",
    "ClusterComputeSettings",
    "ComputeConfig",
    "CustomDomain",
    "Install",
    "Offer",
    "Organization",
    "OrganizationInvitation",
    "OrganizationMember",
    "Package",
    "PreviewHostname",
    "Product",
    "Provider",
    "Region",
    "RegistryConnection",
    "Secret",
    "Workspace",
    "WorkspaceMember",
    "WorkspaceSubdomain",
    "WorkspaceSubscription",
    "__version__",
]

_RESOURCES = frozenset(__all__) - {"__version__", "Provider"}

if TYPE_CHECKING:
    from .connection import Provider
    from .resources import (
        ApiToken,
        CloudflareConnection,
        Cluster,
        ClusterComputeSettings,
        ComputeConfig,
        CustomDomain,
        Install,
        Offer,
        Organization,
        OrganizationInvitation,
        OrganizationMember,
        Package,
        PreviewHostname,
        Product,
        Region,
        RegistryConnection,
        Secret,
        Workspace,
        WorkspaceMember,
        WorkspaceSubdomain,
        WorkspaceSubscription,
    )


def __getattr__(name: str) -> Any:
    if name == "Provider":
        return import_module(".connection", __name__).Provider
    if name in _RESOURCES:
        return getattr(import_module(".resources", __name__), name)
    raise AttributeError(f"module 'akua_pulumi' has no attribute {name!r}")

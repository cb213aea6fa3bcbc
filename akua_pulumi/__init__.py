"""akua-pulumi: declare Akua in Python and converge it with Pulumi.

Resources (dynamic providers): :class:`Workspace`, :class:`WorkspaceMember`,
:class:`WorkspaceSubscription`, :class:`Organization`, :class:`OrganizationMember`,
:class:`OrganizationInvitation`, :class:`ApiToken`, :class:`Region`, :class:`Cluster`,
:class:`Package`, :class:`Product`, :class:`Install`, and the seller's estate:
:class:`Secret`, :class:`CustomDomain`, :class:`WorkspaceSubdomain`, :class:`PreviewHostname`,
:class:`Offer`, :class:`RegistryConnection`, :class:`CloudflareConnection`, :class:`ComputeConfig`,
:class:`ClusterComputeSettings`, and the operating surface: :class:`Machine`,
:class:`WorkerBootstrap`, :class:`Agent`, :class:`Dashboard`, :class:`DashboardWidget`, :class:`Snippet`.
Lookups live in :mod:`akua_pulumi.lookups`,
layouts in :mod:`akua_pulumi.components`. :class:`Provider` names an explicit connection (API URL,
token) for resources, components and lookups; the default is the stack config / environment.

Each resource's typed arguments are exported beside it (``WorkspaceArgs``...). The resource classes
are imported lazily, so ``akua-local`` and the client start without pulumi.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "AgentArgs",
    "ApiToken",
    "ApiTokenArgs",
    "CloudflareConnection",
    "CloudflareConnectionArgs",
    "Cluster",
    "ClusterArgs",
    "ClusterComputeSettings",
    "ClusterComputeSettingsArgs",
    "ComputeConfig",
    "ComputeConfigArgs",
    "CustomDomain",
    "CustomDomainArgs",
    "Dashboard",
    "DashboardArgs",
    "DashboardWidget",
    "DashboardWidgetArgs",
    "Install",
    "InstallArgs",
    "Machine",
    "MachineArgs",
    "Offer",
    "OfferArgs",
    "Organization",
    "OrganizationArgs",
    "OrganizationInvitation",
    "OrganizationInvitationArgs",
    "OrganizationMember",
    "OrganizationMemberArgs",
    "Package",
    "PackageArgs",
    "PreviewHostname",
    "PreviewHostnameArgs",
    "Product",
    "ProductArgs",
    "Provider",
    "Region",
    "RegionArgs",
    "RegistryConnection",
    "RegistryConnectionArgs",
    "Secret",
    "SecretArgs",
    "Snippet",
    "SnippetArgs",
    "WorkerBootstrap",
    "WorkerBootstrapArgs",
    "Workspace",
    "WorkspaceArgs",
    "WorkspaceMember",
    "WorkspaceMemberArgs",
    "WorkspaceSubdomain",
    "WorkspaceSubdomainArgs",
    "WorkspaceSubscription",
    "WorkspaceSubscriptionArgs",
    "__version__",
]

#: The registered resource types (``akua_pulumi.resources.ALL_RESOURCES``) and their ``<Type>Args``;
#: tests/test_package_exports.py keeps this module in step with that registry.
_RESOURCES = frozenset(n for n in __all__ if n not in {"__version__", "Provider"} and not n.endswith("Args"))
_ARGS = frozenset(f"{n}Args" for n in _RESOURCES)

if TYPE_CHECKING:
    from .connection import Provider
    from .resources import (
        Agent,
        ApiToken,
        CloudflareConnection,
        Cluster,
        ClusterComputeSettings,
        ComputeConfig,
        CustomDomain,
        Dashboard,
        DashboardWidget,
        Install,
        Machine,
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
        Snippet,
        WorkerBootstrap,
        Workspace,
        WorkspaceMember,
        WorkspaceSubdomain,
        WorkspaceSubscription,
    )
    from .resources._generated import (
        AgentArgs,
        ApiTokenArgs,
        CloudflareConnectionArgs,
        ClusterArgs,
        ClusterComputeSettingsArgs,
        ComputeConfigArgs,
        CustomDomainArgs,
        DashboardArgs,
        DashboardWidgetArgs,
        InstallArgs,
        MachineArgs,
        OfferArgs,
        OrganizationArgs,
        OrganizationInvitationArgs,
        OrganizationMemberArgs,
        PackageArgs,
        PreviewHostnameArgs,
        ProductArgs,
        RegionArgs,
        RegistryConnectionArgs,
        SecretArgs,
        SnippetArgs,
        WorkerBootstrapArgs,
        WorkspaceArgs,
        WorkspaceMemberArgs,
        WorkspaceSubdomainArgs,
        WorkspaceSubscriptionArgs,
    )


def __getattr__(name: str) -> Any:
    if name == "Provider":
        return import_module(".connection", __name__).Provider
    if name in _RESOURCES:
        return getattr(import_module(".resources", __name__), name)
    if name in _ARGS:
        return getattr(import_module(".resources._generated", __name__), name)
    raise AttributeError(f"module 'akua_pulumi' has no attribute {name!r}")

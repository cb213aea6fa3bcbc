"""Layouts: stamp out environment-per-workspace and customer-per-workspace from a few lines."""

from __future__ import annotations

from ._args import Bound, LayoutArgs, LayoutArgsError, LayoutError
from .customer import CustomerWorkspace, CustomerWorkspaceArgs
from .environments import EnvironmentArgs, EnvironmentWorkspaces, EnvironmentWorkspacesArgs
from .estate import CustomDomainArgs, OfferArgs, RegistryConnectionArgs, SecretArgs
from .specs import ApiTokenArgs, ClusterArgs, InstallArgs, MachinesArgs, MemberArgs, RegionArgs

__all__ = [
    "ApiTokenArgs",
    "Bound",
    "ClusterArgs",
    "CustomDomainArgs",
    "CustomerWorkspace",
    "CustomerWorkspaceArgs",
    "EnvironmentArgs",
    "EnvironmentWorkspaces",
    "EnvironmentWorkspacesArgs",
    "InstallArgs",
    "LayoutArgs",
    "LayoutArgsError",
    "LayoutError",
    "MachinesArgs",
    "MemberArgs",
    "OfferArgs",
    "RegionArgs",
    "RegistryConnectionArgs",
    "SecretArgs",
]

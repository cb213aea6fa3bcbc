"""Layouts: stamp out environment-per-workspace and customer-per-workspace from a few lines."""

from __future__ import annotations

from .customer import CustomerWorkspace, CustomerWorkspaceArgs
from .environments import EnvironmentArgs, EnvironmentWorkspaces, EnvironmentWorkspacesArgs
from .specs import ApiTokenArgs, ClusterArgs, InstallArgs, MemberArgs, RegionArgs

__all__ = [
    "ApiTokenArgs",
    "ClusterArgs",
    "CustomerWorkspace",
    "CustomerWorkspaceArgs",
    "EnvironmentArgs",
    "EnvironmentWorkspaces",
    "EnvironmentWorkspacesArgs",
    "InstallArgs",
    "MemberArgs",
    "RegionArgs",
]

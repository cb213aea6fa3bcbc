"""Typed arguments shared by the layouts: members, regions with clusters, installs, tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

__all__ = ["ApiTokenArgs", "ClusterArgs", "InstallArgs", "MemberArgs", "RegionArgs"]


@dataclass(frozen=True)
class MemberArgs:
    """A workspace member: an Akua user id and ``admin`` or ``member``."""

    user_id: str
    role: str = "member"


@dataclass(frozen=True)
class ClusterArgs:
    """A cluster in a region. ``name`` also names the Pulumi resource, so it is a plain string."""

    name: str
    network_profile: str | None = None
    import_kubeconfig: pulumi.Input[str] | None = None
    suspended: bool | None = None


@dataclass(frozen=True)
class RegionArgs:
    """A region and the clusters in it."""

    name: str
    icon: str | None = None
    clusters: Sequence[ClusterArgs] = ()


@dataclass(frozen=True)
class InstallArgs:
    """An install: a product (``product_id``) or a package (``package_id`` + ``version``).

    ``region`` and ``cluster`` name a region/cluster of the same layout (default: the first region,
    and its first cluster). ``name`` names the Pulumi resource and must be unique in the layout.
    """

    name: str
    product_id: pulumi.Input[str] | None = None
    package_id: pulumi.Input[str] | None = None
    version: str | None = None
    region: str | None = None
    cluster: str | None = None
    initial_values: Mapping[str, Any] | None = None
    wait_for_healthy: bool | None = None


@dataclass(frozen=True)
class ApiTokenArgs:
    """An API token to mint; its value is a secret output of the layout."""

    name: str
    expires_at: int | None = None


@dataclass
class _Built:
    """What one workspace's children are, by name (filled by :func:`build_workspace_contents`)."""

    regions: dict[str, Any] = field(default_factory=dict)
    clusters: dict[str, Any] = field(default_factory=dict)
    installs: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Any] = field(default_factory=dict)

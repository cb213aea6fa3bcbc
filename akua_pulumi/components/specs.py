"""Typed arguments shared by the layouts: members, regions with clusters, installs, tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi

from ..resources import ApiToken, Cluster, ComputeConfig, Install, Machine, Region, WorkspaceMember
from ._args import Bound, LayoutArgs, declared_default

__all__ = ["ApiTokenArgs", "ClusterArgs", "InstallArgs", "MachinesArgs", "MemberArgs", "RegionArgs"]

# Every argument annotated ``Bound(Resource)`` takes its constraints and docs from that resource's
# declared field and is passed to it as is; ``adopt`` (by natural key, for resources that have one)
# and ``adopt_id`` are the resources' own adoption options, so everything a layout creates can be
# taken over through its arguments.


@dataclass(frozen=True)
class MemberArgs(LayoutArgs):
    """A workspace member: an Akua user id and ``admin`` or ``member``."""

    user_id: Annotated[str, Bound(WorkspaceMember)]
    role: Annotated[str, Bound(WorkspaceMember)] = declared_default(WorkspaceMember, "role")
    adopt: Annotated[bool | None, Bound(WorkspaceMember)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(WorkspaceMember)] = None


@dataclass(frozen=True)
class ClusterArgs(LayoutArgs):
    """A cluster in a region. ``name`` also names the Pulumi resource, so it is a plain string."""

    name: Annotated[str, Bound(Cluster)]
    network_profile: Annotated[str | None, Bound(Cluster)] = None
    import_kubeconfig: Annotated[pulumi.Input[str] | None, Bound(Cluster, in_file=False)] = None
    suspended: Annotated[bool | None, Bound(Cluster)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(Cluster)] = None


#: The compute config a layout creates for its machines when given neither an id nor provider settings.
DEFAULT_PROVIDER_CONFIG: Mapping[str, str] = {"region": "fsn1", "image": "ubuntu-24.04"}


@dataclass(frozen=True)
class MachinesArgs(LayoutArgs):
    """The workers of a layout's cluster: ``count`` machines of ``instance_type``, built with the existing
    compute config ``compute_config_id``, or with one the layout creates from ``provider_config``
    (default :data:`DEFAULT_PROVIDER_CONFIG`, Akua-managed credentials)."""

    count: int = 1
    instance_type: Annotated[str, Bound(Machine)] = "cx23"
    compute_config_id: Annotated[pulumi.Input[str] | None, Bound(Machine)] = None
    provider_config: Annotated[Mapping[str, Any] | None, Bound(ComputeConfig)] = None

    @classmethod
    def check_values(cls, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = super().check_values(values)
        count = values.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 100:
            problems.append(("count", f"count must be an integer from 0 to 100, got {count!r}"))
        if values.get("compute_config_id") is not None and values.get("provider_config") is not None:
            problems.append(("provider_config", "give compute_config_id (an existing config) or provider_config"))
        return problems


@dataclass(frozen=True)
class RegionArgs(LayoutArgs):
    """A region and the clusters in it."""

    name: Annotated[str, Bound(Region)]
    icon: Annotated[str | None, Bound(Region)] = None
    clusters: Sequence[ClusterArgs] = ()
    adopt: Annotated[bool | None, Bound(Region)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(Region)] = None


@dataclass(frozen=True)
class InstallArgs(LayoutArgs):
    """An install: a product (``product_id``) or a package (``package_id`` + ``version``).

    ``region`` and ``cluster`` name a region/cluster of the same layout (default: the first region,
    and its first cluster). ``name`` names the Pulumi resource and must be unique in the layout.
    """

    name: str
    product_id: Annotated[pulumi.Input[str] | None, Bound(Install)] = None
    package_id: Annotated[pulumi.Input[str] | None, Bound(Install)] = None
    version: Annotated[str | None, Bound(Install)] = None
    region: str | None = None
    cluster: str | None = None
    initial_values: Annotated[Mapping[str, Any] | None, Bound(Install)] = None
    wait_for_healthy: Annotated[bool | None, Bound(Install)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(Install)] = None


@dataclass(frozen=True)
class ApiTokenArgs(LayoutArgs):
    """An API token to mint; its value is a secret output of the layout (an adopted token has none)."""

    name: Annotated[str, Bound(ApiToken)]
    expires_at: Annotated[int | None, Bound(ApiToken)] = None
    adopt: Annotated[bool | None, Bound(ApiToken)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(ApiToken)] = None


@dataclass
class _Built:
    """What one workspace's children are, by name (filled by :func:`build_workspace_contents`)."""

    regions: dict[str, Any] = field(default_factory=dict)
    clusters: dict[str, Any] = field(default_factory=dict)
    installs: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Any] = field(default_factory=dict)

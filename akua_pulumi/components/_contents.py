"""Stamp members, regions, clusters and installs into one workspace (shared by the layouts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from ..resources import Cluster, Install, Region, Workspace, WorkspaceMember
from ._args import LayoutError
from .specs import InstallArgs, MemberArgs, RegionArgs, _Built

__all__ = ["WorkspaceContents", "build_contents", "output_map"]

WorkspaceContents = _Built


def output_map(values: Mapping[str, pulumi.Input[Any]]) -> pulumi.Output[dict[str, Any]]:
    """``{key: Input}`` → ``Output[{key: value}]`` (an empty mapping stays an empty dict)."""
    if not values:
        return pulumi.Output.from_input({})
    return pulumi.Output.all(**dict(values))


def build_contents(
    prefix: str,
    workspace: Workspace,
    *,
    members: Sequence[MemberArgs] = (),
    regions: Sequence[RegionArgs] = (),
    installs: Sequence[InstallArgs] = (),
    parent: pulumi.Resource,
) -> WorkspaceContents:
    """Declare the children of ``workspace``. Names derive from ``prefix`` and each spec's name, so
    adding a member, region or install later leaves every existing resource untouched."""
    built = WorkspaceContents()
    child = pulumi.ResourceOptions(parent=parent)
    for m in members:
        built.members[m.user_id] = WorkspaceMember(
            f"{prefix}-member-{m.user_id}", **m.inputs_for(WorkspaceMember), workspace_id=workspace.id, opts=child
        )
    for r in regions:
        region = Region(f"{prefix}-region-{r.name}", **r.inputs_for(Region), workspace_id=workspace.id, opts=child)
        built.regions[r.name] = region
        for c in r.clusters:
            built.clusters[c.name] = Cluster(
                f"{prefix}-cluster-{c.name}",
                **c.inputs_for(Cluster),
                region_id=region.id,
                workspace_id=workspace.id,
                opts=child,
            )
    first_region = regions[0].name if regions else None
    for i in installs:
        region_name = i.region or first_region
        if region_name is None or region_name not in built.regions:
            raise LayoutError(f"install {i.name!r}: region {region_name!r} is not declared in this layout")
        cluster_name = i.cluster
        if cluster_name is None:
            in_region = next((r for r in regions if r.name == region_name), None)
            cluster_name = in_region.clusters[0].name if in_region and in_region.clusters else None
        if cluster_name is not None and cluster_name not in built.clusters:
            raise LayoutError(f"install {i.name!r}: cluster {cluster_name!r} is not declared in this layout")
        # Passing the cluster id also orders destroy: the install goes before its cluster.
        cluster_id = built.clusters[cluster_name].id if cluster_name else None
        inputs = i.inputs_for(Install)
        if "initial_values" in inputs:
            inputs["initial_values"] = dict(inputs["initial_values"])
        built.installs[i.name] = Install(
            f"{prefix}-install-{i.name}",
            **inputs,
            region_id=built.regions[region_name].id,
            cluster_id=cluster_id,
            workspace_id=workspace.id,
            opts=child,
        )
    return built

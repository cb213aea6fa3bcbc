"""``EnvironmentWorkspaces``: one workspace per environment (prod, staging, dev) from a few lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

import pulumi

from ..connection import Provider, split_provider
from ..resources import Workspace, WorkspaceSubdomain, WorkspaceSubscription
from ._args import Bound, LayoutArgs, LayoutError
from ._contents import WorkspaceContents, build_contents, output_map
from .estate import CustomDomainArgs, Estate, RegistryConnectionArgs, build_estate
from .specs import InstallArgs, MemberArgs, RegionArgs

__all__ = ["EnvironmentArgs", "EnvironmentWorkspaces", "EnvironmentWorkspacesArgs"]


@dataclass(frozen=True)
class EnvironmentArgs(LayoutArgs):
    """One environment. Unset lists fall back to the layout-wide defaults; members are added to them.

    ``adopt``/``adopt_id`` take over the environment's existing workspace (by slug, or by id).
    ``subdomain`` names the workspace's subdomain (``<subdomain>.<base domain>``; destroy leaves it),
    ``custom_domains`` route host names to the environment's installs or clusters, and
    ``registry_connection`` replaces the layout-wide one.
    """

    name: str
    workspace_name: Annotated[str | None, Bound(Workspace, "name")] = None
    slug: Annotated[str | None, Bound(Workspace)] = None
    members: Sequence[MemberArgs] = ()
    regions: Sequence[RegionArgs] | None = None
    installs: Sequence[InstallArgs] | None = None
    tier: Annotated[str | None, Bound(WorkspaceSubscription)] = None
    subdomain: Annotated[str | None, Bound(WorkspaceSubdomain, "name")] = None
    custom_domains: Sequence[CustomDomainArgs] = ()
    registry_connection: RegistryConnectionArgs | None = None
    adopt: Annotated[bool | None, Bound(Workspace)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(Workspace)] = None


@dataclass(frozen=True)
class EnvironmentWorkspacesArgs(LayoutArgs):
    """Arguments of :class:`EnvironmentWorkspaces`.

    Args:
        prefix: Names and slugs: workspace ``<prefix>-<env>`` (slug too, unless an environment sets one).
        display_name: Workspace display name prefix (``"Acme (prod)"``); defaults to ``prefix``.
        environments: Environment names or :class:`EnvironmentArgs`; default prod, staging, dev.
        members: Members of every environment's workspace.
        regions: Regions (with clusters) of every environment unless it declares its own.
        installs: Installs of every environment unless it declares its own.
        tier: Subscription tier of every workspace unless the environment sets one (None: leave it).
        adopt: Take over every environment's existing workspace by slug (an environment's own
            ``adopt`` wins); the children adopt through their own args (``MemberArgs(adopt=True)``...).
        registry_connection: A registry pull credential in every environment that declares none.
    """

    prefix: str
    display_name: str | None = None
    environments: Sequence[str | EnvironmentArgs] = ("prod", "staging", "dev")
    members: Sequence[MemberArgs] = ()
    regions: Sequence[RegionArgs] = ()
    installs: Sequence[InstallArgs] = ()
    tier: Annotated[str | None, Bound(WorkspaceSubscription)] = None
    registry_connection: RegistryConnectionArgs | None = None
    adopt: Annotated[bool | None, Bound(Workspace)] = None


@dataclass
class EnvironmentResources:
    """What one environment got: its workspace and the children in it."""

    workspace: Workspace
    contents: WorkspaceContents
    subscription: WorkspaceSubscription | None = None
    subdomain: WorkspaceSubdomain | None = None
    estate: Estate | None = None
    extra: dict[str, pulumi.Resource] = field(default_factory=dict)


class EnvironmentWorkspaces(pulumi.ComponentResource):
    """One Akua workspace per environment with shared members and per-environment regions,
    clusters and installs. Adding an environment later creates only that environment's resources.

    Outputs: ``workspace_ids`` (env → workspace id), ``workspace_slugs``, ``cluster_ids``
    (env → {cluster name → id}) and ``kubeconfigs`` (secret: env → {cluster name → kubeconfig}).
    """

    #: The explicit connection of this layout and its children (None: stack config / env).
    akua_provider: Provider | None
    workspaces: dict[str, Workspace]
    environments: dict[str, EnvironmentResources]
    workspace_ids: pulumi.Output[dict[str, str]]
    workspace_slugs: pulumi.Output[dict[str, str]]
    cluster_ids: pulumi.Output[dict[str, dict[str, str]]]
    kubeconfigs: pulumi.Output[dict[str, dict[str, str]]]

    def __init__(self, name: str, args: EnvironmentWorkspacesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # An explicit connection (opts.provider=akua_pulumi.Provider) goes to every child through parent=self.
        opts, self.akua_provider = split_provider(opts)
        super().__init__("akua:layouts:EnvironmentWorkspaces", name, None, opts)
        envs = [e if isinstance(e, EnvironmentArgs) else EnvironmentArgs(name=e) for e in args.environments]
        names = [e.name for e in envs]
        if len(set(names)) != len(names):
            raise LayoutError(f"EnvironmentWorkspaces {name}: environment names must be unique, got {names}")
        self.environments = {}
        self.workspaces = {}
        display = args.display_name or args.prefix
        for env in envs:
            prefix = f"{name}-{env.name}"
            ws = Workspace(
                prefix,
                **{
                    "name": f"{display} ({env.name})",
                    "slug": f"{args.prefix}-{env.name}",
                    **args.inputs_for(Workspace),
                    **env.inputs_for(Workspace),
                },
                opts=pulumi.ResourceOptions(parent=self),
            )
            contents = build_contents(
                prefix,
                ws,
                members=[*args.members, *env.members],
                regions=env.regions if env.regions is not None else args.regions,
                installs=env.installs if env.installs is not None else args.installs,
                parent=self,
            )
            subscription_inputs = {**args.inputs_for(WorkspaceSubscription), **env.inputs_for(WorkspaceSubscription)}
            subscription = (
                WorkspaceSubscription(
                    f"{prefix}-subscription",
                    **subscription_inputs,
                    workspace_id=ws.id,
                    opts=pulumi.ResourceOptions(parent=self),
                )
                if subscription_inputs
                else None
            )
            subdomain = (
                WorkspaceSubdomain(
                    f"{prefix}-subdomain",
                    **env.inputs_for(WorkspaceSubdomain),
                    workspace_id=ws.id,
                    opts=pulumi.ResourceOptions(parent=self),
                )
                if env.subdomain is not None
                else None
            )
            estate = build_estate(
                prefix,
                ws,
                contents,
                custom_domains=env.custom_domains,
                registry_connection=env.registry_connection or args.registry_connection,
                parent=self,
            )
            self.workspaces[env.name] = ws
            self.environments[env.name] = EnvironmentResources(ws, contents, subscription, subdomain, estate)

        self.workspace_ids = output_map({k: w.id for k, w in self.workspaces.items()})
        self.workspace_slugs = output_map({k: w.slug for k, w in self.workspaces.items()})
        self.cluster_ids = output_map(
            {k: output_map({c: r.id for c, r in e.contents.clusters.items()}) for k, e in self.environments.items()}
        )
        self.kubeconfigs = pulumi.Output.secret(
            output_map(
                {
                    k: output_map({c: r.kubeconfig for c, r in e.contents.clusters.items()})
                    for k, e in self.environments.items()
                }
            )
        )
        self.register_outputs(
            {
                "workspace_ids": self.workspace_ids,
                "workspace_slugs": self.workspace_slugs,
                "cluster_ids": self.cluster_ids,
                "kubeconfigs": self.kubeconfigs,
            }
        )

"""``CustomerWorkspace``: one customer's workspace with members, a cluster, installs and a token."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import pulumi

from ..connection import Provider, split_provider
from ..resources import ApiToken, ComputeConfig, Machine, Offer, Workspace, WorkspaceSubscription
from ._args import BillingPlan, Bound, LayoutArgs, LayoutError
from ._contents import WorkspaceContents, build_contents, output_map
from .estate import CustomDomainArgs, Estate, OfferArgs, SecretArgs, build_estate
from .specs import DEFAULT_PROVIDER_CONFIG, ApiTokenArgs, ClusterArgs, InstallArgs, MachinesArgs, MemberArgs, RegionArgs

__all__ = ["CustomerWorkspace", "CustomerWorkspaceArgs"]


@dataclass(frozen=True)
class CustomerWorkspaceArgs(LayoutArgs):
    """Arguments of :class:`CustomerWorkspace`.

    Args:
        name: The customer's display name (the workspace name).
        slug: Workspace slug; defaults to a slug of the name.
        members: The customer's users.
        region: The region the customer runs in (its ``clusters`` are added to ``cluster``).
        cluster: The customer's cluster (optional).
        machines: Workers of ``cluster``: how many, of which instance type, built with which compute
            config (an existing one's id, or provider settings for one the layout creates).
        installs: Installs of the seller's (marketplace-published) products or of packages.
        api_token: Mint an API token for the customer (secret output ``api_token``).
        managing_organization_id: The organization expected to manage this workspace (an id or an
            Output such as ``org.id``); see ``management_ok``.
        require_management: Fail the run when the workspace is not managed by that organization
            (management is granted by the customer, so leave this off for brand-new customers).
        tier: Subscription tier to converge to (None: leave it).
        billing: How the customer pays the seller: a billing plan, e.g. ``akua_pulumi.stripe.layout.BillingArgs``
            (a Stripe customer and subscription beside the workspace, linked to it; see docs/stripe.md).
            Offboarding cancels the subscription.
        offer: An offer of the seller's product to this customer (in the seller's workspace).
        custom_domains: Custom domains of the customer's workspace, routed to its installs/clusters.
        secrets: Workspace secrets (values are sent as Pulumi secrets; state keeps only a hash).
        adopt: Take over an existing workspace with the same slug.
        adopt_id: Take over the existing workspace with this id.
    """

    name: Annotated[str, Bound(Workspace)]
    region: RegionArgs
    slug: Annotated[str | None, Bound(Workspace)] = None
    members: Sequence[MemberArgs] = ()
    cluster: ClusterArgs | None = None
    machines: MachinesArgs | None = None
    installs: Sequence[InstallArgs] = ()
    api_token: ApiTokenArgs | None = None
    managing_organization_id: pulumi.Input[str] | None = None
    require_management: bool = False
    tier: Annotated[str | None, Bound(WorkspaceSubscription)] = None
    billing: BillingPlan | None = None
    offer: OfferArgs | None = None
    custom_domains: Sequence[CustomDomainArgs] = ()
    secrets: Sequence[SecretArgs] = ()
    adopt: Annotated[bool | None, Bound(Workspace)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(Workspace)] = None

    @classmethod
    def check_values(cls, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = super().check_values(values)
        count: int = getattr(values.get("machines"), "count", 0)
        if count and values.get("cluster") is None:
            problems.append(("machines", "machines are workers of the customer's cluster: set cluster too"))
        return problems


class CustomerWorkspace(pulumi.ComponentResource):
    """One customer's workspace. Outputs what the next step needs: ``workspace_id``, ``workspace_slug``,
    ``region_id``, ``cluster_id``, ``kubeconfig`` (secret), ``api_token`` (secret), ``install_ids``,
    ``install_urls``, ``machine_ids`` and ``managed_by`` / ``management_ok``. Re-running it is a no-op; growing it
    (another member or install) adds only the new resources.
    """

    #: The explicit connection of this layout and its children (None: stack config / env).
    akua_provider: Provider | None
    workspace: Workspace
    contents: WorkspaceContents
    token: ApiToken | None
    billing: pulumi.ComponentResource | None
    estate: Estate
    offer: Offer | None
    machines: list[Machine]
    workspace_id: pulumi.Output[str]
    workspace_slug: pulumi.Output[str | None]
    region_id: pulumi.Output[str]
    cluster_id: pulumi.Output[str | None]
    kubeconfig: pulumi.Output[str | None]
    api_token: pulumi.Output[str | None]
    install_ids: pulumi.Output[dict[str, str]]
    install_urls: pulumi.Output[dict[str, Any]]
    machine_ids: pulumi.Output[list[str]]
    managed_by: pulumi.Output[str | None]
    management_ok: pulumi.Output[bool]
    offer_short_hash: pulumi.Output[str | None]
    custom_domain_ids: pulumi.Output[dict[str, str]]
    secret_ids: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: CustomerWorkspaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # An explicit connection (opts.provider=akua_pulumi.Provider) goes to every child through parent=self.
        opts, self.akua_provider = split_provider(opts)
        super().__init__("akua:layouts:CustomerWorkspace", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.workspace = Workspace(name, **args.inputs_for(Workspace), opts=child)
        region = args.region
        if args.cluster is not None:
            region = dataclasses.replace(region, clusters=(args.cluster, *region.clusters))
        self.contents = build_contents(
            name, self.workspace, members=args.members, regions=[region], installs=args.installs, parent=self
        )
        self.token = (
            ApiToken(f"{name}-token", **args.api_token.inputs_for(ApiToken), workspace_id=self.workspace.id, opts=child)
            if args.api_token
            else None
        )
        if args.tier:
            WorkspaceSubscription(
                f"{name}-subscription",
                **args.inputs_for(WorkspaceSubscription),
                workspace_id=self.workspace.id,
                opts=child,
            )
        self.billing = (
            args.billing.declare(name, workspace_id=self.workspace.id, customer_name=args.name, opts=child)
            if args.billing
            else None
        )
        self.estate = build_estate(
            name,
            self.workspace,
            self.contents,
            secrets=args.secrets,
            custom_domains=args.custom_domains,
            parent=self,
        )
        self.offer = None
        if args.offer is not None:
            offer_inputs = {"customer": {"display_name": args.name}, **args.offer.inputs_for(Offer)}
            self.offer = Offer(f"{name}-offer", **offer_inputs, opts=child)

        first_cluster = next(iter(self.contents.clusters.values()), None)
        self.machines = self._machines(name, args, child)
        self.workspace_id = self.workspace.id
        self.workspace_slug = self.workspace.slug
        self.region_id = self.contents.regions[region.name].id
        self.cluster_id = first_cluster.id if first_cluster else pulumi.Output.from_input(None)
        self.kubeconfig = pulumi.Output.secret(first_cluster.kubeconfig if first_cluster else None)
        self.api_token = pulumi.Output.secret(self.token.token if self.token else None)
        self.install_ids = output_map({k: i.id for k, i in self.contents.installs.items()})
        self.install_urls = output_map({k: i.urls for k, i in self.contents.installs.items()})
        self.managed_by, self.management_ok = self._management(name, args)
        self.offer_short_hash = self.offer.short_hash if self.offer else pulumi.Output.from_input(None)
        self.custom_domain_ids = output_map({k: d.id for k, d in self.estate.custom_domains.items()})
        self.secret_ids = output_map({k: s.id for k, s in self.estate.secrets.items()})
        self.machine_ids = pulumi.Output.all(*(m.id for m in self.machines))
        self.register_outputs(
            {
                "workspace_id": self.workspace_id,
                "workspace_slug": self.workspace_slug,
                "region_id": self.region_id,
                "cluster_id": self.cluster_id,
                "kubeconfig": self.kubeconfig,
                "api_token": self.api_token,
                "install_ids": self.install_ids,
                "managed_by": self.managed_by,
                "management_ok": self.management_ok,
                "offer_short_hash": self.offer_short_hash,
                "custom_domain_ids": self.custom_domain_ids,
                "secret_ids": self.secret_ids,
                "machine_ids": self.machine_ids,
            }
        )

    def _machines(self, name: str, args: CustomerWorkspaceArgs, child: pulumi.ResourceOptions) -> list[Machine]:
        """The workers of the customer's cluster (they depend on it and on their compute config, so
        destroy removes them first)."""
        spec = args.machines
        if spec is None or spec.count == 0:
            return []
        if args.cluster is None:
            raise LayoutError(f"CustomerWorkspace {name}: machines need a cluster (set cluster=ClusterArgs(...))")
        cluster = self.contents.clusters[args.cluster.name]
        config_id = spec.compute_config_id
        if config_id is None:
            provider_config = dict(spec.provider_config or DEFAULT_PROVIDER_CONFIG)
            config = ComputeConfig(
                f"{name}-machines",
                name=f"{args.cluster.name}-machines",
                provider_config=provider_config,
                workspace_id=self.workspace.id,
                opts=child,
            )
            config_id = config.id
        return [
            Machine(
                f"{name}-machine-{i}",
                cluster_id=cluster.id,
                compute_config_id=config_id,
                instance_type=spec.instance_type,
                name=f"{args.cluster.name}-{i}",
                workspace_id=self.workspace.id,
                opts=child,
            )
            for i in range(1, spec.count + 1)
        ]

    def _management(
        self, name: str, args: CustomerWorkspaceArgs
    ) -> tuple[pulumi.Output[str | None], pulumi.Output[bool]]:
        """Look up the managing organization once the workspace exists and compare it."""
        expected = args.managing_organization_id
        if expected is None:
            return pulumi.Output.from_input(None), pulumi.Output.from_input(True)
        from ..lookups import get_workspace_management_output

        management = get_workspace_management_output(self.workspace.id, provider=self.akua_provider)
        managed_by = management.apply(lambda m: m.organization_id if m else None)

        def check(pair: list[Any]) -> bool:
            actual, wanted = pair
            if actual == wanted:
                return True
            message = (
                f"CustomerWorkspace {name}: workspace is managed by {actual or 'no organization'}, "
                f"expected {wanted}. The customer grants management from their workspace settings."
            )
            if args.require_management:
                raise LayoutError(message)
            pulumi.log.warn(message, resource=self)
            return False

        return managed_by, pulumi.Output.all(managed_by, expected).apply(check)

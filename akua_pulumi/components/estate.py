"""Layout arguments for the seller's estate: offers, custom domains, secrets, registry connections.

Every field is bound to the resource it feeds (see :mod:`._args`), so the layouts, the customers
file and the resources accept the same values. Secret inputs (``SecretArgs.value``,
``RegistryConnectionArgs.credentials``) are handed to their resources as Pulumi secrets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
from pulumi.output import Unknown

from ..resources import CustomDomain, Offer, RegistryConnection, Secret
from ._args import Bound, LayoutArgs, LayoutError
from ._contents import WorkspaceContents

__all__ = ["CustomDomainArgs", "OfferArgs", "RegistryConnectionArgs", "SecretArgs", "build_estate"]


@dataclass(frozen=True)
class SecretArgs(LayoutArgs):
    """A workspace secret. ``value`` is sent as a Pulumi secret; state keeps only its hash."""

    name: Annotated[str, Bound(Secret)]
    value: Annotated[pulumi.Input[str], Bound(Secret)]
    kind: Annotated[str | None, Bound(Secret)] = None
    description: Annotated[str | None, Bound(Secret)] = None
    force_delete: Annotated[bool | None, Bound(Secret)] = None
    adopt: Annotated[bool | None, Bound(Secret)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(Secret)] = None


@dataclass(frozen=True)
class CustomDomainArgs(LayoutArgs):
    """A custom domain of the workspace, routed to exactly one target: ``install`` or ``cluster``
    (names declared in the same layout), ``install_id``/``cluster_id`` (ids) or ``endpoint`` (a URL)."""

    hostname: Annotated[str, Bound(CustomDomain)]
    install: str | None = None
    cluster: str | None = None
    install_id: Annotated[pulumi.Input[str] | None, Bound(CustomDomain)] = None
    cluster_id: Annotated[pulumi.Input[str] | None, Bound(CustomDomain)] = None
    endpoint: Annotated[str | None, Bound(CustomDomain)] = None
    protocol: Annotated[str | None, Bound(CustomDomain)] = None
    routing_mode: Annotated[str | None, Bound(CustomDomain)] = None
    adopt: Annotated[bool | None, Bound(CustomDomain)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(CustomDomain)] = None

    @classmethod
    def check_values(cls, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        # A target named inside the layout becomes an id the resource sees only later: count it as one.
        values = dict(values)
        for by_name, by_id in (("install", "install_id"), ("cluster", "cluster_id")):
            if values.get(by_name) is not None and values.get(by_id) is None:
                values[by_id] = Unknown()
        return super().check_values(values)


@dataclass(frozen=True)
class OfferArgs(LayoutArgs):
    """An offer of the seller's product to this customer (a ``/i/<short_hash>`` link). It lives in
    the seller's workspace (``workspace_id``, default ``akua:workspace``); ``customer`` defaults to
    ``{display_name: <customer name>}``. Offers are immutable: a change makes a new one."""

    product_id: Annotated[pulumi.Input[str] | None, Bound(Offer)] = None
    package_version_id: Annotated[pulumi.Input[str] | None, Bound(Offer)] = None
    workspace_id: Annotated[pulumi.Input[str] | None, Bound(Offer)] = None
    allowed_emails: Annotated[list[str] | None, Bound(Offer)] = None
    customer: Annotated[dict[str, Any] | None, Bound(Offer)] = None
    notes: Annotated[str | None, Bound(Offer)] = None
    internal_note: Annotated[str | None, Bound(Offer)] = None
    commercial_mode: Annotated[str | None, Bound(Offer)] = None
    pricing_request: Annotated[dict[str, Any] | None, Bound(Offer)] = None
    expires_at: Annotated[int | None, Bound(Offer)] = None
    max_uses: Annotated[int | None, Bound(Offer)] = None
    unlimited_uses: Annotated[bool | None, Bound(Offer)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(Offer)] = None


@dataclass(frozen=True)
class RegistryConnectionArgs(LayoutArgs):
    """An OCI registry pull credential; ``credentials`` is sent as a Pulumi secret (write-only)."""

    name: Annotated[str, Bound(RegistryConnection)]
    registry_url: Annotated[str, Bound(RegistryConnection)]
    type: Annotated[str, Bound(RegistryConnection)]
    credentials: Annotated[pulumi.Input[dict[str, Any]], Bound(RegistryConnection)]
    adopt: Annotated[bool | None, Bound(RegistryConnection)] = None
    adopt_id: Annotated[pulumi.Input[str] | None, Bound(RegistryConnection)] = None


@dataclass
class Estate:
    """The estate resources of one workspace, by name (hostname for domains)."""

    secrets: dict[str, Secret]
    custom_domains: dict[str, CustomDomain]
    registry_connection: RegistryConnection | None


def _target(prefix: str, spec: CustomDomainArgs, contents: WorkspaceContents) -> dict[str, Any]:
    for name, pool, key in (
        (spec.install, contents.installs, "install_id"),
        (spec.cluster, contents.clusters, "cluster_id"),
    ):
        if name is not None:
            if name not in pool:
                raise LayoutError(
                    f"{prefix}: custom domain {spec.hostname}: {key.removesuffix('_id')} {name!r} is not declared "
                    f"in the layout (declared: {', '.join(pool) or 'none'})"
                )
            return {key: pool[name].id}
    return {}


def build_estate(
    prefix: str,
    workspace: pulumi.Resource,
    contents: WorkspaceContents,
    *,
    secrets: Sequence[SecretArgs] = (),
    custom_domains: Sequence[CustomDomainArgs] = (),
    registry_connection: RegistryConnectionArgs | None = None,
    parent: pulumi.Resource,
) -> Estate:
    """Create the workspace's secrets (``<prefix>-secret-<name>``), custom domains
    (``<prefix>-domain-<hostname>``) and registry connection (``<prefix>-registry``) under ``parent``."""
    workspace_id = workspace.id  # type: ignore[attr-defined]
    child = pulumi.ResourceOptions(parent=parent)
    out = Estate({}, {}, None)
    for spec in secrets:
        if spec.name in out.secrets:
            raise LayoutError(f"{prefix}: secret {spec.name!r} is declared twice")
        inputs = {**spec.inputs_for(Secret), "value": pulumi.Output.secret(spec.value)}
        out.secrets[spec.name] = Secret(f"{prefix}-secret-{spec.name}", **inputs, workspace_id=workspace_id, opts=child)
    for domain in custom_domains:
        if domain.hostname in out.custom_domains:
            raise LayoutError(f"{prefix}: custom domain {domain.hostname!r} is declared twice")
        inputs = {**domain.inputs_for(CustomDomain), **_target(prefix, domain, contents)}
        out.custom_domains[domain.hostname] = CustomDomain(
            f"{prefix}-domain-{domain.hostname}", **inputs, workspace_id=workspace_id, opts=child
        )
    if registry_connection is not None:
        inputs = {
            **registry_connection.inputs_for(RegistryConnection),
            "credentials": pulumi.Output.secret(registry_connection.credentials),
        }
        out.registry_connection = RegistryConnection(
            f"{prefix}-registry", **inputs, workspace_id=workspace_id, opts=child
        )
    return out

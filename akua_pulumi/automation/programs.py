"""The default onboarding program: one :class:`CustomerWorkspace` per customer of a customers file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ..components import (
    ApiTokenArgs,
    ClusterArgs,
    CustomerWorkspace,
    CustomerWorkspaceArgs,
    InstallArgs,
    MemberArgs,
    RegionArgs,
)
from .customers import Customer

__all__ = ["customer_args", "customer_program"]


def customer_args(customer: Customer, settings: Mapping[str, Any] | None = None) -> CustomerWorkspaceArgs:
    """Map a validated customers-file entry onto the layout's arguments."""
    settings = settings or {}
    token = customer.api_token
    return CustomerWorkspaceArgs(
        name=customer.name,
        slug=customer.slug,
        members=[MemberArgs(m.user_id, m.role) for m in customer.members],
        region=RegionArgs(customer.region.name, customer.region.icon),
        cluster=ClusterArgs(customer.cluster.name, customer.cluster.network_profile) if customer.cluster else None,
        installs=[
            InstallArgs(
                i.name or str(i.product_id or i.package_id),
                product_id=i.product_id,
                package_id=i.package_id,
                version=i.version,
            )
            for i in customer.installs
        ],
        api_token=ApiTokenArgs(token.name, int(token.expires_at.timestamp()) if token.expires_at is not None else None)
        if token
        else None,
        managing_organization_id=customer.managing_organization_id,
        require_management=bool(settings.get("require_management", False)),
        tier=customer.extra.get("tier") or settings.get("tier"),
    )


def customer_program(customer: Customer, settings: Mapping[str, Any]) -> None:
    """Declare one customer's workspace and export what the next onboarding step needs."""
    layout = CustomerWorkspace(customer.id, customer_args(customer, settings))
    pulumi.export("workspace_id", layout.workspace_id)
    pulumi.export("workspace_slug", layout.workspace_slug)
    pulumi.export("region_id", layout.region_id)
    pulumi.export("cluster_id", layout.cluster_id)
    pulumi.export("install_ids", layout.install_ids)
    pulumi.export("kubeconfig", layout.kubeconfig)
    pulumi.export("api_token", layout.api_token)
    pulumi.export("management_ok", layout.management_ok)

"""The default onboarding program: one :class:`CustomerWorkspace` per customer of a customers file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ..components import (
    CustomerWorkspace,
    CustomerWorkspaceArgs,
)
from .customers import Customer

__all__ = ["customer_args", "customer_program", "validate_customer"]


def customer_args(customer: Customer, settings: Mapping[str, Any] | None = None) -> CustomerWorkspaceArgs:
    """Map a validated customers-file entry onto the layout's arguments."""
    settings = settings or {}
    # Every file field is a layout argument (derived from CustomerWorkspaceArgs); settings only
    # supply defaults for what the entry leaves out.
    return customer.layout_args(
        {
            "require_management": bool(settings.get("require_management", False)),
            "tier": customer.extra.get("tier") or settings.get("tier"),
        }
    )


def customer_program(customer: Customer, settings: Mapping[str, Any]) -> None:
    """Declare one customer's workspace and export what the next onboarding step needs."""
    layout = CustomerWorkspace(customer.id, customer_args(customer, settings))
    pulumi.export("workspace_id", layout.workspace_id)
    pulumi.export("workspace_slug", layout.workspace_slug)
    pulumi.export("region_id", layout.region_id)
    pulumi.export("cluster_id", layout.cluster_id)
    pulumi.export("install_ids", layout.install_ids)
    pulumi.export("machine_ids", layout.machine_ids)
    pulumi.export("kubeconfig", layout.kubeconfig)
    pulumi.export("api_token", layout.api_token)
    pulumi.export("management_ok", layout.management_ok)


def validate_customer(customer: Customer, settings: Mapping[str, Any]) -> None:
    """Check one customer's input in-process, before any engine run or write.

    The layout arguments check every value with the resource declarations' own rules (what the
    resources' ``check`` does at preview), so ``up`` needs no separate preview.

    Raises:
        ValueError: the message names the argument and the field.
    """
    customer_args(customer, settings)


customer_program.validate = validate_customer  # type: ignore[attr-defined]

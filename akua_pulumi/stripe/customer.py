"""``akua:stripe:Customer``: the Stripe customer a seller bills for one Akua workspace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..resources._fields import Field
from ._base import METADATA_FIELD, StripeContext, StripeProvider
from ._generated import StripeCustomerBase

__all__ = ["StripeCustomer", "StripeCustomerProvider"]


class StripeCustomerProvider(StripeProvider):
    """Customers: create (after looking for one this resource made before), update, delete.

    Before creating, the provider lists customers with the declared email and takes over the one whose
    metadata names this resource: a re-run after lost state, even after the idempotency key expired
    (24 h), never makes a second customer. ``adopt=True`` also takes a customer with that email that
    Pulumi did not create.
    """

    type_name = "akua:stripe:Customer"
    resource = "customers"
    natural_key = ("email",)
    precheck_natural_key = True
    adopt_on_conflict = True
    fields = (
        Field.updatable("email", str, "Billing email.", required=True, pattern=r"^[^@\s]+@[^@\s]+$", ours=True),
        Field.updatable("name", str, "Customer name (shown on invoices)."),
        Field.updatable("description", str, "Internal description."),
        METADATA_FIELD,
    )

    def gone(self, obj: Mapping[str, Any]) -> bool:
        return bool(obj.get("deleted"))

    def api_find(self, ctx: StripeContext, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_live(ctx, inputs, {"email": inputs["email"]}, lambda c: True)  # same email: adoptable


class StripeCustomer(StripeCustomerBase, module="stripe", name="Customer"):
    """A Stripe customer linked to an Akua workspace. Destroy deletes it."""

    provider_class = StripeCustomerProvider

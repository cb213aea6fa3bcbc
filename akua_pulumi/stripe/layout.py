"""A customer's billing plan as layout arguments, and the component that declares it beside a workspace.

``CustomerWorkspace(..., billing=BillingArgs(...))`` (and a customers file's ``billing:`` entry, derived
from these arguments) creates the customer's :class:`StripeCustomer` and :class:`StripeSubscription`,
linked to the workspace. The plan is either an existing ``price_id`` or ``product_id`` +
``unit_amount`` (+ ``currency``, ``interval``), for which a :class:`StripePrice` is made for this
customer. Every argument is bound to its resource's declared field (constraints and docs come from it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, cast

import pulumi

from ..components._args import BillingPlan, Bound, LayoutArgsError
from .customer import StripeCustomer
from .price import StripePrice
from .subscription import StripeSubscription

__all__ = ["BillingArgs", "CustomerBilling"]

# Bound is typed for Akua resources; the Stripe ones are on the same lifecycle base.
_Customer = cast(Any, StripeCustomer)
_Price = cast(Any, StripePrice)
_Subscription = cast(Any, StripeSubscription)


@dataclass(frozen=True)
class BillingArgs(BillingPlan):
    """How a customer pays: ``price_id``, or ``product_id`` + ``unit_amount`` (+ currency, interval).

    Args:
        email: Billing email of the Stripe customer.
        price_id: An existing recurring price (e.g. a catalogue ``StripePrice``'s id).
        product_id: The product to make a per-customer price for (with ``unit_amount``).
        unit_amount: Amount per interval in the currency's smallest unit.
        currency: Currency of that price (default usd).
        interval: Billing interval of that price (default month).
        quantity: Units subscribed.
        collection_method: send_invoice (default) or charge_automatically.
        days_until_due: Days to pay an invoice (send_invoice).
        cancel_on_destroy: immediately (default) or period_end, when the customer is offboarded.
    """

    email: Annotated[str, Bound(_Customer)]
    price_id: Annotated[pulumi.Input[str] | None, Bound(_Subscription)] = None
    product_id: Annotated[pulumi.Input[str] | None, Bound(_Price)] = None
    unit_amount: Annotated[int | None, Bound(_Price)] = None
    currency: Annotated[str | None, Bound(_Price)] = None
    interval: Annotated[str | None, Bound(_Price)] = None
    quantity: Annotated[int | None, Bound(_Subscription)] = None
    collection_method: Annotated[str | None, Bound(_Subscription)] = None
    days_until_due: Annotated[int | None, Bound(_Subscription)] = None
    cancel_on_destroy: Annotated[str | None, Bound(_Subscription)] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        has_price = self.price_id is not None
        has_product = self.product_id is not None or self.unit_amount is not None
        if has_price == has_product:
            raise LayoutArgsError(
                type(self).__name__,
                [("price_id", "give either price_id, or product_id and unit_amount (a price made for this customer)")],
            )
        if has_product and (self.product_id is None or self.unit_amount is None):
            missing = "product_id" if self.product_id is None else "unit_amount"
            raise LayoutArgsError(type(self).__name__, [(missing, f"{missing} is required with the other")])


class CustomerBilling(pulumi.ComponentResource):
    """The Stripe customer, its price (when the plan names a product) and its subscription."""

    customer: StripeCustomer
    price: StripePrice | None
    subscription: StripeSubscription
    customer_id: pulumi.Output[str]
    subscription_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: BillingArgs,
        *,
        workspace_id: pulumi.Input[str],
        customer_name: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("akua:layouts:CustomerBilling", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.customer = StripeCustomer(
            f"{name}-billing", email=args.email, name=customer_name, workspace_id=workspace_id, opts=child
        )
        self.price = None
        price_id = args.price_id
        if price_id is None:
            self.price = StripePrice(f"{name}-price", **args.inputs_for(_Price), workspace_id=workspace_id, opts=child)
            price_id = self.price.id
        self.subscription = StripeSubscription(
            f"{name}-billing",
            **{k: v for k, v in args.inputs_for(_Subscription).items() if k != "price_id"},
            price_id=price_id,
            customer_id=self.customer.id,
            workspace_id=workspace_id,
            opts=child,
        )
        self.customer_id = self.customer.id
        self.subscription_id = self.subscription.id
        self.register_outputs({"customer_id": self.customer_id, "subscription_id": self.subscription_id})


#: The customers file reads ``billing:`` as this plan (the layouts import no billing family); declaring
#: it declares the customer's :class:`CustomerBilling`.
BillingArgs.component = CustomerBilling
BillingPlan.register(BillingArgs)

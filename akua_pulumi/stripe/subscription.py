"""``akua:stripe:Subscription``: a customer's subscription to a price. Destroy cancels it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..resources._fields import Field
from ._base import METADATA_FIELD, StripeContext, StripeProvider
from ._generated import StripeSubscriptionBase

__all__ = ["CANCEL_MODES", "StripeSubscription", "StripeSubscriptionProvider"]

#: What destroy does: cancel now, or let the paid period run out (``cancel_at_period_end``).
CANCEL_MODES = ("immediately", "period_end")
_ENDED = ("canceled", "incomplete_expired")


class StripeSubscriptionProvider(StripeProvider):
    """Subscriptions: create (after looking for one this resource made before), metadata updates, cancel.

    Before creating, the provider lists the customer's live subscriptions and takes over the one whose
    metadata names this resource, so a re-run never makes a second one. A canceled subscription reads
    as gone.
    """

    type_name = "akua:stripe:Subscription"
    resource = "subscriptions"
    natural_key = ("customer_id", "price_id")
    precheck_natural_key = True
    adopt_on_conflict = True
    # cancel_on_destroy is ours alone (kept in state, read by delete): never sent.
    fields = (
        Field.create_only(
            "customer_id", str, "The customer billed.", required=True, min_length=1, ours=True, wire="customer"
        ),
        Field.create_only(
            "price_id", str, "The recurring price.", required=True, min_length=1, ours=True, wire="items.0.price"
        ),
        Field.create_only(
            "quantity", int, "Units of the price.", default=1, minimum=1, ours=True, wire="items.0.quantity"
        ),
        Field.create_only(
            "collection_method",
            str,
            "send_invoice (default: Stripe emails an invoice, no payment method needed) or charge_automatically.",
            default="send_invoice",
            choices=("send_invoice", "charge_automatically"),
            ours=True,
        ),
        Field.create_only(
            "days_until_due", int, "Days to pay an invoice (send_invoice only).", minimum=0, maximum=365, ours=True
        ),
        Field.updatable(
            "cancel_on_destroy",
            str,
            "What destroy does: 'immediately' (cancel now) or 'period_end' (cancel_at_period_end).",
            default="immediately",
            choices=CANCEL_MODES,
            ours=True,
            send="never",
        ),
        METADATA_FIELD,
        Field.output("status", str, "Stripe's status."),
        Field.output("cancel_at_period_end", bool, "Set to end with the current period."),
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * ``days_until_due`` applies to ``collection_method='send_invoice'`` only.
        """
        if inputs.get("days_until_due") is not None and inputs.get("collection_method") != "send_invoice":
            return [("days_until_due", "days_until_due applies to collection_method='send_invoice' only")]
        return super().validate(inputs)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        # A default that depends on another field (net 30 for send_invoice only): no declaration says that.
        result = super().check(olds, news)
        if result.inputs.get("collection_method") == "send_invoice" and result.inputs.get("days_until_due") is None:
            result.inputs["days_until_due"] = 30  # our default: net 30
        return result

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        # Stripe answers items as a list object ({data: [...]}) with the price expanded (or a legacy plan).
        item = (((obj.get("items") or {}).get("data")) or [{}])[0]
        price = item.get("price") or item.get("plan") or {}
        out = super().project(obj)
        out["price_id"] = price.get("id") if isinstance(price, Mapping) else price
        out["quantity"] = item.get("quantity")
        return out

    def gone(self, obj: Mapping[str, Any]) -> bool:
        return obj.get("status") in _ENDED

    def api_find(self, ctx: StripeContext, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        params = {"customer": inputs["customer_id"]}
        return self.find_live(ctx, inputs, params, lambda s: self.project(s)["price_id"] == inputs["price_id"])

    def api_delete(self, ctx: StripeContext, id_: str, state: Mapping[str, Any]) -> None:
        if state.get("cancel_on_destroy") == "period_end":
            ctx.client.update(self.resource, id_, {"cancel_at_period_end": True})
        else:
            ctx.client.delete(self.resource, id_)


class StripeSubscription(StripeSubscriptionBase, module="stripe", name="Subscription"):
    """A subscription of a customer to one recurring price.

    Destroy cancels it: ``cancel_on_destroy="immediately"`` (default) ends it now;
    ``"period_end"`` sets ``cancel_at_period_end`` so the customer keeps what they paid for.
    Customer, price, quantity and collection are create-only (a change replaces the subscription).
    """

    provider_class = StripeSubscriptionProvider

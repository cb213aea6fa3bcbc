"""``akua:stripe:Price``: what a product costs, per interval. Immutable: a change replaces; destroy archives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..resources._fields import Field
from ._base import METADATA_FIELD, StripeContext, StripeProvider
from ._generated import StripePriceBase

__all__ = ["INTERVALS", "StripePrice", "StripePriceProvider"]

INTERVALS = ("day", "week", "month", "year")


class StripePriceProvider(StripeProvider):
    """Recurring prices. Stripe never changes a price's amount, currency, interval or product, so those
    fields are create-only (a change creates the new price, then archives the old one); destroy sets
    ``active=false`` (prices cannot be deleted). An archived price reads as gone."""

    type_name = "akua:stripe:Price"
    resource = "prices"
    natural_key = ("product_id", "unit_amount", "currency", "interval")
    precheck_natural_key = True
    adopt_on_conflict = True
    archive_on_delete = True
    fields = (
        Field.create_only("product_id", str, "Its product.", required=True, min_length=1, ours=True, wire="product"),
        Field.create_only(
            "unit_amount",
            int,
            "Amount per interval, smallest unit.",
            required=True,
            minimum=0,
            ours=True,
        ),
        Field.create_only(
            "currency",
            str,
            "ISO currency code, lowercase.",
            default="usd",
            pattern=r"^[a-z]{3}$",
            ours=True,
        ),
        Field.create_only(
            "interval",
            str,
            "Billing interval.",
            default="month",
            choices=INTERVALS,
            ours=True,
            wire="recurring.interval",
        ),
        Field.create_only(
            "interval_count",
            int,
            "Intervals per bill.",
            default=1,
            minimum=1,
            maximum=365,
            ours=True,
            wire="recurring.interval_count",
        ),
        Field.updatable("nickname", str, "Internal name."),
        METADATA_FIELD,
        Field.output("active", bool, "False once archived."),
    )

    def api_find(self, ctx: StripeContext, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        want = {k: inputs.get(k) for k in ("product_id", "unit_amount", "currency", "interval", "interval_count")}
        params = {"product": inputs["product_id"], "active": True}
        return self.find_live(ctx, inputs, params, lambda p: {k: self.project(p)[k] for k in want} == want)


class StripePrice(StripePriceBase, module="stripe", name="Price"):
    """A recurring Stripe price. Immutable: changing amount, currency, interval or product replaces it."""

    provider_class = StripePriceProvider

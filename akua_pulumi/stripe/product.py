"""``akua:stripe:Product``: a product you sell in your Stripe account. Destroy archives it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..resources._fields import Field
from ._base import METADATA_FIELD, StripeContext, StripeProvider
from ._generated import StripeProductBase

__all__ = ["StripeProduct", "StripeProductProvider"]


class StripeProductProvider(StripeProvider):
    """Products: create, update in place, archive (``active=false``) on destroy.

    Stripe keeps products that have prices (they cannot be deleted), so destroy archives, as the
    Dashboard does; an archived product reads as gone.
    """

    type_name = "akua:stripe:Product"
    resource = "products"
    natural_key = ("name",)
    precheck_natural_key = True
    adopt_on_conflict = True
    archive_on_delete = True
    fields = (
        Field.updatable("name", str, "Product name shown to customers.", required=True, min_length=1, ours=True),
        Field.updatable("description", str, "Description shown to customers."),
        METADATA_FIELD,
        Field.output("active", bool, "False once archived."),
    )

    def api_find(self, ctx: StripeContext, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_live(ctx, inputs, {"active": True}, lambda p: p.get("name") == inputs.get("name"))


class StripeProduct(StripeProductBase, module="stripe", name="Product"):
    """A Stripe product. Destroy archives it (``active=false``)."""

    provider_class = StripeProductProvider

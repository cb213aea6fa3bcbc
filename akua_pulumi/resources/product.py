"""``akua:Product``: a sellable product backed by a package. Destroy archives it (no DELETE exists)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import Conflict, EtagMismatch
from ._akua import RestProvider, operations
from ._fields import ETAG, HTML_URL, OMIT, Field, version_pin, version_problem
from ._generated import ProductArgs, ProductArgsDict, ProductBase
from ._provider import Context, StaleReplayError

__all__ = ["Product", "ProductArgs", "ProductArgsDict", "ProductProvider"]


class ProductProvider(RestProvider):
    """Lifecycle of ``/products``: create, PATCH with If-Match, and ``:archive`` on destroy.

    An archived product reads as gone. Declaring a product whose name an active product already has
    fails with an adoption hint.
    """

    type_name = "akua:Product"
    collection = "/products"
    step_operations = operations("products", delete="archive")
    natural_key = ("name",)
    precheck_natural_key = True
    idempotent_create = True
    contract_ops = ("products.create", "products.update")
    absent_is_none = True  # a cleared custom_image / custom_description is omitted from the product
    fields = (
        Field.updatable("name", str, "Product name.", required=True),
        Field.create_only("package_id", str, "Backing package.", required=True, read="package.id"),
        version_pin(
            Field.updatable,
            "'latest' or a pinned SemVer version of the package.",
            default="latest",
            validator=version_problem,
            read="package.version_pin",
        ),
        Field.updatable("custom_image", str, "Image URL."),
        Field.updatable("custom_description", str, "Description."),
        Field.updatable(
            "marketplace_published",
            bool,
            "List on the marketplace.",
            server_default=True,
            wire="marketplace.published",
            read="marketplace.published",
            cleared=OMIT,
        ),
        Field.output("default_version_id", str, "Version the pin resolves to now.", read="package.default_version_id"),
        Field.output("state", str, "active or archived."),
        HTML_URL,
        ETAG,
    )

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        created = ctx.client.post(
            "/products", json=self.create_body(inputs), idempotency_key=ctx.idempotency_key("create")
        )
        product = self.api_read(ctx, created["id"], inputs)
        if product is None:  # a replayed key named a product archived since: use the next key
            raise StaleReplayError(f"product {created['id']} is archived")
        return product

    def gone(self, obj: Mapping[str, Any]) -> bool:
        return obj.get("state") == "archived"

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_by_key(ctx.client.paginate("/products"), inputs)

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        try:
            ctx.client.post(
                self.object_path(id_) + ":archive",
                json={"cascade_offers": False},
                if_match=state["etag"],
                idempotency_key=ctx.idempotency_key(f"archive:{state['etag']}"),
            )
        except EtagMismatch:
            raise
        except Conflict:
            # Archived already (out of band, or by a retried request whose answer was lost): done.
            if self.api_read(ctx, id_, state) is not None:
                raise


class Product(ProductBase, module="akua", name="Product"):
    """A product. Destroy archives it: the API has no DELETE, and installs keep running."""

    provider_class = ProductProvider

"""``akua:Offer``: a customer-specific offer of a product (a ``/i/<short_hash>`` link). Immutable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._akua import RestProvider, operations
from ._fields import CREATED_AT, ETAG, Field, is_unknown
from ._generated import OfferArgs, OfferArgsDict, OfferBase
from ._provider import Context, StaleReplayError

__all__ = ["Offer", "OfferArgs", "OfferArgsDict", "OfferProvider"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _emails_problem(value: Any) -> str | None:
    """At most 50 email addresses, each at most 254 characters."""
    if len(value) > 50:
        return f"allowed_emails holds at most 50 addresses, got {len(value)}"
    for email in value:
        if is_unknown(email):
            continue
        if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email):
            return f"allowed_emails: {email!r} is not an email address"
    return None


def _customer_problem(value: Any) -> str | None:
    """Only ``display_name`` (required) and ``external_id`` (optional), each a string of 1 to 200 characters."""
    unknown = sorted(set(value) - {"display_name", "external_id"})
    if unknown:
        return f"customer has no field {unknown[0]!r} (display_name, external_id)"
    for key in ("display_name", "external_id"):
        item = value.get(key)
        if (item is None and key == "external_id") or is_unknown(item):
            continue
        if not isinstance(item, str) or not 1 <= len(item) <= 200:
            return f"customer.{key} must be a string of 1 to 200 characters"
    return None


def _pricing_problem(value: Any) -> str | None:
    """Exactly ``currency`` (``eur`` or ``usd``), ``unit_amount`` (0 to 100000000 minor units) and
    ``interval`` (``month`` or ``year``)."""
    if set(value) != {"currency", "unit_amount", "interval"}:
        return "pricing_request needs exactly currency, unit_amount and interval"
    if value["currency"] not in ("eur", "usd"):
        return f"pricing_request.currency must be 'eur' or 'usd', got {value['currency']!r}"
    if value["interval"] not in ("month", "year"):
        return f"pricing_request.interval must be 'month' or 'year', got {value['interval']!r}"
    amount = value["unit_amount"]
    if not is_unknown(amount) and (
        isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount <= 100_000_000
    ):
        return f"pricing_request.unit_amount must be 0 to 100000000 minor units, got {amount!r}"
    return None


def _field_values_problem(value: Any) -> str | None:
    """Each entry is ``{'value': ..., 'locked': true|false}``."""
    for name, entry in value.items():
        if not isinstance(entry, Mapping) or "value" not in entry or not isinstance(entry.get("locked"), bool):
            return f"field_values[{name!r}] must be {{'value': ..., 'locked': true|false}}"
    return None


class OfferProvider(RestProvider):
    """Lifecycle of ``/offers``: create, read, and ``:archive`` on destroy (no PATCH, no DELETE).

    * Every input is create-only: a change creates a new offer (a new link) and archives the old one.
    * Create answers only ``{id, short_hash}``; the record (and the etag archive needs) comes from a GET.
    * Create sends a deterministic Idempotency-Key, so a retry returns the original offer; an archived
      offer reads as gone, and a key that replays one is skipped.
    * ``pricing_request`` is never returned (write-only); ``field_values`` reads mark sensitive inputs
      ``redacted``, and the declared value is kept for those.
    * ``max_uses`` omitted means one use; ``unlimited_uses=True`` sends null (no limit).
    """

    type_name = "akua:Offer"
    step_operations = operations("offers", update=None, delete="archive")
    collection = "/offers"
    contract_ops = ("offers.create",)
    idempotent_create = True
    fields = (
        Field.create_only("product_id", str, "The product offered."),
        Field.create_only(
            "package_version_id",
            str,
            "Pin this package version (default: the product's pin, resolved at create).",
            server_default=True,
        ),
        Field.create_only(
            "allowed_emails", list, "Who may redeem (empty: any signed-in customer).", validator=_emails_problem
        ),
        Field.create_only(
            "field_values", dict, "Input pre-fills: name to {value, locked}.", validator=_field_values_problem
        ),
        Field.create_only(
            "customer", dict, "{display_name, external_id?} of the customer.", validator=_customer_problem
        ),
        Field.create_only("internal_note", str, "Note for the seller's team."),
        Field.create_only("notes", str, "Notes shown with the offer."),
        Field.create_only(
            "commercial_mode",
            str,
            "paid or non_billable_test.",
            choices=("paid", "non_billable_test"),
            server_default=True,
            ours=True,
        ),
        Field.create_only(
            "pricing_request",
            dict,
            "{currency: eur|usd, unit_amount (minor units), interval: month|year} (write-only).",
            write_only=True,
            validator=_pricing_problem,
        ),
        Field.create_only("tier", str, "Advisory tier (legacy)."),
        Field.create_only("expires_at", int, "Expiry, Unix seconds.", minimum=1, ours=True),
        Field.create_only(
            "max_uses", int, "Redemptions allowed (default 1).", minimum=1, server_default=True, ours=True
        ),
        Field.create_only(
            "unlimited_uses", bool, "No redemption limit (max_uses null).", write_only=True, send="never"
        ),
        Field.create_only(
            "order_ttl_minutes",
            int,
            "Minutes an order stays open (default 120).",
            minimum=1,
            server_default=True,
            ours=True,
        ),
        Field.output("short_hash", str, "The link code: customers open /i/<short_hash>."),
        Field.output("status", str, "active, archived, expired or redeemed."),
        Field.output("package_id", str, "The package offered."),
        Field.output("approval_state", str, "not_required, pending, approved or rejected."),
        Field.output("used_count", int, "Redemptions so far."),
        CREATED_AT,
        ETAG,
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * ``product_id`` (a product offer) or ``package_version_id`` (a version offer) is set.
        * ``max_uses`` and ``unlimited_uses=True`` exclude each other.
        """
        if inputs.get("product_id") is None and inputs.get("package_version_id") is None:
            return [("product_id", "set product_id (a product offer) or package_version_id (a version offer)")]
        if inputs.get("unlimited_uses") and inputs.get("max_uses") is not None:
            return [("max_uses", "max_uses and unlimited_uses=True exclude each other")]
        return []

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        out = super().project(obj)
        values = obj.get("field_values")
        if isinstance(values, Mapping):
            out["field_values"] = {
                k: {kk: vv for kk, vv in v.items() if kk != "redacted"}
                for k, v in values.items()
                if isinstance(v, Mapping)
            }
            if any(isinstance(v, Mapping) and v.get("redacted") for v in values.values()):
                out.pop("field_values")  # sensitive values are masked: keep the declared ones
        for key in ("allowed_emails", "field_values", "customer"):
            if out.get(key) in ([], {}):
                out[key] = None
        return out

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = self.create_body(inputs)
        if inputs.get("unlimited_uses"):  # no declaration says "a flag sends another field's null"
            body["max_uses"] = None
        created = ctx.client.post("/offers", json=body, idempotency_key=ctx.idempotency_key("create"))
        offer = self.api_read(ctx, created["id"], inputs)
        if offer is None:
            raise StaleReplayError(f"offer {created['id']} was archived")
        if self.changed_fields({**inputs, **self.project(offer)}, inputs):
            # The key replayed an earlier offer that no longer matches the declaration (edited, or the
            # one this create replaces): make a new one with the next key.
            raise StaleReplayError(f"offer {offer['id']} differs from the declaration")
        return offer

    def gone(self, obj: Mapping[str, Any]) -> bool:
        return obj.get("status") == "archived"

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        etag = state.get("etag") or ctx.client.get(self.object_path(id_))["etag"]
        ctx.client.post(self.object_path(id_) + ":archive", if_match=etag)


class Offer(OfferBase, module="akua", name="Offer"):
    """An offer: a link (``short_hash``) a customer redeems. Immutable: any change makes a new offer;
    destroy archives it (the API keeps archived offers)."""

    provider_class = OfferProvider

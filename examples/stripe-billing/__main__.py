"""Seller billing: a product and a monthly price in your Stripe account, and per customer an Akua
workspace with a Stripe customer and subscription linked to it (metadata ``akua_workspace_id``).

Config: ``akua:apiUrl``, ``akua:token`` (secret), ``akua:workspace`` (the seller's),
``akua:stripeApiKey`` (secret; or STRIPE_API_KEY), ``customers`` (a list of ``{name, slug, email}``),
optional ``monthlyAmount`` (cents, default 4900).
"""

from __future__ import annotations

import pulumi

import akua_pulumi as akua
from akua_pulumi.stripe import StripeCustomer, StripePrice, StripeProduct, StripeSubscription

config = pulumi.Config()
customers: list[dict[str, str]] = config.require_object("customers")
amount = config.get_int("monthlyAmount") or 4900

# The catalogue belongs to the seller: linked to the seller's workspace (akua:workspace).
plan = StripeProduct("akua-managed", name="Akua managed workspace")
monthly = StripePrice("akua-managed-monthly", product_id=plan.id, unit_amount=amount, currency="eur")

subscriptions = {}
for c in customers:
    ws = akua.Workspace(c["slug"], name=c["name"], slug=c["slug"])
    customer = StripeCustomer(c["slug"], email=c["email"], name=c["name"], workspace_id=ws.id)
    sub = StripeSubscription(
        c["slug"],
        customer_id=customer.id,
        price_id=monthly.id,
        workspace_id=ws.id,
        cancel_on_destroy="immediately",
    )
    subscriptions[c["slug"]] = sub.id

pulumi.export("price_id", monthly.id)
pulumi.export("subscription_ids", subscriptions)

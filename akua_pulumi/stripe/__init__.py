"""Seller billing in your own Stripe account, declared beside the Akua workspaces it bills for.

``StripeProduct``, ``StripePrice``, ``StripeCustomer`` and ``StripeSubscription`` run on the same
lifecycle as the Akua resources; the client is the official ``stripe`` SDK (install the ``stripe``
extra). See docs/stripe.md.
"""

from .customer import StripeCustomer
from .price import StripePrice
from .product import StripeProduct
from .subscription import CANCEL_MODES, StripeSubscription

#: Every Stripe resource type (their typed surface is generated into ``_generated.py``; docs/stripe-resources/).
ALL_STRIPE_RESOURCES = (StripeProduct, StripePrice, StripeCustomer, StripeSubscription)

__all__ = [
    "ALL_STRIPE_RESOURCES",
    "CANCEL_MODES",
    "StripeCustomer",
    "StripePrice",
    "StripeProduct",
    "StripeSubscription",
]

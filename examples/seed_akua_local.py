"""Arrange what the examples need on a fresh akua-local: a seller with a published product, two users.

Usage (with akua-local running and its ``export`` lines applied)::

    eval "$(python examples/seed_akua_local.py)"

prints ``export`` lines for ``SELLER_WORKSPACE_ID``, ``PRODUCT_ID``, ``ADMIN_USER_ID`` and ``DEV_USER_ID``.
It talks to the emulator's ``/_local`` control plane (users, OCI artifacts), so it works against akua-local only;
against the real Akua API use ids of your own users and of a marketplace-published product.
Run it once per database: the seller workspace's slug (``seller``) is unique.
"""

from __future__ import annotations

import os
import sys

from akua_pulumi.client import AkuaClient
from akua_pulumi.local.admin import LocalAdmin
from akua_pulumi.local.seed import arrange_seller


def seed(api_url: str, token: str) -> dict[str, str]:
    """Create the seller workspace, its published product and two users; return their ids."""
    admin = LocalAdmin(api_url, token)  # the owner token: /_local answers 401 without it
    with AkuaClient(api_url=api_url, token=token) as api:
        seller = arrange_seller(api, admin, slug="seller", name="Seller Platform")
    return {
        "SELLER_WORKSPACE_ID": seller.workspace_id,
        "PRODUCT_ID": seller.product_id,
        "ADMIN_USER_ID": admin.create_user("Ada Admin", "ada@example.com")["id"],
        "DEV_USER_ID": admin.create_user("Dev Eloper", "dev@example.com")["id"],
    }


def main() -> int:
    api_url, token = os.environ.get("AKUA_API_URL"), os.environ.get("AKUA_API_TOKEN")
    if not api_url or not token:
        print("set AKUA_API_URL and AKUA_API_TOKEN (akua-local serve prints both)", file=sys.stderr)
        return 2
    for key, value in seed(api_url, token).items():
        print(f"export {key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Onboarding ten customers with billing: akua-local for the workspaces, the fake Stripe server for billing.

Exactly 10 Stripe customers and 10 subscriptions; a re-run creates none; offboarding cancels all 10.
Every claim is checked on the servers.
"""

from __future__ import annotations

from typing import Any

import pytest

from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.stripe._client import StripeApi
from akua_pulumi.testing.fake_stripe import StripeFake

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1800)]


def _live_subs(api: StripeApi) -> list[dict[str, Any]]:
    return [s for s in api.list("subscriptions") if s["status"] == "active"]


def test_onboard_ten_customers_with_billing(
    pulumi_env: PulumiEnvironment,
    akua: LocalServer,
    api: AkuaClient,
    stripe_fake: StripeFake,
    stripe_api: StripeApi,
) -> None:
    product = stripe_api.create("products", {"name": "Akua managed"}, idempotency_key="catalogue-product")
    price = stripe_api.create(
        "prices",
        {"product": product["id"], "unit_amount": 4900, "currency": "eur", "recurring": {"interval": "month"}},
        idempotency_key="catalogue-price",
    )
    customers = [
        {
            "id": f"cust-{i}",
            "name": f"Customer {i}",
            "slug": f"cust-{i}",
            # Half subscribe to the catalogue price, half get a price of their own (product + amount).
            "billing": {"email": f"billing@cust-{i}.example", "price_id": price["id"]}
            if i % 2 == 0
            else {"email": f"billing@cust-{i}.example", "product_id": product["id"], "unit_amount": 9900},
        }
        for i in range(10)
    ]
    entries = parse_customers_file({"defaults": {"region": {"name": "eu-west"}}, "customers": customers}).entries
    pipeline = OnboardingPipeline(
        "akua_pulumi.automation.programs:customer_program",
        state_dir=pulumi_env.state_dir,
        parallelism=4,
        config={
            "akua:apiUrl": akua.api_url,
            "akua:token": Secret(akua.owner_token),
            "akua:stripeApiBase": stripe_fake.api_base,
            "akua:stripeApiKey": Secret(stripe_fake.api_key),
        },
    )

    report = pipeline.up(entries)
    assert report.exit_code == 0, str(report)
    workspaces = {w["slug"]: w["id"] for w in api.paginate("/workspaces")}
    stripe_customers = list(stripe_api.list("customers"))
    assert len(stripe_customers) == 10
    by_email = {c["email"]: c for c in stripe_customers}
    for i in range(10):
        assert by_email[f"billing@cust-{i}.example"]["metadata"]["akua_workspace_id"] == workspaces[f"cust-{i}"]
    subs = _live_subs(stripe_api)
    assert len(subs) == 10
    assert sorted(s["customer"] for s in subs) == sorted(c["id"] for c in stripe_customers)
    own_prices = [p for p in stripe_api.list("prices") if p["unit_amount"] == 9900 and p["active"]]
    assert len(own_prices) == 5

    before = stripe_fake.counts()
    again = pipeline.up(entries)
    assert again.exit_code == 0, str(again)
    after = stripe_fake.counts()
    for path in ("POST /v1/customers", "POST /v1/subscriptions", "POST /v1/prices"):
        assert after.get(path, 0) == before.get(path, 0), path
    assert len(list(stripe_api.list("customers"))) == 10 and len(_live_subs(stripe_api)) == 10

    offboard = pipeline.destroy(entries)
    assert offboard.exit_code == 0, str(offboard)
    assert _live_subs(stripe_api) == []
    assert all(s["status"] == "canceled" for s in stripe_api.list("subscriptions", {"status": "all"}))
    assert len(list(stripe_api.list("subscriptions", {"status": "all"}))) == 10
    assert list(stripe_api.list("customers")) == []
    # The seller's catalogue is untouched.
    assert stripe_api.retrieve("prices", price["id"])["active"] is True

"""The four Stripe resources through the real engine against the fake Stripe server (the five invariants)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from akua_pulumi.stripe import StripeCustomer, StripePrice, StripeProduct, StripeSubscription
from akua_pulumi.stripe._client import StripeApi
from akua_pulumi.testing.fake_stripe import StripeFake
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import WORKSPACE

pytestmark = pytest.mark.e2e


def billing(
    *, amount: int = 1500, email: str = "ada@example.com", cancel: str | None = None, adopt: bool | None = None
) -> Callable[[], None]:
    def program() -> None:
        product = StripeProduct("plan", name="Akua Pro", description="Managed workspace", adopt=adopt)
        price = StripePrice("monthly", product_id=product.id, unit_amount=amount, currency="eur", adopt=adopt)
        customer = StripeCustomer("ada", email=email, name="Ada", metadata={"tier": "pro"}, adopt=adopt)
        StripeSubscription("sub", customer_id=customer.id, price_id=price.id, cancel_on_destroy=cancel, adopt=adopt)

    return program


def live(api: StripeApi, resource: str, **params: Any) -> list[dict[str, Any]]:
    objs = list(api.list(resource, params))
    if resource in ("products", "prices"):
        return [o for o in objs if o["active"]]
    if resource == "subscriptions":
        return [o for o in objs if o["status"] not in ("canceled", "incomplete_expired")]
    return objs


def ids(stack: AkuaStack) -> dict[str, str]:
    return {r["type"].rsplit(":", 1)[-1]: r["id"] for r in stack.resources() if "dynamic/stripe:" in r["type"]}


def test_lifecycle_invariants(
    make_stripe_stack: Callable[..., AkuaStack], stripe_api: StripeApi, stripe_fake: StripeFake
) -> None:
    stack = make_stripe_stack(billing())
    stack.up()
    got = ids(stack)
    assert set(got) == {"Product", "Price", "Customer", "Subscription"}
    sub = stripe_api.retrieve("subscriptions", got["Subscription"])
    assert sub["status"] == "active" and sub["collection_method"] == "send_invoice"
    cus = stripe_api.retrieve("customers", got["Customer"])
    # Each object links to the Akua workspace and the Pulumi resource.
    assert cus["metadata"] == {
        "tier": "pro",
        "akua_workspace_id": WORKSPACE,
        "akua_pulumi_resource": "akua-test/test/StripeCustomer/ada",
    }

    # 1. No-change preview after up: no request at all; a no-op up writes nothing.
    before = stripe_fake.counts()
    stack.preview(expect_no_changes=True)
    assert stripe_fake.counts() == before
    stack.up()
    assert {k: v for k, v in stripe_fake.counts().items() if not k.startswith("GET")} == {
        k: v for k, v in before.items() if not k.startswith("GET")
    }

    # 2. Out-of-band change: refresh sees it, up converges back.
    stripe_api.update("customers", got["Customer"], {"name": "Changed", "metadata": {"tier": "free"}})
    stripe_api.update("products", got["Product"], {"name": "Renamed"})
    stack.refresh()
    outs = {r["type"].rsplit(":", 1)[-1]: r["outputs"] for r in stack.resources() if "dynamic/stripe:" in r["type"]}
    assert outs["Customer"]["name"] == "Changed" and outs["Customer"]["metadata"] == {"tier": "free"}
    assert outs["Product"]["name"] == "Renamed"
    stack.up()
    assert stripe_api.retrieve("customers", got["Customer"])["metadata"]["tier"] == "pro"
    assert stripe_api.retrieve("products", got["Product"])["name"] == "Akua Pro"
    stack.preview(expect_no_changes=True)

    # 2b. Out-of-band deletion: refresh drops it, up recreates it (one live subscription).
    stripe_api.delete("subscriptions", got["Subscription"])
    stack.refresh()
    assert "Subscription" not in ids(stack)
    stack.up()
    assert [s["id"] for s in live(stripe_api, "subscriptions")] == [ids(stack)["Subscription"]]

    # Prices are immutable: a new amount replaces the price (and so the subscription); the old is archived.
    stack.program = billing(amount=2500)
    stack.up()
    prices = live(stripe_api, "prices")
    assert [p["unit_amount"] for p in prices] == [2500]
    subs = live(stripe_api, "subscriptions")
    assert len(subs) == 1 and subs[0]["items"]["data"][0]["price"]["id"] == prices[0]["id"]

    # 3. Destroy leaves nothing active.
    stack.destroy()
    assert live(stripe_api, "products") == [] and live(stripe_api, "prices") == []
    assert live(stripe_api, "customers") == [] and live(stripe_api, "subscriptions") == []

    # The secret key never sits in the state.
    assert StripeFake.api_key not in json.dumps(stack.deployment())


def test_adoption_shows_no_diff(make_stripe_stack: Callable[..., AkuaStack], stripe_api: StripeApi) -> None:
    # Objects made outside Pulumi (no link metadata) are found by name / amount / email / price.
    prod = stripe_api.create("products", {"name": "Akua Pro", "description": "Managed workspace"}, idempotency_key="a1")
    price = stripe_api.create(
        "prices",
        {"product": prod["id"], "unit_amount": 1500, "currency": "eur", "recurring": {"interval": "month"}},
        idempotency_key="a2",
    )
    cus = stripe_api.create(
        "customers", {"email": "ada@example.com", "name": "Ada", "metadata": {"tier": "pro"}}, idempotency_key="a3"
    )
    sub = stripe_api.create(
        "subscriptions",
        {
            "customer": cus["id"],
            "items": [{"price": price["id"]}],
            "collection_method": "send_invoice",
            "days_until_due": 30,
        },
        idempotency_key="a4",
    )
    stack = make_stripe_stack(billing(adopt=True))
    stack.up()
    assert ids(stack) == {"Product": prod["id"], "Price": price["id"], "Customer": cus["id"], "Subscription": sub["id"]}
    stack.preview(expect_no_changes=True)
    assert len(live(stripe_api, "customers")) == 1 and len(live(stripe_api, "subscriptions")) == 1


def test_lost_responses_and_reruns_never_duplicate(
    make_stripe_stack: Callable[..., AkuaStack], stripe_api: StripeApi, stripe_fake: StripeFake
) -> None:
    # Every create's first response is lost after Stripe made the object: the SDK retries with the same
    # Idempotency-Key and Stripe replays the first answer.
    for path in ("/v1/products", "/v1/prices", "/v1/customers", "/v1/subscriptions"):
        stripe_fake.lose_responses("POST", path)
    stack = make_stripe_stack(billing())
    stack.up()
    counts = stripe_fake.counts()
    assert counts["POST /v1/customers"] >= 2 and counts["POST /v1/subscriptions"] >= 2  # the loss happened
    assert len(live(stripe_api, "customers")) == 1 and len(live(stripe_api, "subscriptions")) == 1
    assert len(live(stripe_api, "products")) == 1 and len(live(stripe_api, "prices")) == 1

    # A re-run that lost its state (the stack's state is gone, the objects stay), after the keys expired
    # (24 h at Stripe): the customer and subscription are found by their link metadata, none is created.
    stack.stack.workspace.remove_stack(stack.stack.name, force=True)
    stripe_fake.expire_idempotency_keys()
    before = stripe_fake.counts()
    rerun = make_stripe_stack(billing())
    rerun.up()
    after = stripe_fake.counts()
    assert after.get("POST /v1/customers", 0) == before["POST /v1/customers"]
    assert after.get("POST /v1/subscriptions", 0) == before["POST /v1/subscriptions"]
    assert len(live(stripe_api, "customers")) == 1 and len(live(stripe_api, "subscriptions")) == 1
    rerun.preview(expect_no_changes=True)


def test_cancel_at_period_end(make_stripe_stack: Callable[..., AkuaStack], stripe_api: StripeApi) -> None:
    stack = make_stripe_stack(billing(cancel="period_end"))
    stack.up()
    sid = ids(stack)["Subscription"]
    stack.destroy()
    sub = stripe_api.retrieve("subscriptions", sid)
    assert sub["cancel_at_period_end"] is True and sub["status"] == "active"  # ends with the paid period


def test_bad_input_fails_at_preview_naming_the_field(
    make_stripe_stack: Callable[..., AkuaStack], stripe_fake: StripeFake
) -> None:
    def program() -> None:
        StripePrice("p", product_id="prod_x", unit_amount=-1, interval="fortnight")

    stack = make_stripe_stack(program)
    with pytest.raises(Exception) as err:
        stack.preview()
    text = str(err.value)
    assert "unit_amount" in text and "interval" in text
    assert not any(k.startswith("POST") for k in stripe_fake.counts())

"""The Stripe adapter against the fake server (no engine): error categories, secrets, declarations."""

from __future__ import annotations

import pytest

from akua_pulumi.errors import Conflict, NotFound, Transport
from akua_pulumi.stripe._client import (
    StripeApi,
    StripeApiError,
    StripeConfigurationError,
    StripeSettings,
    resolve,
)
from akua_pulumi.stripe.customer import StripeCustomerProvider
from akua_pulumi.stripe.price import StripePriceProvider
from akua_pulumi.stripe.product import StripeProductProvider
from akua_pulumi.stripe.subscription import StripeSubscriptionProvider
from akua_pulumi.testing.fake_stripe import StripeFake
from tests.support.ports import free_port

PROVIDERS = (StripeProductProvider, StripePriceProvider, StripeCustomerProvider, StripeSubscriptionProvider)


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.type_name)
def test_declarations_have_one_source(provider: type) -> None:
    assert provider.declaration_problems() == []


def test_errors_map_to_lifecycle_categories(stripe_api: StripeApi, stripe_fake: StripeFake) -> None:
    with pytest.raises(NotFound):
        stripe_api.retrieve("customers", "cus_missing")
    stripe_api.create("customers", {"email": "a@example.com"}, idempotency_key="k")
    assert stripe_api.create("customers", {"email": "a@example.com"}, idempotency_key="k")["_replayed"] is True
    with pytest.raises(Conflict):  # same key, other parameters
        stripe_api.create("customers", {"email": "b@example.com"}, idempotency_key="k")
    with pytest.raises(StripeApiError) as bad:
        stripe_api.update("prices", "price_x", {"unit_amount": 5})
    assert bad.value.status in (400, 404)
    dead = StripeApi(
        StripeSettings(api_key="sk_test_x", api_base=f"http://127.0.0.1:{free_port()}", max_network_retries=0)
    )
    with pytest.raises(Transport):
        dead.retrieve("customers", "cus_1")


def test_prices_are_immutable_on_the_fake(stripe_api: StripeApi) -> None:
    prod = stripe_api.create("products", {"name": "P"}, idempotency_key="p")
    price = stripe_api.create(
        "prices",
        {"product": prod["id"], "unit_amount": 100, "currency": "eur", "recurring": {"interval": "month"}},
        idempotency_key="q",
    )
    with pytest.raises(StripeApiError) as err:
        stripe_api.update("prices", price["id"], {"unit_amount": 200})
    assert err.value.param == "unit_amount"
    assert stripe_api.update("prices", price["id"], {"active": False})["active"] is False


def test_the_key_never_shows(stripe_fake: StripeFake, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk_test_" + "S3cr3tValue" * 3
    api = StripeApi(StripeSettings(api_key=key, api_base=stripe_fake.api_base, max_network_retries=0))
    assert key not in repr(api) and key not in repr(resolve({"api_key": key}))
    with pytest.raises(NotFound) as err:
        api.retrieve("customers", key)  # even an error about a path holding it
    assert key not in str(err.value)
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    with pytest.raises(StripeConfigurationError, match="akua:stripeApiKey"):
        resolve(None)


def test_check_names_the_field_before_any_request() -> None:
    result = StripeCustomerProvider().check(
        {}, {"email": "not-an-email", "metadata": {"akua_workspace_id": "x"}, "workspace_id": "ws_1"}
    )
    assert [f.property for f in result.failures] == ["email"]
    result = StripeCustomerProvider().check(
        {}, {"email": "a@b.c", "metadata": {"akua_workspace_id": "x"}, "workspace_id": "w"}
    )
    assert [f.property for f in result.failures] == ["metadata"]
    result = StripeSubscriptionProvider().check(
        {}, {"customer_id": "cus_1", "price_id": "price_1", "cancel_on_destroy": "never", "workspace_id": "w"}
    )
    assert [f.property for f in result.failures] == ["cancel_on_destroy"]

"""Stripe tests: one fake Stripe server (localstripe + our additions) per session on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.stripe._client import StripeApi, StripeSettings
from akua_pulumi.testing.fake_stripe import StripeFake
from akua_pulumi.testing.stacks import AkuaStack

WORKSPACE = "ws_billing_test"


@pytest.fixture(scope="session")
def stripe_fake_server() -> Iterator[StripeFake]:
    with StripeFake() as fake:
        yield fake


@pytest.fixture
def stripe_fake(stripe_fake_server: StripeFake) -> StripeFake:
    """The session's fake, emptied for this test."""
    stripe_fake_server.flush()
    return stripe_fake_server


@pytest.fixture
def stripe_api(stripe_fake: StripeFake) -> StripeApi:
    """An adapter for arranging and checking the fake's state (no retries: what it sees is what is there)."""
    return StripeApi(StripeSettings(api_key=stripe_fake.api_key, api_base=stripe_fake.api_base, max_network_retries=0))


@pytest.fixture
def make_stripe_stack(make_stack: Callable[..., AkuaStack], stripe_fake: StripeFake) -> Callable[..., AkuaStack]:
    """An inline stack with ``akua:stripeApiKey`` (secret) and ``akua:stripeApiBase`` pointing at the fake."""

    def make(program: Callable[[], None], **kw: Any) -> AkuaStack:
        stack = make_stack(program, workspace=WORKSPACE, config={"akua:stripeApiBase": stripe_fake.api_base}, **kw)
        stack.stack.set_config("akua:stripeApiKey", auto.ConfigValue(stripe_fake.api_key, secret=True))
        return stack

    return make

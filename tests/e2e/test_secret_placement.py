"""Where config secrets live, checked against a real stack export (docs/getting-started.md, docs/stripe.md,
docs/onboarding.md, "Where secrets live").

* ``akua:token`` / ``akua:stripeApiKey`` set as secret stack config: the stack's settings file holds each as
  a ``secure:`` value; the engine hands every config key to the default provider, so the export holds each
  only as ciphertext (a secret sig object), only in the default provider's inputs and outputs, and never in
  plaintext anywhere (a key set without ``--secret`` is there in plaintext: ``akua:apiUrl`` shows it).
* The same values passed through the environment (``AKUA_API_TOKEN``, ``STRIPE_API_KEY``): the export
  holds no trace of them, neither plaintext nor a secret for those keys.
* The onboarding pipeline given both as secret config: every file of its state backend is free of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

import akua_pulumi as akua
from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.stripe import StripeProduct
from akua_pulumi.testing.fake_stripe import StripeFake

pytestmark = pytest.mark.e2e

#: Pulumi's marker of a secret value in a state export.
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_KEYS = ("akua:token", "akua:stripeApiKey")


@pytest.fixture(scope="module")
def stripe_fake() -> Iterator[StripeFake]:
    with StripeFake() as fake:
        yield fake


def program() -> None:
    akua.Region("eu", name="eu")  # needs the Akua token
    StripeProduct("plan", name="Managed plan")  # needs the Stripe key


def _entries(value: Any, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    """Every ``(path, key, value)`` of every mapping inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield where, key, item
            yield from _entries(item, (*where, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _entries(item, (*where, str(i)))


def _is_default_provider(resource: dict[str, Any]) -> bool:
    return str(resource.get("type", "")).startswith("pulumi:providers:") and "::default" in str(resource.get("urn"))


def _export(env: PulumiEnvironment, stack: auto.Stack, *flags: str) -> Any:
    """``pulumi stack export`` as the CLI gives it (the Automation API's export shows secrets decrypted)."""
    out = env.run("stack", "export", "--stack", stack.name, *flags, cwd=stack.workspace.work_dir).stdout
    return json.loads(out)["deployment"]


def _stack(env: PulumiEnvironment, config: dict[str, auto.ConfigValue]) -> auto.Stack:
    stack = auto.create_or_select_stack(
        stack_name="placement", project_name="akua-secrets", program=program, opts=env.workspace_options()
    )
    stack.set_all_config(config)
    return stack


@pytest.fixture
def workspace(api: AkuaClient) -> str:
    return str(api.post("/workspaces", json={"name": "Secrets", "slug": "secrets-ws"})["id"])


def test_secret_stack_config_lives_encrypted_in_the_default_provider_only(
    tmp_path: Path, akua: LocalServer, workspace: str, stripe_fake: StripeFake
) -> None:
    env = PulumiEnvironment(state_dir=tmp_path / "state").prepare()
    stack = _stack(
        env,
        {
            "akua:apiUrl": auto.ConfigValue(akua.api_url),
            "akua:workspace": auto.ConfigValue(workspace),
            "akua:stripeApiBase": auto.ConfigValue(stripe_fake.api_base),
            # as `pulumi config set --secret akua:token ...` / `... akua:stripeApiKey ...` store them
            "akua:token": auto.ConfigValue(akua.owner_token, secret=True),
            "akua:stripeApiKey": auto.ConfigValue(stripe_fake.api_key, secret=True),
        },
    )
    stack.up()
    # The stack's settings file holds each as a `secure:` value (ciphertext), never the plaintext.
    settings = yaml.safe_load((Path(stack.workspace.work_dir) / f"Pulumi.{stack.name}.yaml").read_text())
    for key, plaintext in zip(SECRET_KEYS, (akua.owner_token, stripe_fake.api_key), strict=True):
        assert set(settings["config"][key]) == {"secure"}, settings["config"][key]
        assert plaintext not in json.dumps(settings)
    deployment = _export(env, stack)
    exported = json.dumps(deployment)
    for plaintext in (akua.owner_token, stripe_fake.api_key):
        assert plaintext not in exported, "a config secret is in the state in plaintext"

    places: dict[str, list[str]] = {key: [] for key in SECRET_KEYS}
    for resource in deployment["resources"]:
        for where, key, value in _entries(resource):
            if key not in SECRET_KEYS:
                continue
            assert _is_default_provider(resource), f"{key} is in {resource['urn']} ({'.'.join(where)})"
            assert isinstance(value, dict) and value.get(SECRET_SIG) and value.get("ciphertext"), (key, value)
            places[key].append(where[0] if where else "")
    for key in SECRET_KEYS:
        assert sorted(set(places[key])) == ["inputs", "outputs"], (key, places[key])
    # Every config key goes there: one set without --secret is stored in plaintext (why the docs say always
    # use --secret for keys).
    provider = next(r for r in deployment["resources"] if _is_default_provider(r))
    assert provider["inputs"]["akua:apiUrl"] == akua.api_url

    # The ciphertext is the key: decrypted with the stack's passphrase it reads as the value set.
    revealed = json.dumps(_export(env, stack, "--show-secrets"))
    assert akua.owner_token in revealed and stripe_fake.api_key in revealed


def test_secrets_from_the_environment_leave_no_trace_in_state(
    tmp_path: Path, akua: LocalServer, workspace: str, stripe_fake: StripeFake
) -> None:
    env = PulumiEnvironment(
        state_dir=tmp_path / "state",
        extra={
            "AKUA_API_URL": akua.api_url,
            "AKUA_API_TOKEN": akua.owner_token,
            "AKUA_WORKSPACE": workspace,
            "STRIPE_API_KEY": stripe_fake.api_key,
            "STRIPE_API_BASE": stripe_fake.api_base,
        },
    ).prepare()
    stack = _stack(env, {})
    result = stack.up()
    assert result.summary.resource_changes == {"create": 3}  # the stack, the region, the product: keys worked

    deployment = _export(env, stack)
    exported = json.dumps(deployment)
    for plaintext in (akua.owner_token, stripe_fake.api_key):
        assert plaintext not in exported
    leftovers = [
        (resource["urn"], ".".join(where), key)
        for resource in deployment["resources"]
        for where, key, _ in _entries(resource)
        if key in SECRET_KEYS
    ]
    assert leftovers == [], "no secret for the environment's keys may be in the state"
    assert not set(SECRET_KEYS) & set(stack.get_all_config()), "nor in the stack config"


def test_the_onboarding_pipeline_keeps_config_secrets_out_of_every_stack(
    tmp_path: Path, akua: LocalServer, stripe_fake: StripeFake
) -> None:
    """docs/stripe.md and docs/onboarding.md: given as secret pipeline config, the token and the Stripe key reach
    each run through its environment, so no customer's state holds them, as ciphertext or otherwise."""
    state_dir = tmp_path / "onboarding-state"
    pipeline = OnboardingPipeline(
        "akua_pulumi.automation.programs:customer_program",
        state_dir=state_dir,
        parallelism=1,
        config={
            "akua:apiUrl": akua.api_url,
            "akua:token": Secret(akua.owner_token),
            "akua:stripeApiBase": stripe_fake.api_base,
            "akua:stripeApiKey": Secret(stripe_fake.api_key),
        },
    )
    customer = {"id": "cust-a", "name": "Customer A", "slug": "cust-a"}
    customers = {"defaults": {"region": {"name": "eu-west"}}, "customers": [customer]}
    entries = parse_customers_file(customers)
    report = pipeline.up(entries.entries)
    assert report.exit_code == 0, str(report)
    stored = {path: path.read_text(errors="replace") for path in state_dir.rglob("*") if path.is_file()}
    states = [text for path, text in stored.items() if path.name == "cust-a.json"]
    assert states and "dynamic/akua:Workspace" in states[0], sorted(stored)  # the customer's real state
    for path, text in stored.items():
        for plaintext in (akua.owner_token, stripe_fake.api_key):
            assert plaintext not in text, f"a config secret in plaintext in {path}"
        for key in SECRET_KEYS:
            assert f'"{key}"' not in text, f"{key} is stored in {path}"

"""examples/stripe-billing runs as its README says against akua-local and the fake Stripe server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.stripe._client import StripeApi
from akua_pulumi.testing.fake_stripe import StripeFake
from tests.examples._support import EXAMPLES, seed_examples

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _run(env: PulumiEnvironment, path: Path, *args: str) -> str:
    proc = env.run(*args, cwd=path, check=False)
    assert proc.returncode == 0, f"pulumi {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return str(proc.stdout)


def _live(api: StripeApi, resource: str) -> list[dict[str, Any]]:
    objs = list(api.list(resource))
    if resource == "subscriptions":
        return [o for o in objs if o["status"] == "active"]
    if resource in ("products", "prices"):
        return [o for o in objs if o["active"]]
    return objs


def test_stripe_billing_example(
    pulumi_env: PulumiEnvironment,
    akua: LocalServer,
    api: AkuaClient,
    stripe_fake: StripeFake,
    stripe_api: StripeApi,
    tmp_path: Path,
) -> None:
    ids = seed_examples(akua)
    project = Path(shutil.copytree(EXAMPLES / "stripe-billing", tmp_path / "stripe-billing"))
    _run(pulumi_env, project, "stack", "init", "dev")
    _run(
        pulumi_env, project, "config", "set-all", "--path",
        "--plaintext", f"akua:apiUrl={akua.api_url}",
        "--secret", f"akua:token={akua.owner_token}",
        "--plaintext", f"akua:workspace={ids['SELLER_WORKSPACE_ID']}",
        "--plaintext", f"akua:stripeApiBase={stripe_fake.api_base}",
        "--secret", f"akua:stripeApiKey={stripe_fake.api_key}",
        "--plaintext", "customers[0].name=Acme", "--plaintext", "customers[0].slug=acme",
        "--plaintext", "customers[0].email=billing@acme.example",
        "--plaintext", "customers[1].name=Globex", "--plaintext", "customers[1].slug=globex",
        "--plaintext", "customers[1].email=billing@globex.example",
    )  # fmt: skip
    _run(pulumi_env, project, "up", "--yes", "--skip-preview")
    _run(pulumi_env, project, "preview", "--expect-no-changes")

    workspaces = {w["slug"]: w["id"] for w in api.paginate("/workspaces")}
    customers = {c["email"]: c for c in _live(stripe_api, "customers")}
    assert set(customers) == {"billing@acme.example", "billing@globex.example"}
    assert customers["billing@acme.example"]["metadata"]["akua_workspace_id"] == workspaces["acme"]
    subs = _live(stripe_api, "subscriptions")
    assert sorted(s["customer"] for s in subs) == sorted(c["id"] for c in customers.values())
    [price] = _live(stripe_api, "prices")
    assert price["unit_amount"] == 4900 and price["metadata"]["akua_workspace_id"] == ids["SELLER_WORKSPACE_ID"]

    _run(pulumi_env, project, "destroy", "--yes", "--skip-preview")
    for resource in ("products", "prices", "customers", "subscriptions"):
        assert _live(stripe_api, resource) == [], resource

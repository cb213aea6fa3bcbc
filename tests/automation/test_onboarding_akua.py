"""Onboarding ten customers into akua-local with the default CustomerWorkspace program.

Parallelism 4, one customer with invalid data: 9 succeed, 1 fails with a clear message; a re-run
changes nothing; offboarding leaves the API empty. Every claim is checked on the server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.local.seed import arrange_seller

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _customer_slugs(api: AkuaClient) -> set[str]:
    return {w["slug"] for w in api.paginate("/workspaces")} - {"seller"}


def test_onboard_ten_customers(pulumi_env: PulumiEnvironment, akua: LocalServer, api: AkuaClient) -> None:
    seller = arrange_seller(api, akua.admin, slug="seller")
    product = seller.product_id
    scoped = api.for_workspace(seller.workspace_id)
    user = akua.admin.create_user("Customer Admin", "admin@example.com")["id"]
    customers = [
        {
            "id": f"cust-{i}",
            "name": f"Customer {i}",
            "slug": f"cust-{i}",
            "members": [{"user_id": user, "role": "admin"}],
            "cluster": {"name": f"cust-{i}-main", "network_profile": "windows" if i == 6 else "linux_cilium"},
            "installs": [{"product_id": product, "name": "app"}],
            "api_token": {"name": "ci"},
        }
        for i in range(10)
    ]
    entries = parse_customers_file({"defaults": {"region": {"name": "eu-west"}}, "customers": customers}).entries
    pipeline = OnboardingPipeline(
        "akua_pulumi.automation.programs:customer_program",
        state_dir=pulumi_env.state_dir,
        parallelism=4,
        config={"akua:apiUrl": akua.api_url, "akua:token": Secret(akua.owner_token)},
    )

    report = pipeline.up(entries)
    assert report.exit_code == 1
    assert sorted(r.customer_id for r in report.failed) == ["cust-6"]
    [failed] = report.failed
    assert "network_profile" in (failed.error or "") and "windows" in (failed.error or "")
    ok = [f"cust-{i}" for i in range(10) if i != 6]
    assert _customer_slugs(api) == set(ok)  # the invalid customer wrote nothing
    for slug in ok:
        wid = report[slug].outputs["workspace_id"]
        ws_api = api.for_workspace(wid)
        assert len(list(ws_api.paginate("/clusters"))) == 1
        assert [i["state"] for i in ws_api.paginate("/installs")] == ["healthy"]
        assert [t["name"] for t in ws_api.paginate("/api_tokens")] == ["ci"]

    akua.admin.reset_counters()
    again = pipeline.up(entries)
    assert [r.customer_id for r in again.failed] == ["cust-6"]
    assert all(r.resources_changed == 0 for r in again.succeeded)
    assert akua.admin.counters()["writes"] == 0

    # Drift: a token revoked out of band. The re-run above skipped the engine; a refresh that finds
    # the drift makes the next up run it again, and that up repairs the customer.
    drifted = api.for_workspace(report["cust-0"].outputs["workspace_id"])
    [token] = drifted.paginate("/api_tokens")
    drifted.delete(f"/api_tokens/{token['id']}")
    refreshed = pipeline.refresh(entries, only=["cust-0"])
    assert refreshed.exit_code == 0 and refreshed["cust-0"].resources_changed >= 1, str(refreshed)
    akua.admin.reset_counters()
    repaired = pipeline.up(entries, only=["cust-0"])
    assert repaired.exit_code == 0 and not repaired["cust-0"].skipped, str(repaired)
    assert [t["name"] for t in drifted.paginate("/api_tokens")] == ["ci"]
    assert akua.admin.counters()["writes"] >= 1

    offboard = pipeline.destroy(entries, only=ok)  # the invalid entry has nothing to offboard
    assert offboard.exit_code == 0, str(offboard)
    assert _customer_slugs(api) == set()
    assert [p["id"] for p in scoped.paginate("/products")] == [product]  # the seller's side is untouched


def test_pipeline_outputs_hide_secrets(tmp_path: Path) -> None:
    assert "[secret]" in repr(Secret("x")) or "x" not in repr(Secret("x"))

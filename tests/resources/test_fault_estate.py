"""A 10-customer estate under 20% injected faults (5xx, 429 with Retry-After, commit-then-drop)
converges in exactly one ``pulumi up`` per change set, in 5 seeded runs, checked on the server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.cluster import Cluster
from akua_pulumi.resources.region import Region
from akua_pulumi.resources.workspace import Workspace
from akua_pulumi.testing.stacks import AkuaStack

pytestmark = pytest.mark.slow

CUSTOMERS = 10
SEEDS = (1, 2, 3, 4, 5)
#: 20% of requests get a fault: 8% 5xx, 6% 429 (Retry-After), 6% of writes commit and lose their answer.
FAULTS: dict[str, Any] = {
    "error_rate": 0.08,
    "rate_limited_rate": 0.06,
    "retry_after_seconds": 0.2,
    "drop_after_commit_rate": 0.06,
}
KUBECONFIG = "apiVersion: v1\nkind: Config\n"


def _estate(version: int) -> Callable[[], None]:
    """Change set 0 creates the estate; 1 renames every workspace and cluster and suspends the clusters."""

    def program() -> None:
        for i in range(CUSTOMERS):
            ws = Workspace(f"ws{i}", name=f"Customer {i}" + (" Inc" if version else ""), slug=f"cust-{i}")
            region = Region(f"eu{i}", name="eu", workspace_id=ws.id)
            Cluster(
                f"c{i}",
                name=f"c{i}" + ("-v2" if version else ""),
                region_id=region.id,
                import_kubeconfig=KUBECONFIG,
                suspended=bool(version),
                workspace_id=ws.id,
            )

    return program


def _census(api: AkuaClient, owner_ws: str) -> dict[str, Any]:
    workspaces = [w for w in api.paginate("/workspaces") if w["id"] != owner_ws]
    out: dict[str, Any] = {"workspaces": Counter((w["slug"], w["name"]) for w in workspaces)}
    out["regions"] = Counter(r["name"] for w in workspaces for r in api.paginate("/regions", workspace=w["id"]))
    out["clusters"] = Counter(
        (c["name"], c["state"]) for w in workspaces for c in api.paginate("/clusters", workspace=w["id"])
    )
    return out


def _expected(version: int) -> dict[str, Any]:
    suffix = " Inc" if version else ""
    return {
        "workspaces": Counter({(f"cust-{i}", f"Customer {i}{suffix}"): 1 for i in range(CUSTOMERS)}),
        "regions": Counter({"eu": CUSTOMERS}),
        "clusters": Counter(
            {(f"c{i}" + ("-v2" if version else ""), "suspended" if version else "active"): 1 for i in range(CUSTOMERS)}
        ),
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_estate_converges_once_per_change_set_under_faults(
    seed: int, make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    stack = make_stack(_estate(0), workspace=workspace_id)
    akua.admin.set_faults(seed=seed, **FAULTS)
    try:
        for version in (0, 1):
            stack.program = _estate(version)
            stack.up()  # one run per change set: no re-run allowed
            assert _census(api, workspace_id) == _expected(version), f"seed {seed}, change set {version}"
        stack.destroy()
        injected = akua.admin.get_faults()["injected"]
    finally:
        akua.admin.clear_faults()
    assert injected > 0
    census = _census(api, workspace_id)
    assert census["workspaces"] == Counter(), census

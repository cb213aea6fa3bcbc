"""Install: the lifecycle invariants against the real engine and akua-local."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi import Install, Package, Product
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.install import InstallProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter

REF = "oci://registry.example/acme/shop"
V1 = {"semver": "1.0.0", "ref": "sha256:shop-1", "input_schema": {"type": "object"}}
V2 = {"semver": "1.1.0", "ref": "sha256:shop-2", "input_schema": {"type": "object"}}


def _infra(api: AkuaClient, akua: LocalServer, ws_id: str) -> tuple[AkuaClient, str]:
    """A region with an active cluster, and the artifact versions published."""
    ws = api.for_workspace(ws_id)
    region = ws.post("/regions", json={"name": "eu-test"})["id"]
    ws.wait_operation(ws.post("/clusters", json={"name": "c1", "region_id": region}))
    for v in (V1, V2):
        akua.admin.publish_artifact(REF, v["semver"], v["ref"], v["input_schema"])
    return ws, region


def _installs(ws: AkuaClient) -> list[dict]:
    return list(ws.paginate("/installs"))


def test_install_stack_converges_under_faults_and_destroys_in_order(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws, region = _infra(api, akua, workspace_id)

    def program() -> None:
        pkg = Package("pkg", name="shop", oci_ref=REF, version=V1)
        prod = Product("prod", name="Shop", package_id=pkg.id)
        Install("inst", product_id=prod.id, region_id=region, initial_values={"replicas": 2})

    stack = make_stack(program, workspace=workspace_id)
    akua.admin.set_faults(
        error_rate=0.1, drop_after_commit_rate=0.1, rate_limited_rate=0.05, retry_after_seconds=0.2, seed=11
    )
    stack.up_until_converged(max_runs=6)
    akua.admin.clear_faults()
    stack.preview(expect_no_changes=True)

    # No duplicates on the server, and state names what exists.
    packages = list(ws.paginate("/packages"))
    products = [p for p in ws.paginate("/products") if p["state"] == "active"]
    installs = _installs(ws)
    assert [p["id"] for p in packages] == [stack.state_of("Package")["id"]]
    assert [p["id"] for p in products] == [stack.state_of("Product")["id"]]
    assert [(i["id"], i["product_id"], i["state"]) for i in installs] == [
        (stack.state_of("Install")["id"], products[0]["id"], "healthy")
    ]

    # 5. Destroy in dependency order: install, then product (archived), then package.
    stack.destroy()
    assert _installs(ws) == []
    assert [p for p in ws.paginate("/products") if p["state"] == "active"] == []
    assert list(ws.paginate("/packages")) == []


def test_install_direct_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws, region = _infra(api, akua, workspace_id)
    pkg = ws.post("/packages:import", json={"name": "shop", "oci_ref": REF, "version": V1})
    v1 = pkg["latest_version_id"]
    v2 = ws.post(f"/packages/{pkg['id']}/versions", json=V2)["id"]

    def program(version_id: str, pin: str = "1.0.0") -> Callable[[], None]:
        return lambda: Install(
            "inst", package_id=pkg["id"], version=pin, package_version_id=version_id, region_id=region
        )

    stack = make_stack(program(v1), workspace=workspace_id)
    fixtures.up_within_budget(stack, calls, InstallProvider, "create")
    iid = stack.state_of("Install")["id"]
    assert ws.get(f"/installs/{iid}")["package_version_id"] == v1

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, InstallProvider)

    # 2. Version drift out of band: refresh shows it, up moves the install back to the declared version.
    live = ws.get(f"/installs/{iid}")
    ws.post(
        f"/installs/{iid}:update",
        json={"package_version_id": v2},
        if_match=live["etag"],
        idempotency_key="oob-update-1",
    )
    fixtures.assert_refresh_shows(stack, "Install", package_version_id=v2)
    fixtures.up_within_budget(stack, calls, InstallProvider, "update")
    assert ws.get(f"/installs/{iid}")["package_version_id"] == v1

    # A declared version change is applied in place through :update.
    stack.program = program(v2)
    result = stack.up()
    assert result.summary.resource_changes.get("update") == 1
    assert stack.state_of("Install")["id"] == iid
    live = ws.get(f"/installs/{iid}")
    assert (live["package_version_id"], live["state"]) == (v2, "healthy")

    # 3. Out-of-band deletion: refresh drops it, up installs again.
    ws.wait_operation(ws.delete(f"/installs/{iid}", if_match=live["etag"]))
    fixtures.assert_refresh_drops(stack, "Install")
    # The pin now resolves to v2 ("latest") but v1 is declared: the create ends on v1 in one run.
    stack.program = program(v1, pin="latest")
    stack.up()
    new = stack.state_of("Install")["id"]
    assert new != iid and [i["id"] for i in _installs(ws)] == [new]
    assert ws.get(f"/installs/{new}")["package_version_id"] == v1
    stack.preview(expect_no_changes=True)

    # 5. Destroy: no install left.
    fixtures.destroy_within_budget(stack, calls, InstallProvider)
    assert _installs(ws) == []


def test_install_failure_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws, region = _infra(api, akua, workspace_id)
    pkg = ws.post("/packages:import", json={"name": "shop", "oci_ref": REF, "version": V1})["id"]

    # An async create failure: a clear error, nothing in state, nothing half-created on the server.
    akua.admin.fail_next_operation("install.create", "chart render failed: missing value")
    stack = make_stack(lambda: Install("inst", package_id=pkg, region_id=region), workspace=workspace_id)
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "chart render failed: missing value" in str(err.value) and "akua:Install" in str(err.value)
    assert stack.resources("Install") == []
    assert _installs(ws) == []
    # Running up again installs (the replayed key of the failed create is not reused).
    time.sleep(2)
    stack.up()
    assert [i["id"] for i in _installs(ws)] == [stack.state_of("Install")["id"]]

    # 4. Adopt by id (installs have no natural key): the next preview is empty.
    other = ws.wait_operation(
        ws.post("/installs", json={"package_id": pkg, "package_version_pin": {"kind": "latest"}, "region_id": region})
    )["response"]["install_id"]
    adopt = make_stack(
        lambda: Install("other", package_id=pkg, region_id=region, adopt_id=other),
        workspace=workspace_id,
        stack="adopt",
    )
    adopt.up()
    assert adopt.state_of("Install")["id"] == other
    adopt.preview(expect_no_changes=True)

    # 6. Bad input fails at preview, naming the property, without any write.
    cases = {
        "set exactly one of product_id": dict(product_id="prod_x", package_id=pkg, region_id=region),
        "version must be 'latest' or a SemVer": dict(package_id=pkg, version="v1", region_id=region),
        "version applies to direct installs": dict(product_id="prod_x", version="1.0.0", region_id=region),
        "timeout_seconds must be >= 1": dict(package_id=pkg, region_id=region, timeout_seconds=0),
    }
    for i, (message, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: Install("bad", **kwargs), workspace=workspace_id, stack=f"bad-{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert message in str(err.value)
        assert akua.admin.counters()["writes"] == 0

"""Product: the lifecycle invariants against the real engine and akua-local (destroy archives)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi import Product
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.product import ProductProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from .conftest import CallCounter

REF = "oci://registry.example/acme/widget"


def _package(api: AkuaClient, akua: LocalServer, ws: str) -> str:
    akua.admin.publish_artifact(REF, "1.0.0", "sha256:w1", {"type": "object"})
    version = {"semver": "1.0.0", "ref": "sha256:w1", "input_schema": {"type": "object"}}
    return str(
        api.for_workspace(ws).post("/packages:import", json={"name": "widget", "oci_ref": REF, "version": version})[
            "id"
        ]
    )


def _active(api: AkuaClient, ws: str) -> list[dict]:
    return [p for p in api.for_workspace(ws).paginate("/products") if p["state"] == "active"]


def test_product_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = api.for_workspace(workspace_id)
    pkg = _package(api, akua, workspace_id)
    stack = make_stack(
        lambda: Product("prod", name="Widget", package_id=pkg, version="1.0.0", custom_description="A widget"),
        workspace=workspace_id,
    )
    fixtures.up_within_budget(stack, calls, ProductProvider, "create")
    pid = stack.state_of("Product")["id"]
    live = ws.get(f"/products/{pid}")
    assert live["package"]["version_pin"] == {"kind": "pinned", "version": "1.0.0"}

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, ProductProvider)

    # 2. Drift: refresh shows it, up converges it back.
    ws.patch(f"/products/{pid}", json={"name": "Renamed", "custom_description": None}, if_match=live["etag"])
    stack.refresh()
    outs = stack.state_of("Product")["outputs"]
    assert (outs["name"], outs.get("custom_description")) == ("Renamed", None)
    fixtures.up_within_budget(stack, calls, ProductProvider, "update")
    live = ws.get(f"/products/{pid}")
    assert (live["name"], live["custom_description"]) == ("Widget", "A widget")

    # 3. Archived out of band: refresh drops it, up creates a new active product.
    ws.post(f"/products/{pid}:archive", json={}, if_match=live["etag"])
    fixtures.assert_refresh_drops(stack, "Product")
    stack.up()
    new = stack.state_of("Product")["id"]
    assert new != pid and [p["id"] for p in _active(api, workspace_id)] == [new]

    # 5. Destroy archives: nothing active remains.
    fixtures.destroy_within_budget(stack, calls, ProductProvider)
    assert _active(api, workspace_id) == []


def test_product_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = api.for_workspace(workspace_id)
    pkg = _package(api, akua, workspace_id)
    existing = ws.post(
        "/products", json={"name": "Existing", "package_id": pkg, "package_version_pin": {"kind": "latest"}}
    )

    # An active product with the same name: refused with the adoption hint.
    stack = make_stack(lambda: Product("prod", name="Existing", package_id=pkg), workspace=workspace_id)
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value) and existing["id"] in str(err.value)
    assert len(_active(api, workspace_id)) == 1

    # 4. Adopt by name: the pin converges, the next preview is empty.
    stack.program = lambda: Product("prod", name="Existing", package_id=pkg, version="1.0.0", adopt=True)
    stack.up()
    assert stack.state_of("Product")["id"] == existing["id"]
    assert ws.get(f"/products/{existing['id']}")["package"]["version_pin"]["version"] == "1.0.0"
    stack.preview(expect_no_changes=True)

    # 6. Bad input fails at preview, naming the property, without any write.
    cases = {
        "version must be 'latest' or a SemVer": dict(name="Bad", package_id=pkg, version="1.2"),
        "name must be at least 2 characters": dict(name="x", package_id=pkg),
        "custom_image 'no uri' does not match": dict(name="Bad", package_id=pkg, custom_image="no uri"),
    }
    assert_bad_input_fails_at_preview(make_stack, akua, workspace_id, lambda kw: lambda: Product("bad", **kw), cases)

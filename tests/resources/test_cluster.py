"""Cluster: the invariants, suspend/resume, import, adoption and refused deletes, against akua-local."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.cluster import Cluster, ClusterProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import arrange_product
from .conftest import CallCounter

OCI = "oci://registry.test/app"


def _clusters(api: AkuaClient, ws: str) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in api.paginate("/clusters", workspace=ws)}


def _install(api: AkuaClient, akua: LocalServer, ws: str, region_id: str, cluster_id: str) -> dict[str, Any]:
    """A product-based install on the cluster (package imported from a published artifact)."""
    prod = arrange_product(api, akua, ws, OCI, "sha256:1")
    op = api.wait_operation(
        api.post(
            "/installs",
            json={"product_id": prod["id"], "region_id": region_id, "cluster_id": cluster_id},
            idempotency_key="inst-1",
            workspace=ws,
        ),
        workspace=ws,
    )
    return dict(api.get(f"/installs/{op['response']['install_id']}", workspace=ws))


def test_cluster_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    region = api.post("/regions", json={"name": "eu"}, workspace=ws)["id"]
    stack = make_stack(lambda: Cluster("c", name="prod", region_id=region), workspace=ws)
    fixtures.up_within_budget(stack, calls, ClusterProvider, "create")
    cid = stack.state_of("Cluster")["id"]
    live = _clusters(api, ws)
    assert list(live) == [cid] and live[cid]["state"] == "active" and live[cid]["provider"] == "managed_kaas"

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, ClusterProvider)

    # 2. Out-of-band rename: refresh shows it, up converges it back in place.
    api.patch(f"/clusters/{cid}", json={"name": "elsewhere"}, if_match=live[cid]["etag"], workspace=ws)
    fixtures.assert_refresh_shows(stack, "Cluster", name="elsewhere")
    fixtures.up_within_budget(stack, calls, ClusterProvider, "update")
    assert _clusters(api, ws)[cid]["name"] == "prod"
    stack.preview(expect_no_changes=True)

    # Suspend and resume through `suspended`, in place.
    stack.program = lambda: Cluster("c", name="prod", region_id=region, suspended=True)
    stack.up()
    assert _clusters(api, ws)[cid]["state"] == "suspended"
    stack.preview(expect_no_changes=True)
    stack.program = lambda: Cluster("c", name="prod", region_id=region, suspended=False)
    stack.up()
    assert _clusters(api, ws)[cid]["state"] == "active"
    assert stack.state_of("Cluster")["id"] == cid

    # 3. Out-of-band deletion: refresh drops it, up creates a new one (the replayed key is skipped).
    api.wait_operation(api.delete(f"/clusters/{cid}", if_match=_clusters(api, ws)[cid]["etag"], workspace=ws))
    fixtures.assert_refresh_drops(stack, "Cluster")
    stack.up()
    cid = stack.state_of("Cluster")["id"]
    assert list(_clusters(api, ws)) == [cid]

    # A cluster with an install cannot be deleted: the message says what to remove first.
    inst = _install(api, akua, ws, region, cid)
    with pytest.raises(auto.CommandError) as err:
        stack.destroy()
    assert "still has installs" in str(err.value) and "destroy its installs first" in str(err.value)
    assert cid in _clusters(api, ws)
    api.wait_operation(api.delete(f"/installs/{inst['id']}", if_match=inst["etag"], workspace=ws), workspace=ws)

    # 5. Destroy deletes it.
    stack.refresh()  # the failed destroy left the etag as it was; the install bumped nothing, but be exact
    fixtures.destroy_within_budget(stack, calls, ClusterProvider)
    assert _clusters(api, ws) == {}


def test_cluster_import_adopt_async_failure_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    etag = api.get(f"/workspaces/{ws}")["etag"]  # room for more than one managed cluster
    api.wait_operation(api.post(f"/workspaces/{ws}/subscription:changeTier", json={"tier": "pro"}, if_match=etag))
    region = api.post("/regions", json={"name": "eu"}, workspace=ws)["id"]
    existing = api.wait_operation(
        api.post("/clusters", json={"name": "old", "region_id": region}, idempotency_key="k1", workspace=ws),
        workspace=ws,
    )["response"]["cluster_id"]
    kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n# byoc\n"

    # Import (bring your own) and adopt by id (converging the name) in one stack.
    def program() -> None:
        Cluster("byoc", name="byoc", region_id=region, import_kubeconfig=kubeconfig)
        Cluster("adopted", name="renamed", region_id=region, adopt_id=existing)

    stack = make_stack(program, workspace=ws)
    stack.up()
    live = _clusters(api, ws)
    byoc = next(r for r in stack.resources("Cluster") if r["outputs"]["name"] == "byoc")["id"]
    assert live[byoc]["provider"] == "imported_byoc" and live[byoc]["state"] == "active"
    assert live[existing]["name"] == "renamed"
    assert len(live) == 2
    # 4. The next preview shows no changes.
    stack.preview(expect_no_changes=True)

    # An async create failure surfaces the operation's error and leaves nothing behind.
    akua.admin.fail_next_operation("cluster.create", "no capacity in eu")

    def failing() -> None:
        program()
        Cluster("doomed", name="doomed", region_id=region)

    stack.program = failing
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "no capacity in eu" in str(err.value) and "akua:Cluster doomed" in str(err.value)
    assert not [r for r in stack.resources("Cluster") if r["outputs"].get("name") == "doomed"]
    assert set(_clusters(api, ws)) == {byoc, existing}
    stack.program = program
    stack.preview(expect_no_changes=True)

    # 6. Bad input fails at preview, names the property, writes nothing.
    cases: dict[str, dict[str, Any]] = {
        "name": dict(name="", region_id=region),
        "region_id": dict(name="ok", region_id=""),
        "network_profile": dict(name="ok", region_id=region, network_profile="windows"),
        "suspended": dict(name="ok", region_id=region, suspended="yes"),
    }
    for i, (prop, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: Cluster("bad", **kwargs), workspace=ws, stack=f"bad{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert f"{prop} " in str(err.value)
        assert akua.admin.counters()["writes"] == 0

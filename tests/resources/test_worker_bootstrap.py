"""WorkerBootstrap: shown-once secrets, expired/revoked read as gone, destroy revokes, lost responses, adoption."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.worker_bootstrap import WorkerBootstrap, WorkerBootstrapProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview, assert_no_plaintext
from .conftest import CallCounter
from .test_machine import arrange_cluster


def _bootstraps(api: AkuaClient, ws: str, cluster: str) -> dict[str, str]:
    return {b["id"]: b["status"] for b in api.paginate(f"/clusters/{cluster}/worker_bootstraps", workspace=ws)}


def _program(cluster: str, **kw: Any) -> Callable[[], None]:
    def program() -> None:
        wbs = WorkerBootstrap("join", cluster_id=cluster, ttl_seconds=7200, **kw)
        pulumi.export("token", wbs.token)
        pulumi.export("cloud_init", wbs.cloud_init)
        pulumi.export("command", wbs.command)

    return program


def test_worker_bootstrap_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    cluster, _ = arrange_cluster(api, ws)
    stack = make_stack(_program(cluster), workspace=ws)
    out: list[str] = []
    fixtures.up_within_budget(stack, calls, WorkerBootstrapProvider, "create", on_output=out.append)
    wid = stack.state_of("WorkerBootstrap")["id"]
    assert _bootstraps(api, ws, cluster) == {wid: "active"}
    outputs = stack.outputs()
    token = outputs["token"]
    assert len(token) == 64 and token in outputs["cloud_init"] and token in outputs["command"]

    # 1. Steady state; refresh keeps the shown-once values (the API never shows them again).
    fixtures.assert_steady_state(stack, calls, WorkerBootstrapProvider)
    assert stack.outputs()["token"] == token

    # The token never appears in plaintext in state, the export or the engine output.
    assert_no_plaintext(stack, out, [token])

    # 2/3. Revoked outside Pulumi: refresh drops it, up mints a new one (a new token).
    etag = api.get(f"/clusters/{cluster}/worker_bootstraps/{wid}", workspace=ws)["etag"]
    api.post(f"/clusters/{cluster}/worker_bootstraps/{wid}:revoke", if_match=etag, workspace=ws)
    fixtures.assert_refresh_drops(stack, "WorkerBootstrap")
    stack.up()
    wid2 = stack.state_of("WorkerBootstrap")["id"]
    assert wid2 != wid and _bootstraps(api, ws, cluster) == {wid: "revoked", wid2: "active"}
    assert stack.outputs()["token"] not in (token, None)
    stack.preview(expect_no_changes=True)

    # Expired: reads as gone too, so the next `up` mints another.
    akua.admin.patch_object(wid2, expires_at=int(time.time()) - 10)
    assert _bootstraps(api, ws, cluster)[wid2] == "expired"
    fixtures.assert_refresh_drops(stack, "WorkerBootstrap")
    stack.up()
    wid3 = stack.state_of("WorkerBootstrap")["id"]
    assert _bootstraps(api, ws, cluster) == {wid: "revoked", wid2: "expired", wid3: "active"}

    # 5. Destroy revokes (the row stays, revoked; nothing active is left).
    fixtures.destroy_within_budget(stack, calls, WorkerBootstrapProvider)
    assert "active" not in _bootstraps(api, ws, cluster).values()
    assert _bootstraps(api, ws, cluster)[wid3] == "revoked"


@pytest.mark.parametrize("operation", ["clusters.createWorkerBootstrap", "clusters.revokeWorkerBootstrap"])
def test_worker_bootstrap_one_lost_response_converges(
    operation: str, make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    cluster, _ = arrange_cluster(api, ws)
    stack = make_stack(_program(cluster), workspace=ws)
    destroy = operation.endswith("revokeWorkerBootstrap")
    if destroy:
        stack.up()
    fixtures.run_with_one_lost_response(akua, operation, stack.destroy if destroy else stack.up)
    statuses = list(_bootstraps(api, ws, cluster).values())
    if destroy:
        assert statuses == ["revoked"]
    else:
        assert statuses == ["active"]  # one bootstrap, and its token known to the stack
        assert len(stack.outputs()["token"]) == 64
        stack.preview(expect_no_changes=True)


def test_worker_bootstrap_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    cluster, _ = arrange_cluster(api, ws)
    existing = api.post(f"/clusters/{cluster}/worker_bootstraps", json={"ttl_seconds": 7200}, workspace=ws)["id"]

    # 4. Adoption by id: no write, no diff; an adopted bootstrap has no known token.
    stack = make_stack(_program(cluster, adopt_id=existing), workspace=ws)
    fixtures.assert_adopts_without_writes(stack, akua, "WorkerBootstrap", existing)
    assert stack.outputs().get("token") is None
    stack.destroy()
    assert _bootstraps(api, ws, cluster) == {existing: "revoked"}

    # 6. Bad input fails at preview, names the property, writes nothing.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: WorkerBootstrap("bad", **kw),
        {
            "ttl_seconds": {"cluster_id": cluster, "ttl_seconds": 5},
            "cluster_id": {"ttl_seconds": 60},
            "cluster_id ": {"cluster_id": ""},
        },
    )


def test_worker_bootstrap_destroy_after_expiry(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    """A bootstrap that expired since the last ``up`` (no refresh in between): the API refuses to revoke
    it (409, not active), and destroy still succeeds, since an expired bootstrap is gone already."""
    ws = workspace_id
    cluster, _ = arrange_cluster(api, ws)
    stack = make_stack(_program(cluster), workspace=ws)
    stack.up()
    wid = stack.state_of("WorkerBootstrap")["id"]
    akua.admin.patch_object(wid, expires_at=int(time.time()) - 10)
    stack.destroy()
    assert _bootstraps(api, ws, cluster) == {wid: "expired"}
    assert stack.resources("WorkerBootstrap") == []


def test_worker_bootstrap_expired_in_state_is_replaced_by_a_plain_up(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    """Once the ``expires_at`` in state has passed, a plain ``up`` (no refresh) mints a new bootstrap: the
    diff needs no API call. (Time passes here by moving ``expires_at`` back, in the server and in state.)"""
    ws = workspace_id
    cluster, _ = arrange_cluster(api, ws)
    stack = make_stack(_program(cluster), workspace=ws)
    stack.up()
    first, token = stack.state_of("WorkerBootstrap")["id"], stack.outputs()["token"]
    past = int(time.time()) - 10
    akua.admin.patch_object(first, expires_at=past)
    deployment = stack.stack.export_stack()
    for res in deployment.deployment["resources"]:
        if res["type"].endswith("akua:WorkerBootstrap"):
            res["outputs"]["expires_at"] = past
    stack.stack.import_stack(deployment)

    akua.admin.reset_counters()
    assert stack.preview().change_summary.get("replace") == 1
    assert akua.admin.counters()["reads"] + akua.admin.counters()["writes"] == 0  # decided from state
    stack.up()
    second = stack.state_of("WorkerBootstrap")["id"]
    assert second != first and _bootstraps(api, ws, cluster) == {first: "expired", second: "active"}
    assert stack.outputs()["token"] not in (None, token)
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert _bootstraps(api, ws, cluster) == {first: "expired", second: "revoked"}

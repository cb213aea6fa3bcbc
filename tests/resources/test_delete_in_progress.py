"""A delete refused with 409 because the object is already going away: the lifecycle reads the live
object, sees its state ``deleting`` and waits until it is gone (the decision rides on the state, not on
the message), against akua-local."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from akua_pulumi.client import AkuaClient, NotFoundError
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.cluster import ClusterProvider
from akua_pulumi.testing.fixtures import CallCounter


def test_a_delete_already_under_way_is_waited_for(
    akua: LocalServer, api: AkuaClient, calls: Callable[[], CallCounter]
) -> None:
    ws = str(api.post("/workspaces", json={"name": "W", "slug": "w-deleting"})["id"])
    region = api.post("/regions", json={"name": "eu"}, workspace=ws)["id"]
    op = api.post("/clusters", json={"name": "c", "region_id": region}, idempotency_key="k", workspace=ws)
    cid = api.wait_operation(op, workspace=ws)["response"]["cluster_id"]
    live = api.get(f"/clusters/{cid}", workspace=ws)
    akua.admin.set_operation_delay(1.0)
    api.delete(f"/clusters/{cid}", if_match=live["etag"], workspace=ws)  # someone else's delete, still running
    assert api.get(f"/clusters/{cid}", workspace=ws)["state"] == "deleting"

    connection = {"api_url": akua.api_url, "token": akua.owner_token, "workspace": ws}
    started = time.monotonic()
    with calls() as c:
        ClusterProvider().delete(cid, {**live, "workspace_id": ws, "akua_connection": connection})
    assert time.monotonic() - started >= 0.5, "it waited for the running delete"
    assert c.by_operation.get("clusters.delete") == 1, c.by_operation  # refused once (409), never retried
    with pytest.raises(NotFoundError):
        api.get(f"/clusters/{cid}", workspace=ws)

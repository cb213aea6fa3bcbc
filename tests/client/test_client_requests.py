"""Headers, bodies, pagination, wait_operation, views and logging."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import pytest
from client_helpers import TOKEN, body_of, envelope
from conftest import MakeClient

from akua_pulumi.client import (
    AkuaClient,
    AuthenticationError,
    OperationFailedError,
    OperationTimeoutError,
)


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_headers(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: ok({"id": "clu_1"}))
    client.patch("/clusters/clu_1", json={"name": "n"}, if_match="42", idempotency_key="key-1")
    req = rec.requests[0]
    assert req.url == "https://api.test/v1/clusters/clu_1"
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["akua-context"] == "ws_1"
    assert req.headers["if-match"] == "42"  # exactly as read, no quotes added
    assert req.headers["idempotency-key"] == "key-1"
    assert req.headers["user-agent"].startswith("akua-pulumi/")
    assert req.headers["content-type"] == "application/json"
    assert body_of(req) == {"name": "n"}


def test_workspace_override_and_undeclared_context(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: ok({"data": [], "has_more": False, "next_cursor": None}))
    client.get("/clusters", workspace="ws_other")
    client.get("/clusters", workspace=None)
    client.get("/organizations")  # organizations are user scoped: header not declared, not sent
    client.for_workspace("ws_view").get("/clusters")
    assert rec.requests[0].headers["akua-context"] == "ws_other"
    assert "akua-context" not in rec.requests[1].headers
    assert "akua-context" not in rec.requests[2].headers
    assert rec.requests[3].headers["akua-context"] == "ws_view"


def test_custom_method_paths(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: ok({"id": "x"}))
    client.post("/clusters:import", json={"name": "a", "region_id": "r", "kubeconfig": "k"})
    client.post("/clusters/clu_1:suspend", if_match="1")
    assert [str(r.url) for r in rec.requests] == [
        "https://api.test/v1/clusters:import",
        "https://api.test/v1/clusters/clu_1:suspend",
    ]


def test_empty_bodies_return_none(make_client: MakeClient) -> None:
    client, _ = make_client(lambda r: httpx.Response(204))
    assert client.delete("/api_tokens/tok_1") is None
    client, _ = make_client(lambda r: httpx.Response(201))
    assert client.post("/workspaces/ws_1/members", json={"user_id": "u", "role": "member"}) is None


def test_usage_errors_before_sending(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: ok({}))
    with pytest.raises(ValueError, match=r"clusters.update requires if_match"):
        client.patch("/clusters/clu_1", json={"name": "n"})
    with pytest.raises(ValueError, match=r"workspaces.create does not accept an Idempotency-Key"):
        client.post("/workspaces", json={"name": "w"}, idempotency_key="k")
    with pytest.raises(ValueError, match=r"installs.restore requires idempotency_key"):
        client.post("/installs/inst_1:restore", json={"render_id": "rnd_1"}, if_match="1")
    assert rec.count == 0


def test_paginate_follows_cursors(make_client: MakeClient) -> None:
    pages = {
        None: {"data": [{"id": 1}, {"id": 2}], "has_more": True, "next_cursor": "c2"},
        "c2": {"data": [{"id": 3}], "has_more": True, "next_cursor": "c3"},
        "c3": {"data": [{"id": 4}], "has_more": False, "next_cursor": None},
    }
    client, rec = make_client(lambda r: ok(pages[r.url.params.get("cursor")]))
    items = list(client.paginate("/products", params={}, page_size=2))
    assert [i["id"] for i in items] == [1, 2, 3, 4]
    assert [r.url.params.get("limit") for r in rec.requests] == ["2", "2", "2"]
    assert [r.url.params.get("cursor") for r in rec.requests] == [None, "c2", "c3"]


def test_paginate_unpaginated_envelope(make_client: MakeClient) -> None:
    page = {"data": [{"user_id": "u"}], "has_more": False, "next_cursor": None}
    client, rec = make_client(lambda r: ok(page))
    assert list(client.paginate("/workspaces/ws_1/members")) == [{"user_id": "u"}]
    assert "limit" not in rec.requests[0].url.params  # members/quotas lists take no limit


def test_paginate_filters_pass_through(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: ok({"data": [], "has_more": False, "next_cursor": None}))
    list(client.paginate("/installs", params={"product_id": "prod_1"}))
    assert rec.requests[0].url.params["product_id"] == "prod_1"


def operation(state: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "op_1",
        "workspace_id": "ws_1",
        "organization_id": None,
        "owner_type": "cluster",
        "owner_id": "clu_1",
        "parent_operation_id": None,
        "state": state,
        "done": state != "RUNNING",
        "html_url": "https://app.akua.dev/op_1",
        "metadata": {"type": "cluster.create"},
        "response": None,
        "error": None,
        "last_error": None,
        "started_at": 1,
        "completed_at": None,
        **extra,
    }


def test_wait_operation_loops_until_done(make_client: MakeClient) -> None:
    states = ["RUNNING", "RUNNING", "SUCCEEDED"]
    client, rec = make_client(lambda r: ok(operation(states.pop(0), response={"cluster_id": "clu_1"})))
    result = client.wait_operation(operation("RUNNING"), timeout=30)
    assert result["state"] == "SUCCEEDED" and result["response"] == {"cluster_id": "clu_1"}
    assert all(r.url.path == "/v1/operations/op_1:wait" and r.method == "POST" for r in rec.requests)
    timeouts = [int(r.url.params["timeout"]) for r in rec.requests]
    assert timeouts[0] == 30 and all(1 <= t <= 30 for t in timeouts)
    assert rec.count == 3


def test_wait_operation_accepts_envelope_and_id_and_done(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: ok(operation("SUCCEEDED")))
    assert client.wait_operation({"operation_id": "op_1"})["done"]
    assert client.wait_operation("op_1")["done"]
    assert rec.requests[0].url.params["timeout"] == "60"  # capped at the contract's maximum
    before = rec.count
    assert client.wait_operation(operation("SUCCEEDED"))["done"]  # already done: no request
    assert rec.count == before


@pytest.mark.parametrize("state", ["FAILED", "CANCELLED"])
def test_wait_operation_failure(make_client: MakeClient, state: str) -> None:
    client, _ = make_client(lambda r: ok(operation(state, error={"message": "region is full"})))
    with pytest.raises(OperationFailedError) as info:
        client.wait_operation("op_1")
    assert info.value.state == state and info.value.message == "region is full"
    assert info.value.operation_id == "op_1"
    assert str(info.value) == f"operation op_1 {state}: region is full"


def test_wait_operation_timeout(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: ok(operation("RUNNING")))
    started = time.monotonic()
    with pytest.raises(OperationTimeoutError) as info:
        client.wait_operation("op_1", timeout=1.2)
    assert 1.2 <= time.monotonic() - started < 3
    assert info.value.last_state == "RUNNING" and "op_1" in str(info.value)
    assert rec.count <= 4  # a server that answers at once is not hammered


def test_views_share_pool_and_close(make_client: MakeClient) -> None:
    client, _ = make_client(lambda r: ok({}))
    view = client.for_workspace("ws_2")
    assert view._shared is client._shared and view.workspace == "ws_2"
    view.close()  # no-op
    assert client.get("/clusters/clu_1") == {}
    with AkuaClient(api_url="https://x/v1", token="t", transport=httpx.MockTransport(lambda r: ok({}))) as c:
        c.get("/clusters/clu_1")
    with pytest.raises(RuntimeError, match="closed"):
        c.get("/clusters/clu_1")


def test_token_never_logged_or_in_errors(make_client: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    calls = [0]

    def handler(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        if calls[0] == 1:
            return envelope(503, 7000, f"upstream saw Authorization: Bearer {TOKEN}")
        return envelope(401, 7000, f"token {TOKEN} revoked")

    client, _ = make_client(handler)
    with pytest.raises(AuthenticationError) as info:
        client.get("/clusters/clu_1")
    text = caplog.text + str(info.value) + repr(info.value) + str(info.value.errors)
    assert TOKEN not in text
    assert "GET /clusters/clu_1 -> 503 attempt=1" in caplog.text
    assert "GET /clusters/clu_1 -> 401 attempt=2" in caplog.text

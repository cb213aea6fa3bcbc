"""Roles over real loopback HTTP (akua-local served by LocalServer), and the two conformance fixes of issue 19."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from akua_pulumi.contract import contract
from akua_pulumi.local import LocalServer

from .conftest import Api, new_workspace


@pytest.fixture(scope="module")
def srv() -> Iterator[LocalServer]:
    with LocalServer(operation_delay=0.0) as server:
        yield server


def _client(srv: LocalServer, token: str, ws: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", **({"akua-context": ws} if ws else {})}
    return httpx.Client(base_url=srv.api_url, headers=headers, timeout=10)


def test_an_admin_token_is_refused_what_the_owner_keeps_and_stops_with_its_creator(srv: LocalServer) -> None:
    owner = _client(srv, srv.owner_token)
    ws = owner.post("/workspaces", json={"name": "Http"}).json()["id"]
    user = srv.admin.create_user("Ada", "ada@http.test")
    owner.post(f"/workspaces/{ws}/members", json={"user_id": user["id"], "role": "admin"}, headers={"akua-context": ws})
    admin = _client(srv, user["token"], ws)
    token = admin.post("/api_tokens", json={"name": "ci"}).json()["token"]
    ci = _client(srv, token)
    region = ci.post("/regions", json={"name": "eu"}).json()["id"]
    cluster = ci.post("/clusters:import", json={"name": "c", "region_id": region, "kubeconfig": "k"}).json()["id"]
    gone = ci.delete(f"/clusters/{cluster}", headers={"If-Match": "1"})
    assert gone.status_code == 403
    err = gone.json()["errors"][0]
    assert err["code"] == 7003
    assert err["message"] == "clusters.delete needs the workspace role owner; the caller's role is admin"
    assert err["metadata"]["role_source"] == "api_token" and err["metadata"]["credential"] == "workspace_token"
    denied_delete = ci.delete(f"/workspaces/{ws}", headers={"If-Match": "1"})
    assert (
        denied_delete.status_code == 403 and denied_delete.json()["errors"][0]["metadata"]["required_role"] == "owner"
    )
    decision = ci.post(
        "/access_decisions",
        json={"permission": "clusters.delete", "resource": {"workspace_id": ws, "cluster_id": cluster}},
    ).json()["decision"]
    assert decision == {"result": "denied", "message": err["message"]}
    assert owner.delete(f"/workspaces/{ws}/members/{user['id']}", headers={"akua-context": ws}).status_code == 204
    assert ci.get("/clusters").status_code == 401
    assert admin.get("/clusters").status_code == 403


def test_options_on_a_literal_segment_answers_for_that_path(srv: LocalServer) -> None:
    c = _client(srv, srv.owner_token)
    r = c.request("OPTIONS", "/secrets/validate_token")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = c.request("GET", "/secrets/validate_token")  # not secrets.get of a secret called validate_token
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert c.request("OPTIONS", "/secrets/sec_x").headers["allow"] == "DELETE, GET, PATCH"


def _union_types() -> set[str]:
    union = contract().document["components"]["schemas"]["OperationMetadata"]["oneOf"]
    return {t for branch in union for t in branch["properties"]["type"]["enum"]}


def test_operations_only_show_members_of_the_metadata_union(api: Api) -> None:
    """changeTier's and reactivate's operations have types the contract's OperationMetadata lacks: waitable,
    never listed nor read; the cancel between them (a union member) is both."""
    w, ws = new_workspace(api)
    sub = f"/workspaces/{ws['id']}/subscription"
    hidden, shown = [], []
    for action, body, into in (
        (":changeTier", {"tier": "pro"}, hidden),
        (":cancel", {"effective": "period_end"}, shown),
        (":reactivate", {}, hidden),
    ):
        etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
        r = w.post(f"{sub}{action}", json=body, headers={"If-Match": etag})
        assert r.status_code == 202, r.text
        op_id = r.json().get("operation_id") or r.json()["id"]
        done = w.post(f"/operations/{op_id}:wait", params={"timeout": 5}).json()
        assert done["done"] is True and done["state"] == "SUCCEEDED", done
        into.append(op_id)
    listed = w.get("/operations").json()["data"]
    assert {o["metadata"]["type"] for o in listed} <= _union_types()
    assert {o["id"] for o in listed} >= set(shown) and not {o["id"] for o in listed} & set(hidden)
    for op_id in hidden:
        assert w.get(f"/operations/{op_id}").status_code == 404
    assert w.get(f"/operations/{shown[0]}").json()["metadata"]["type"] == "workspace.subscription.cancel"
    assert w.get(sub).json()["tier"] == "pro" and w.get(sub).json()["cancellation_scheduled"] is False

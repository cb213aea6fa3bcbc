"""accessDecisions.explain/explainBatch and entitlements.list (API.md §6.4-§6.5), and their agreement
with the calls they describe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from akua_pulumi.local import App, create_app
from akua_pulumi.roles import PERMISSIONS

from .conftest import Api, assert_exercised
from .roles_world import World, build

pytestmark = pytest.mark.xdist_group(__name__)


@pytest.fixture(scope="module")
def app() -> App:
    return create_app(":memory:", operation_delay=0.0)


@pytest.fixture
def w(app: App) -> World:
    app.reset()
    return build(app)


def explain(api: Api, permission: str, resource: dict[str, Any] | None = None, **extra: Any) -> httpx.Response:
    body: dict[str, Any] = {"permission": permission, **extra}
    if resource is not None:
        body["resource"] = resource
    return api.post("/access_decisions", json=body)


# Permissions whose operation the bundled contract has, and the real call each describes (path, method, body).
CALLS: dict[str, tuple[str, str]] = {
    "clusters.delete": ("DELETE", "/clusters/{cluster}"),
    "clusters.update": ("PATCH", "/clusters/{cluster}"),
    "clusters.suspend": ("POST", "/clusters/{cluster}:suspend"),
    "clusters.refresh_capabilities": ("POST", "/clusters/{cluster}/capabilities:refresh"),
    "clusters.get_kubeconfig": ("GET", "/clusters/{cluster}/kubeconfig"),
}


@pytest.mark.parametrize("who", ["member", "org", "tok_org", "admin", "tok_admin", "tok_owner", "owner"])
@pytest.mark.parametrize("permission", sorted(CALLS))
def test_explain_agrees_with_the_call(w: World, who: str, permission: str) -> None:
    """Denied by explain exactly when the real call is a 403, with the same message."""
    cluster = w.ids["clusters"]
    api = w.api(who)
    decision = explain(api, permission, {"workspace_id": w.ws, "cluster_id": cluster})
    assert decision.status_code == 200, decision.text
    d = decision.json()
    assert d["action"] == {"id": permission, "name": PERMISSIONS[permission].label}
    method, path = CALLS[permission]
    # a wrong If-Match and no body: a permitted call stops at 400/409 after the role check, changing nothing
    real = api.request(method, path.format(cluster=cluster), headers={"If-Match": "bogus"})
    role_denied = real.status_code == 403
    if role_denied:
        assert d["decision"] == {"result": "denied", "message": real.json()["errors"][0]["message"]}
        kinds = {r["kind"]: r["result"] for r in d["reasons"]}
        assert kinds["workspace_role"] == "denied" and kinds["actor_context"] == "allowed"
        assert d["reasons"][-1]["result"] == "not_evaluated"  # the checks after the first denial
    else:
        assert d["decision"]["result"] != "denied" or d["reasons"][-1]["kind"] == "resource_state", d


def test_member_token_preview_case(w: World) -> None:
    """A member asking to replace a cluster learns it needs the owner role (the preflight of issue 19)."""
    d = explain(w.api("member"), "clusters.delete", {"workspace_id": w.ws, "cluster_id": w.ids["clusters"]}).json()
    assert d["decision"] == {
        "result": "denied",
        "message": "clusters.delete needs the workspace role owner; the caller's role is member",
    }
    role = next(r for r in d["reasons"] if r["kind"] == "workspace_role")
    assert role == {
        "kind": "workspace_role",
        "result": "denied",
        "key": "clusters.delete",
        "source": "role_table",
        "message": d["decision"]["message"],
    }
    assert d["reasons"][-1]["result"] == "not_evaluated"  # the checks after the first denial


def test_resource_and_plan_checks(w: World) -> None:
    owner = w.api("owner")
    cluster = {"workspace_id": w.ws, "cluster_id": w.ids["clusters"]}
    assert explain(owner, "clusters.suspend", cluster).json()["decision"] == {"result": "allowed"}
    resumed = explain(owner, "clusters.resume", cluster).json()
    assert resumed["decision"]["result"] == "denied" and "needs suspended" in resumed["decision"]["message"]
    delete = explain(owner, "clusters.delete", cluster).json()  # the world's install runs on it
    assert delete["decision"]["result"] == "denied" and w.ids["installs"] in delete["decision"]["message"]
    machines = explain(owner, "machines.create", cluster).json()
    assert machines["decision"] == {"result": "allowed"}
    assert {r["kind"] for r in machines["reasons"]} >= {"quota_limit", "workspace_role", "resource_ownership"}
    product = {"workspace_id": w.ws, "product_id": w.ids["products"]}
    assert explain(owner, "products.inspect_readiness", product).json()["decision"] == {"result": "allowed"}
    unarchive = explain(owner, "products.unarchive", product).json()["decision"]
    assert unarchive["result"] == "denied" and "needs archived" in unarchive["message"]
    channel = explain(owner, "offer_channels.create", {"workspace_id": w.ws}).json()["decision"]
    assert channel == {"result": "unknown", "message": "offer channels are not modelled by akua-local"}
    klass = explain(owner, "workspaces.inspect_class", {"workspace_id": w.ws, "required_class": "sandbox"})
    assert klass.json()["decision"]["result"] == "denied"
    assert explain(owner, "packages.create").json()["decision"] == {"result": "allowed"}  # resource optional


def test_unknown_ids_404_in_explain_and_deny_one_item_of_a_batch(w: World) -> None:
    owner = w.api("owner")
    gone = explain(owner, "clusters.update", {"workspace_id": w.ws, "cluster_id": "clu_nope"})
    assert gone.status_code == 404 and gone.json()["errors"][0]["code"] == 7002
    assert "clu_nope" in gone.json()["errors"][0]["message"]
    batch = owner.post(
        "/access_decisions:explainBatch",
        json={
            "requests": [
                {"permission": "clusters.update", "resource": {"workspace_id": w.ws, "cluster_id": "clu_nope"}},
                {"permission": "clusters.update", "resource": {"workspace_id": w.ws, "cluster_id": w.ids["clusters"]}},
            ]
        },
    )
    assert batch.status_code == 200, batch.text
    first, second = batch.json()["decisions"]
    assert first["decision"]["result"] == "denied" and first["reasons"][-1]["kind"] == "resource_ownership"
    assert second["decision"] == {"result": "allowed"}


def test_who_may_ask(w: World) -> None:
    resource = {"workspace_id": w.ws, "cluster_id": w.ids["clusters"]}
    outsider = explain(w.api("outsider", None), "clusters.update", resource)
    assert outsider.status_code == 403 and outsider.json()["errors"][0]["metadata"]["caller_role"] == "none"
    assert explain(w.api("owner", None), "packages.create").status_code == 403  # no workspace: 7004
    subject = {"user_id": w.users["member"]}
    by_member = explain(w.api("member"), "clusters.update", resource, subject={"user_id": w.users["admin"]})
    assert by_member.status_code == 403 and by_member.json()["errors"][0]["metadata"]["required_role"] == "admin"
    by_admin = explain(w.api("admin"), "clusters.update", resource, subject=subject).json()
    assert by_admin["decision"]["result"] == "denied" and "caller's role is member" in by_admin["decision"]["message"]
    bad = w.api("owner").post("/access_decisions", json={"permission": "clusters.update", "resource": {"x": 1}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == 7001  # no 400 on the explain calls


def test_access_state_blocks_writes_and_explain_says_so(w: World) -> None:
    w.local.patch_object(w.ws, _access_state="suspended")
    owner = w.api("owner")
    blocked = owner.post("/regions", json={"name": "us"})
    assert blocked.status_code == 403 and blocked.json()["errors"][0]["metadata"]["reason"] == "access_state"
    assert owner.get("/clusters").status_code == 200
    assert owner.get(f"/workspaces/{w.ws}/access_state").json()["status"] == "suspended"
    d = explain(owner, "clusters.update", {"workspace_id": w.ws, "cluster_id": w.ids["clusters"]}).json()
    status = next(r for r in d["reasons"] if r["kind"] == "workspace_access_status")
    assert d["decision"]["result"] == "denied" and status["result"] == "denied"
    etag = owner.get(f"/workspaces/{w.ws}").json()["etag"]
    tier = owner.post(f"/workspaces/{w.ws}/subscription:changeTier", json={"tier": "pro"}, headers={"If-Match": etag})
    assert tier.status_code == 202  # the owner can always pay or leave


# -- entitlements ----------------------------------------------------------------------------------


def test_entitlements_follow_the_tier_and_overrides(w: World) -> None:
    owner = w.api("owner", None)
    free = owner.post("/workspaces", json={"name": "Free"}).json()["id"]
    page = owner.get("/entitlements", params={"workspace": free}).json()
    keys = [e["feature"]["key"] for e in page["data"]]
    assert keys == sorted(keys) and len(keys) == 8 and page["etag"]
    by_key = {e["feature"]["key"]: e["allocation"] for e in page["data"]}
    assert by_key["compute.max_clusters"] == {"type": "max_count", "value": 1}
    assert by_key["compute.all_instance_types"] == {"type": "bool", "value": False}
    ent = owner.get("/entitlements", params={"workspace": w.ws, "feature": "compute.max_clusters"}).json()
    assert ent["data"][0]["allocation"] == {"type": "unlimited", "value": None}  # enterprise
    assert owner.get("/entitlements", params={"feature_set": "nope"}).json()["data"] == []
    w.local.patch_object(free, _entitlements={"compute.max_clusters": {"type": "max_count", "value": 5}})
    after = owner.get("/entitlements", params={"workspace": free}).json()
    assert after["etag"] != page["etag"]
    quota = Api(w.app, w.app.owner_token, free).get("/quotas/kaas%2Fclusters").json()
    assert quota["limit"] == 5  # /quotas reads the same value
    assert Api(w.app, w.app.owner_token, w.ws).get("/quotas/kaas%2Fclusters").status_code == 404  # unlimited
    assert Api(w.app, w.app.owner_token, free).get("/quotas/compute%2Fmemory").json()["limit"] == 4 << 30


def test_entitlements_visibility(w: World) -> None:
    outsider = w.api("outsider", None)
    assert outsider.get("/entitlements").json()["data"] == []
    denied = outsider.get("/entitlements", params={"workspace": w.ws})
    assert denied.status_code == 403 and denied.json()["errors"][0]["metadata"]["caller_role"] == "none"
    # membership of the named workspace answers before the query's validation (API.md §6.2)
    for bad in ({"limit": "abc"}, {"feature": "x" * 300}, {"cursor": "garbage"}):
        resp = outsider.get("/entitlements", params={"workspace": w.ws, **bad})
        assert resp.status_code == 403, (bad, resp.text)
        assert resp.json()["errors"][0]["metadata"]["required_role"] == "member", resp.text
    by_header = w.api("outsider").get("/entitlements", params={"limit": "abc"})
    assert by_header.status_code == 403, by_header.text
    assert w.api("tok_admin", None).get("/entitlements", params={"limit": "abc"}).status_code == 400
    both = w.api("owner").get("/entitlements", params={"workspace": "ws_other"})
    assert both.status_code == 403  # ?workspace= and akua-context differ
    token = w.api("tok_admin", None).get("/entitlements").json()["data"]
    assert {e["workspace_id"] for e in token} == {w.ws}
    owner = w.api("owner", None)
    whole = owner.get("/entitlements").json()["data"]
    paged, cursor = [], None
    while True:
        page = owner.get("/entitlements", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        paged += page["data"]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert paged == whole and len(whole) == 8
    assert owner.get("/entitlements", params={"cursor": "garbage"}).status_code == 400


def test_authorization_answers_before_quota_and_references(w: World) -> None:
    """A member's cluster create is a 403, not the quota 409 nor the unknown-region 422 (API.md §6.2)."""
    owner = Api(w.app, w.app.owner_token)
    free = owner.post("/workspaces", json={"name": "Small"}).json()["id"]
    small = Api(w.app, w.app.owner_token, free)
    small.post(f"/workspaces/{free}/members", json={"user_id": w.users["member"], "role": "member"})
    region = small.post("/regions", json={"name": "eu"}).json()["id"]
    first = small.post("/clusters", json={"name": "one", "region_id": region})
    assert first.status_code == 202
    full = small.post("/clusters", json={"name": "two", "region_id": region})
    assert full.status_code == 409 and full.json()["errors"][0]["metadata"]["feature"] == "compute.max_clusters"
    member = Api(w.app, w.bearer["member"], free)
    for body in ({"name": "two", "region_id": region}, {"name": "two", "region_id": "reg_nope"}, {"bogus": 1}):
        resp = member.post("/clusters", json=body)
        assert resp.status_code == 403, resp.text
        assert resp.json()["errors"][0]["metadata"]["required_role"] == "admin"
    stale = Api(w.app, w.bearer["admin"], w.ws).delete(f"/clusters/{w.ids['clusters']}", headers={"If-Match": "0"})
    assert stale.status_code == 403  # the role before If-Match


def test_the_overview_rule_answers_before_validation(w: World) -> None:
    """Changing the workspace overview needs admin (API.md §6.3): a member learns that before any body or
    If-Match problem, on every write of the overview and its widgets (§6.2 order)."""
    owner = w.api("owner")
    overview = owner.get("/dashboards/workspace_overview").json()
    widget = overview["widgets"][0]["id"]
    member = w.api("member")
    base = f"/dashboards/{overview['id']}"
    for method, path in (
        ("POST", f"{base}/widgets"),
        ("PATCH", f"{base}/widgets/{widget}"),
        ("DELETE", f"{base}/widgets/{widget}"),
        ("PATCH", base),
        ("DELETE", base),
    ):
        resp = member.request(method, path, json={"__bogus__": 1}, headers={"If-Match": "bogus"})
        assert resp.status_code == 403, (method, path, resp.text)
        err = resp.json()["errors"][0]
        assert err["code"] == 7003 and err["metadata"]["required_role"] == "admin", err
        assert "on the workspace overview" in err["message"] and "role is member" in err["message"], err
    # an admin passes the rule and meets the validation; a member's own dashboard needs only member
    bad = w.api("admin").post(f"{base}/widgets", json={"__bogus__": 1})
    assert bad.status_code in (400, 422), bad.text
    mine = member.post("/dashboards", json={"name": "mine"}).json()
    assert member.patch(f"/dashboards/{mine['dashboard_id']}", json={"__bogus__": 1}).status_code in (400, 422)


def test_every_v3_addition_was_exercised() -> None:
    """Runs last in this module."""
    assert_exercised(("accessDecisions.", "entitlements."))

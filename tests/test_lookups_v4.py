"""The v4 lookups (issue 21 item 3) against a real akua-local: what each returns, the calls it makes (only
its registered operations, akua_pulumi/_coverage.py), its errors; result types against the contract's
schemas; list lookups following cursors to the last page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, fields
from typing import Any

import httpx
import pytest

from akua_pulumi import _coverage, lookups
from akua_pulumi.client import AkuaClient
from akua_pulumi.contract import contract
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.fixtures import CallCounter

OCI = "oci://registry.local/lookups/app"
SCHEMA = {"type": "object", "properties": {"replicas": {"type": "integer"}}, "additionalProperties": False}


@pytest.fixture
def estate(api: AkuaClient, akua: LocalServer) -> Iterator[dict[str, Any]]:
    """A workspace with a region, an active cluster, a package (1.0.0, 1.1.0), a product and an install
    that was rendered twice (created on 1.0.0, updated to 1.1.0)."""
    ws = str(api.post("/workspaces", json={"name": "Lookups", "slug": "lookups-ws"})["id"])
    w = api.for_workspace(ws)
    region = w.post("/regions", json={"name": "eu"})["id"]
    cluster = w.wait_operation(w.post("/clusters", json={"name": "c1", "region_id": region}))["response"]["cluster_id"]
    for v in ("1.0.0", "1.1.0"):
        akua.admin.publish_artifact(OCI, v, f"sha256:{v}", SCHEMA)
    version = {"semver": "1.0.0", "ref": "sha256:1.0.0", "input_schema": SCHEMA}
    pkg = w.post("/packages:import", json={"name": "app", "oci_ref": OCI, "version": version})["id"]
    v2 = w.post(f"/packages/{pkg}/versions", json={"semver": "1.1.0", "ref": "sha256:1.1.0", "input_schema": SCHEMA})
    pin = {"kind": "pinned", "version": "1.0.0"}
    product = w.post("/products", json={"name": "App", "package_id": pkg, "package_version_pin": pin})["id"]
    body = {"product_id": product, "region_id": region, "initial_values": {"replicas": 1}}
    install = w.wait_operation(w.post("/installs", json=body))["response"]["install_id"]
    etag = w.get(f"/installs/{install}")["etag"]
    w.post(
        f"/installs/{install}:update",
        json={"package_version_id": v2["id"]},
        if_match=etag,
        idempotency_key="lookups-update",
    )
    yield {"ws": ws, "w": w, "cluster": cluster, "package": pkg, "v2": v2["id"], "product": product, "install": install}


def _only(c: CallCounter, lookup: str, reads: int | None = None) -> None:
    """The lookup read (``reads`` requests when given) and wrote nothing, through its registered operations."""
    assert c.writes == 0, c.by_operation
    assert set(c.by_operation) <= set(_coverage.LOOKUP_OPERATIONS[lookup]), (lookup, c.by_operation)
    if reads is not None:
        assert c.reads == reads, c.by_operation


def test_get_render_latest_by_id_and_by_state(
    estate: dict[str, Any], api: AkuaClient, calls: Callable[[], CallCounter]
) -> None:
    w, install = estate["w"], estate["install"]
    listed = w.get(f"/installs/{install}/renders")["data"]
    assert len(listed) == 2
    with calls() as c:
        latest = lookups.get_render(install, client=w)
    _only(c, "get_render", reads=1)
    assert latest.id == listed[0]["id"] and latest.package_version_id == estate["v2"]
    assert latest.install_id == install and latest.workspace_id == estate["ws"] and latest.render_hash

    with calls() as c:
        first = lookups.get_render(install, listed[1]["id"], client=w)
    _only(c, "get_render", reads=1)
    assert first.as_dict() == {k: listed[1].get(k) for k in first.as_dict()}
    deployed = lookups.get_render(install, state="deployed", client=w)
    assert deployed.state == "deployed" and deployed.id in {r["id"] for r in listed if r["state"] == "deployed"}
    # workspace_id= names the workspace for a client without akua:workspace
    assert lookups.get_render(install, latest.id, workspace_id=estate["ws"], client=api).id == latest.id


def test_get_render_errors(estate: dict[str, Any], calls: Callable[[], CallCounter]) -> None:
    w, install = estate["w"], estate["install"]
    with calls() as c:
        with pytest.raises(lookups.AkuaLookupError, match="render_id or state, not both"):
            lookups.get_render(install, "rnd_x", state="deployed", client=w)
        with pytest.raises(lookups.AkuaLookupError, match=r"state must be one of running, deployed.*'done'"):
            lookups.get_render(install, state="done", client=w)
        with pytest.raises(lookups.AkuaLookupError, match="needs an install_id"):
            lookups.get_render("", client=w)
    assert c.reads + c.writes == 0  # refused before asking
    with pytest.raises(lookups.AkuaLookupError, match="render 'rnd_nope' of install"):
        lookups.get_render(install, "rnd_nope", client=w)
    with pytest.raises(lookups.AkuaLookupError, match="install 'inst_nope' does not exist"):
        lookups.get_render("inst_nope", client=w)
    with pytest.raises(lookups.AkuaLookupError, match="has no failed render yet"):
        lookups.get_render(install, state="failed", client=w)


def test_get_install_status(estate: dict[str, Any], calls: Callable[[], CallCounter]) -> None:
    w, install = estate["w"], estate["install"]
    with calls() as c:
        status = lookups.get_install_status(install, client=w)
    _only(c, "get_install_status", reads=1)
    live = w.get(f"/installs/{install}/status")
    assert status.install_id == install and status.state == live["state"] and status.revision == live["revision"]
    assert status.resources == (tuple(live["resources"]) if live["resources"] is not None else None)
    with pytest.raises(lookups.AkuaLookupError, match="install 'inst_nope'"):
        lookups.get_install_status("inst_nope", client=w)


def test_get_cluster_capabilities(estate: dict[str, Any], calls: Callable[[], CallCounter]) -> None:
    w = estate["w"]
    with calls() as c:
        caps = lookups.get_cluster_capabilities(estate["cluster"], client=w)
    _only(c, "get_cluster_capabilities", reads=1)
    live = w.get(f"/clusters/{estate['cluster']}/capabilities")
    assert caps.api_groups == tuple(live["api_groups"]) and caps.freshness == live["freshness"]
    assert [s["name"] for s in caps.storage_classes] == [s["name"] for s in live["storage_classes"]]
    assert len(caps.nodes) == len(live["nodes"])
    with pytest.raises(lookups.AkuaLookupError, match="cluster 'clu_nope'"):
        lookups.get_cluster_capabilities("clu_nope", client=w)


def test_get_package_version_inputs(estate: dict[str, Any], calls: Callable[[], CallCounter]) -> None:
    w = estate["w"]
    with calls() as c:
        inputs = lookups.get_package_version_inputs(estate["package"], estate["v2"], client=w)
    _only(c, "get_package_version_inputs", reads=1)
    assert inputs == w.get(f"/packages/{estate['package']}/versions/{estate['v2']}/inputs")
    assert inputs["properties"]["replicas"]["type"] == "integer"
    with pytest.raises(lookups.AkuaLookupError, match="version 'pv_nope' of package"):
        lookups.get_package_version_inputs(estate["package"], "pv_nope", client=w)


def test_get_access_state(
    estate: dict[str, Any], api: AkuaClient, akua: LocalServer, calls: Callable[[], CallCounter]
) -> None:
    with calls() as c:
        state = lookups.get_access_state(estate["ws"], client=api)
    _only(c, "get_access_state", reads=1)
    assert (state.workspace_id, state.status, state.accessible, state.reason) == (estate["ws"], "active", True, None)
    assert lookups.get_access_state(client=estate["w"]) == state  # akua:workspace by default
    with pytest.raises(lookups.AkuaLookupError, match="needs a workspace"):
        lookups.get_access_state(client=AkuaClient(api_url=akua.api_url, token=akua.owner_token))
    with pytest.raises(lookups.AkuaLookupError, match="workspace 'ws_nope'"):
        lookups.get_access_state("ws_nope", client=api)


def test_get_managed_workspaces(
    estate: dict[str, Any], api: AkuaClient, akua: LocalServer, calls: Callable[[], CallCounter]
) -> None:
    org = api.post("/organizations", json={"name": "Vendor"})["id"]
    assert lookups.get_managed_workspaces(org, client=api) == []
    akua.admin.grant_management(estate["ws"], org)
    with calls() as c:
        managed = lookups.get_managed_workspaces(org, client=api)
    _only(c, "get_managed_workspaces", reads=1)
    assert [(m.id, m.name) for m in managed] == [(estate["ws"], "Lookups")]
    with pytest.raises(lookups.AkuaLookupError, match="organization 'org_nope'"):
        lookups.get_managed_workspaces("org_nope", client=api)


def test_get_repositories(estate: dict[str, Any], calls: Callable[[], CallCounter]) -> None:
    w = estate["w"]
    sources = [{"kind": "helm", "repo_url": "oci://r/x", "target_revision": "2.0.0"}]
    hosted = w.wait_operation(w.post("/packages", json={"name": "hosted", "sources": sources}))["response"]
    with calls() as c:
        everything = lookups.get_repositories(client=w)
    _only(c, "get_repositories", reads=1)
    by_purpose = {r.purpose: r for r in everything}
    assert set(by_purpose) == {"deploy", "package"}
    deploy, package = by_purpose["deploy"], by_purpose["package"]
    assert deploy.cluster_id == estate["cluster"] and deploy.package_id is None and deploy.last_deploy_sha is None
    assert package.id == hosted["repository_id"] and package.package_id == hosted["package_id"]
    (full,) = lookups.get_repositories("deploy", view="full", client=w)
    latest_deployed = lookups.get_render(estate["install"], state="deployed", client=w)
    assert full.id == deploy.id and full.last_deploy_sha == latest_deployed.commit_sha
    with calls() as c, pytest.raises(lookups.AkuaLookupError, match="purpose must be one of deploy, package"):
        lookups.get_repositories("deploys", client=w)
    with pytest.raises(lookups.AkuaLookupError, match="view must be one of basic, full"):
        lookups.get_repositories(view="all", client=w)
    assert c.reads == 0


def test_get_order_drafts(
    estate: dict[str, Any], api: AkuaClient, akua: LocalServer, calls: Callable[[], CallCounter]
) -> None:
    w = estate["w"]
    offer = w.post("/offers", json={"product_id": estate["product"], "max_uses": None})["id"]
    customer = akua.admin.create_user("Cust", "cust@example.com")
    kept = akua.admin.seed_order_draft(offer, customer["id"])
    gone = akua.admin.seed_order_draft(offer, customer["id"])
    akua.admin.terminate_order_draft(gone["id"], "revoked")
    with calls() as c:
        drafts = lookups.get_order_drafts(offer, client=w)
    _only(c, "get_order_drafts", reads=1)
    assert {d.id for d in drafts} == {kept["id"], gone["id"]}
    assert all(d.offer_id == offer and d.field_values is None for d in drafts)  # the seller's view
    (terminated,) = lookups.get_order_drafts(offer, "terminated", client=w)
    assert (terminated.id, terminated.termination_reason) == (gone["id"], "revoked")
    (live,) = lookups.get_order_drafts(offer, "auth", client=w)
    assert live.customer_email == "cust@example.com" and live.cluster_ready is False
    with calls() as c:
        with pytest.raises(lookups.AkuaLookupError, match="status must be one of auth"):
            lookups.get_order_drafts(offer, "paid", client=w)
        with pytest.raises(lookups.AkuaLookupError, match="needs an offer_id"):
            lookups.get_order_drafts("", client=w)
    assert c.reads == 0
    other = api.post("/workspaces", json={"name": "Other", "slug": "other-ws"})["id"]
    with pytest.raises(lookups.AkuaLookupError, match=f"offer '{offer}' in workspace '{other}'"):
        lookups.get_order_drafts(offer, workspace_id=other, client=api)


def test_agent_catalogues_and_workspace_overview(estate: dict[str, Any], calls: Callable[[], CallCounter]) -> None:
    w, ws = estate["w"], estate["ws"]
    with calls() as c:
        skills = lookups.get_agent_skills(client=w)
    _only(c, "get_agent_skills", reads=1)
    assert {s.name for s in skills} == {"Repository change triage", "Deployment investigation"}
    assert {s.workspace_id for s in skills} == {ws} and all(s.state == "PUBLISHED" for s in skills)
    with calls() as c:
        templates = lookups.get_agent_templates(client=w)
    _only(c, "get_agent_templates", reads=1)
    triage = next(t for t in templates if t.id == "agtpl_failed_install_triage")
    assert triage.instructions and triage.capabilities and "default_model" in triage.model_policy
    with calls() as c:
        overview = lookups.get_workspace_overview(client=w)
    _only(c, "get_workspace_overview", reads=1)
    assert (overview.purpose, overview.workspace_id) == ("workspace_overview", ws)
    assert overview.id == w.get("/dashboards/workspace_overview")["id"]


# -- result types against the contract --------------------------------------------------------------------

RESULTS: dict[type, str] = {
    lookups.RenderInfo: "InstallRender",
    lookups.InstallStatusInfo: "InstallStatus",
    lookups.ClusterCapabilitiesInfo: "ClusterCapabilities",
    lookups.AccessStateInfo: "WorkspaceAccessState",
    lookups.ManagedWorkspaceInfo: "ManagedWorkspace",
    lookups.RepositoryInfo: "Repository",
    lookups.OrderDraftInfo: "OrderDraft",
    lookups.AgentSkillInfo: "AgentSkill",
    lookups.AgentTemplateInfo: "AgentTemplate",
    lookups.DashboardInfo: "Dashboard",
}


def _properties(schema: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(every property, the properties every branch requires) of an object schema or a oneOf of them."""
    branches = schema.get("oneOf") or [schema]
    names = {p for b in branches for p in b["properties"]}
    required = set.intersection(*(set(b.get("required") or ()) for b in branches))
    return names, required


@pytest.mark.parametrize("result_type", list(RESULTS), ids=lambda t: t.__name__)
def test_result_fields_are_the_contract_schema(result_type: type) -> None:
    names, required = _properties(contract().document["components"]["schemas"][RESULTS[result_type]])
    declared = {f.name: f for f in fields(result_type)}
    assert set(declared) == names, (sorted(set(declared) - names), sorted(names - set(declared)))
    no_default = {n for n, f in declared.items() if f.default is MISSING and f.default_factory is MISSING}
    assert no_default == required, (sorted(no_default - required), sorted(required - no_default))


def test_package_version_inputs_is_a_free_form_object() -> None:
    schema = contract().document["components"]["schemas"]["PackageVersionInputs"]
    assert schema == {"type": "object", "additionalProperties": {}}


def test_choices_are_the_contract_enums() -> None:
    from akua_pulumi.lookups import _seller as _lookups_seller
    from akua_pulumi.lookups import _v4 as _lookups_v4

    ops, schemas = contract().operations, contract().document["components"]["schemas"]
    query = ops["repositories.list"].parameters("query")
    assert tuple(query["purpose"]["schema"]["enum"]) == _lookups_seller.REPOSITORY_PURPOSES
    assert tuple(query["view"]["schema"]["enum"]) == _lookups_seller.REPOSITORY_VIEWS
    assert tuple(schemas["OrderDraftStatus"]["enum"]) == _lookups_seller.ORDER_DRAFT_STATUSES
    assert tuple(schemas["InstallRender"]["properties"]["state"]["enum"]) == _lookups_v4.RENDER_STATES


# -- list lookups follow cursors to the end (a contract-valid server answering one item a page) -------------


def _item(schema_name: str, n: int) -> dict[str, Any]:
    common = {"created_at": 1, "updated_at": 2, "etag": f'"{n}"'}
    items: dict[str, dict[str, Any]] = {
        "ManagedWorkspace": {"id": f"ws_{n}", "name": f"W{n}", "icon": None, "created_at": 1},
        "Repository": {
            "id": f"repo_{n}",
            "name": f"r{n}",
            "workspace_id": "ws_1",
            "reconciling": False,
            "purpose": "package",
            "package_id": f"pkg_{n}",
            **common,
        },
        "OrderDraft": {
            "id": f"odft_{n}",
            "offer_id": "off_1",
            "status": "auth",
            "cluster_ready": False,
            "server_joined": False,
            "payment_completed": False,
            "ttl_expires_at": 9,
            **common,
        },
        "AgentSkill": {
            "id": f"skl_{n}",
            "workspace_id": "ws_1",
            "name": f"s{n}",
            "version": "1",
            "description": "d",
            "state": "PUBLISHED",
            "required_grants": [],
            "supported_capabilities": ["CHAT"],
            **common,
        },
        "InstallRender": {
            "id": f"rnd_{n}",
            "workspace_id": "ws_1",
            "install_id": "inst_1",
            "render_hash": None,
            "state": "deployed" if n == 3 else "failed",
            "created_at": 1,
            "updated_at": 2,
        },
    }
    return items[schema_name]


PAGED = [
    (
        "organizations.listManagedWorkspaces",
        "ManagedWorkspace",
        lambda c: lookups.get_managed_workspaces("org_1", client=c),
    ),
    ("repositories.list", "Repository", lambda c: lookups.get_repositories(client=c)),
    ("orderDrafts.list", "OrderDraft", lambda c: lookups.get_order_drafts("off_1", client=c)),
    ("agentSkills.list", "AgentSkill", lambda c: lookups.get_agent_skills(client=c)),
    ("installs.listRenders", "InstallRender", lambda c: [lookups.get_render("inst_1", state="deployed", client=c)]),
]


@pytest.mark.parametrize(("op_id", "schema_name", "call"), PAGED, ids=[p[0] for p in PAGED])
def test_list_lookups_follow_cursors(op_id: str, schema_name: str, call: Callable[[AkuaClient], list[Any]]) -> None:
    op, pages, seen = contract().operations[op_id], 3, []

    def answer(request: httpx.Request) -> httpx.Response:
        assert contract().match("GET", request.url.path.removeprefix("/v1"))[0].operation_id == op_id  # type: ignore[index]
        cursor = request.url.params.get("cursor")
        seen.append(cursor)
        n = int(cursor or 1)
        body = {
            "data": [_item(schema_name, n)],
            "has_more": n < pages,
            "next_cursor": str(n + 1) if n < pages else None,
        }
        assert contract().validate_response(op, 200, body) == [], body
        return httpx.Response(200, json=body)

    client = AkuaClient(
        api_url="http://akua.test/v1", token="t", workspace="ws_1", transport=httpx.MockTransport(answer)
    )
    with client:
        got = call(client)
    assert seen == [None, "2", "3"]
    if schema_name == "InstallRender":  # the newest deployed render was on the last page
        assert [r.id for r in got] == ["rnd_3"]
    else:
        assert [json.dumps(r.as_dict(), sort_keys=True) for r in got] == [
            json.dumps({f.name: _item(schema_name, n).get(f.name) for f in fields(type(got[0]))}, sort_keys=True)
            for n in (1, 2, 3)
        ]

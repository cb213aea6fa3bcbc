"""Worker bootstraps (API.md §7.2) and agents, skills, templates (§7.3)."""

from __future__ import annotations

import httpx
import pytest

from akua_pulumi.local import App, LocalAdmin

from .conftest import Api, assert_exercised, code, new_workspace
from .test_v4_machines import _wait, cluster

# its last test checks what the others exercised in this process: one xdist worker runs the module
pytestmark = pytest.mark.xdist_group(__name__)


def test_bootstrap_secrets_are_shown_once(api: Api, app: App) -> None:
    w, _ = new_workspace(api)
    cid = cluster(w)
    r = w.post(f"/clusters/{cid}/worker_bootstraps", json={"ttl_seconds": 600})
    assert r.status_code == 201, r.text
    b = r.json()
    assert r.headers["location"] == f"/v1/clusters/{cid}/worker_bootstraps/{b['id']}"
    token = b["token"]
    assert len(token) == 64 and token in b["command"] and token in b["cloud_init"]
    assert b["artifacts"]["linux"]["amd64"]["shell"] == "bash" and b["artifacts"]["windows"]["amd64"] == {
        "supported": False
    }
    assert token not in b["artifacts"]["linux"]["amd64"]["download_url"]
    assert b["status"] == "active" and b["expires_at"] - b["created_at"] == 600 and b["active_operation"] is None
    for read in (
        w.get(f"/clusters/{cid}/worker_bootstraps/{b['id']}").json(),
        *w.get(f"/clusters/{cid}/worker_bootstraps").json()["data"],
    ):
        assert not {"token", "command", "cloud_init", "artifacts"} & set(read)
    with app.store.tx() as tx:  # the database keeps only a hash
        assert token not in str(tx.q("SELECT data FROM objects WHERE kind='worker_bootstrap'"))
    # an idempotent replay returns the stored body, token included
    first = w.post(f"/clusters/{cid}/worker_bootstraps", json={}, headers={"Idempotency-Key": "b1"}).json()
    again = w.post(f"/clusters/{cid}/worker_bootstraps", json={}, headers={"Idempotency-Key": "b1"}).json()
    assert first["token"] == again["token"] and first["expires_at"] - first["created_at"] == 3600
    bad = w.post(f"/clusters/{cid}/worker_bootstraps", json={"ttl_seconds": 59})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == ["body", "ttl_seconds"]
    # revoke: If-Match required, Operation owned by the cluster, then terminal
    assert w.post(f"/clusters/{cid}/worker_bootstraps/{b['id']}:revoke").status_code == 400
    rv = w.post(f"/clusters/{cid}/worker_bootstraps/{b['id']}:revoke", headers={"If-Match": b["etag"]})
    assert rv.status_code == 202, rv.text
    op = rv.json()
    assert op["owner_type"] == "cluster" and op["metadata"]["worker_bootstrap_id"] == b["id"]
    assert _wait(w, op)["response"] == {"type": "cluster.worker_bootstrap.revoke", "note": "token invalidated"}
    got = w.get(f"/clusters/{cid}/worker_bootstraps/{b['id']}").json()
    assert got["status"] == "revoked" and got["reconciling"] is False and got["active_operation"] is None
    again_rv = w.post(f"/clusters/{cid}/worker_bootstraps/{b['id']}:revoke", headers={"If-Match": got["etag"]})
    assert again_rv.status_code == 409
    page = w.get(f"/clusters/{cid}/worker_bootstraps", params={"limit": 1}).json()
    assert page["has_more"] is True and len(page["data"]) == 1
    assert w.get(f"/clusters/{cid}/worker_bootstraps/wbs_nope").status_code == 404


def test_bootstrap_expiry_and_cluster_rules(api: Api, admin: LocalAdmin) -> None:
    w, _ = new_workspace(api)
    cid = cluster(w)
    b = w.post(f"/clusters/{cid}/worker_bootstraps", json={"ttl_seconds": 60}).json()
    admin.patch_object(b["id"], expires_at=1)
    got = w.get(f"/clusters/{cid}/worker_bootstraps/{b['id']}").json()
    assert got["status"] == "expired"
    assert (
        w.post(f"/clusters/{cid}/worker_bootstraps/{b['id']}:revoke", headers={"If-Match": got["etag"]}).status_code
        == 409
    )
    reg = w.post("/regions", json={"name": "imp"}).json()
    imported = w.post(
        "/clusters:import", json={"name": "i", "region_id": reg["id"], "kubeconfig": "apiVersion: v1"}
    ).json()
    assert w.post(f"/clusters/{imported['id']}/worker_bootstraps", json={}).status_code == 409
    assert_exercised(
        (
            "clusters.createWorkerBootstrap",
            "clusters.listWorkerBootstraps",
            "clusters.getWorkerBootstrap",
            "clusters.revokeWorkerBootstrap",
        )
    )


AGENT = {"name": "watcher", "instructions": "Watch installs.", "capabilities": ["CHAT", "AMBIENT"]}


def test_agent_lifecycle_archive_and_enable(api: Api) -> None:
    w, _ = new_workspace(api)
    r = w.post("/agents", json=AGENT)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["state"] == "ENABLED" and a["origin"] == "USER" and a["created_by"] == "usr_owner"
    assert a["model_policy"]["default_model"] == "akua-default" and a["ambient"] == {"enabled": False, "triggers": []}
    assert a["description"] is None and a["organization_id"] is None
    assert (
        w.patch(f"/agents/{a['id']}", json={"name": "x"}).status_code == 422
    )  # If-Match required (422 declared, no 400)
    upd = w.patch(f"/agents/{a['id']}", json={"description": "d"}, headers={"If-Match": a["etag"]})
    assert upd.status_code == 200 and upd.json()["description"] == "d" and upd.json()["etag"] != a["etag"]
    arch = w.delete(f"/agents/{a['id']}")
    assert arch.status_code == 200 and arch.json()["state"] == "ARCHIVED"
    assert w.delete(f"/agents/{a['id']}").json()["etag"] == arch.json()["etag"]  # idempotent
    # no context: checked in the agent's workspace
    assert api.get(f"/agents/{a['id']}").json()["state"] == "ARCHIVED"
    en = api.post(f"/agents/{a['id']}:enable")
    assert en.status_code == 200 and en.json()["state"] == "ENABLED"
    for i in range(2):
        w.post("/agents", json={**AGENT, "name": f"a{i}"})
    page = w.get("/agents", params={"limit": 2}).json()
    assert (
        page["has_more"] is True and len(w.get("/agents", params={"cursor": page["next_cursor"]}).json()["data"]) == 1
    )


def test_agent_validation_names_the_field(api: Api) -> None:
    w, _ = new_workspace(api)
    cases = [
        ({**AGENT, "capabilities": ["CHAT", "CHAT"]}, ["body", "capabilities"]),
        (
            {**AGENT, "capabilities": ["CHAT"], "ambient": {"enabled": True, "triggers": []}},
            ["body", "ambient", "enabled"],
        ),
        (
            {
                **AGENT,
                "model_policy": {
                    "default_model": "m",
                    "billing_mode": "PLATFORM_API",
                    "credential_secret_id": None,
                    "allowed_models": ["n"],
                },
            },
            ["body", "model_policy", "default_model"],
        ),
        (
            {
                **AGENT,
                "model_policy": {
                    "default_model": "m",
                    "billing_mode": "WORKSPACE_BYOK",
                    "credential_secret_id": None,
                    "allowed_models": ["m"],
                },
            },
            ["body", "model_policy", "credential_secret_id"],
        ),
        ({**AGENT, "name": ""}, ["body", "name"]),
        ({**AGENT, "bogus": 1}, ["body", "bogus"]),
    ]
    for body, path in cases:
        r = w.post("/agents", json=body)
        assert r.status_code in (400, 422), (body, r.text)
        assert r.json()["errors"][0]["path"] == path, (path, r.text)
    trig = {"trigger_id": "t", "type": "INSTALL_STATE", "state": "ENABLED", "runtime_hint": "AUTO"}
    dup = w.post("/agents", json={**AGENT, "ambient": {"enabled": True, "triggers": [trig, trig]}})
    assert dup.json()["errors"][0]["path"] == ["body", "ambient", "triggers", "1", "trigger_id"]


def test_byok_secret_reference_blocks_secret_delete(api: Api) -> None:
    w, _ = new_workspace(api)
    s = w.post("/secrets", json={"name": "llm", "kind": "generic", "value": "sk-123"}).json()
    policy = {
        "default_model": "m",
        "billing_mode": "WORKSPACE_BYOK",
        "credential_secret_id": s["id"],
        "allowed_models": ["m"],
    }
    a = w.post("/agents", json={**AGENT, "model_policy": policy})
    assert a.status_code == 201, a.text
    w.delete(f"/agents/{a.json()['id']}")
    held = w.delete(f"/secrets/{s['id']}", headers={"If-Match": w.get(f"/secrets/{s['id']}").json()["etag"]})
    assert held.status_code == 409 and a.json()["id"] in held.json()["errors"][0]["message"]


def test_skills_and_templates(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    skills = w.get("/agent_skills").json()["data"]
    assert {s["name"] for s in skills} == {"Repository change triage", "Deployment investigation"}
    assert all(s["workspace_id"] == ws["id"] for s in skills)
    assert api.get(f"/agent_skills/{skills[0]['id']}").status_code == 200
    admin.patch_object(skills[0]["id"], state="ARCHIVED")
    assert len(w.get("/agent_skills").json()["data"]) == 1
    assert w.get(f"/agent_skills/{skills[0]['id']}").json()["state"] == "ARCHIVED"
    _, other = new_workspace(api, "Other")
    assert api.as_(ws=other["id"]).get(f"/agent_skills/{skills[0]['id']}").status_code == 404
    templates = w.get("/agent_templates").json()["data"]
    assert "agtpl_failed_install_triage" in {t["id"] for t in templates} and all(
        "workspace_id" not in t for t in templates
    )
    t = w.get("/agent_templates/agtpl_failed_install_triage").json()
    made = w.post(
        "/agents", json={k: t[k] for k in ("name", "instructions", "capabilities", "ambient", "model_policy")}
    )
    assert made.status_code == 201, made.text
    assert w.get("/agent_templates/agtpl_nope").status_code == 404
    # agentTemplates.get declares no akua-context and a template has no workspace (§7.3): any signed-in
    # user reads one without the header; with it, membership of that workspace is checked as usual.
    assert api.get("/agent_templates/agtpl_failed_install_triage").status_code == 200
    stranger = admin.create_user("S", "s@x.test")
    assert api.as_(stranger["token"]).get("/agent_templates/agtpl_failed_install_triage").status_code == 200
    assert api.as_(stranger["token"], ws["id"]).get("/agent_templates/agtpl_failed_install_triage").status_code == 403
    added = admin.add_agent_skill(ws["id"], "Cost review", capabilities=["CHAT"])
    assert added["id"] in {s["id"] for s in w.get("/agent_skills").json()["data"]}
    tpl = admin.add_agent_template("Quota watch", "Watch quotas.")
    assert w.get(f"/agent_templates/{tpl['id']}").json()["name"] == "Quota watch"
    with pytest.raises(httpx.HTTPStatusError) as bad:
        admin.add_agent_skill(ws["id"], "x", bogus=1)
    assert bad.value.response.status_code == 400


def test_agent_roles(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    u = admin.create_user("M", "m@x.test")
    w.post(f"/workspaces/{ws['id']}/members", json={"user_id": u["id"], "role": "member"})
    m = api.as_(u["token"], ws["id"])
    assert m.get("/agents").status_code == 200
    denied = m.post("/agents", json=AGENT)
    assert denied.status_code == 403 and code(denied) == 7003
    assert denied.json()["errors"][0]["metadata"]["required_role"] == "admin"
    assert_exercised(("agents.", "agentSkills.", "agentTemplates."))


def test_agent_ambient_null_means_the_default(api: Api) -> None:
    """AgentAmbientConfig is nullable in the contract: null on create or update is the default ambient
    config (it was a 500)."""
    w, _ = new_workspace(api)
    r = w.post("/agents", json={**AGENT, "ambient": None})
    assert r.status_code == 201, r.text
    assert r.json()["ambient"] == {"enabled": False, "triggers": []}
    trig = {"trigger_id": "t", "type": "INSTALL_STATE", "state": "ENABLED", "runtime_hint": "AUTO"}
    a = w.post("/agents", json={**AGENT, "name": "b", "ambient": {"enabled": True, "triggers": [trig]}}).json()
    upd = w.patch(f"/agents/{a['id']}", json={"ambient": None}, headers={"If-Match": a["etag"]})
    assert upd.status_code == 200, upd.text
    assert upd.json()["ambient"] == {"enabled": False, "triggers": []}
    assert w.get(f"/agents/{a['id']}").json()["ambient"] == {"enabled": False, "triggers": []}

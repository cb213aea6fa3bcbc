"""The role matrix: every operation of the bundled contract by every kind of principal (API.md §6.1-§6.3).

Each request names real objects, so a denial cannot hide behind a 404, and carries a body that breaks the
schema and a wrong If-Match, so a permitted call stops at 400/409 after the role check (the order of §6.2)
and changes nothing. Each denial must be the 403/7003 of §6.2 naming the role the table requires and the
caller's role; each permitted call must not be a 403.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from akua_pulumi.contract import Operation, contract
from akua_pulumi.local import App, create_app
from akua_pulumi.roles import ROLE_TABLE, RoleRule, cancel_role, permits

from .roles_world import ORG_ROLE, TOKENS, WS_ROLE, World, build, wait

pytestmark = pytest.mark.xdist_group(__name__)
PRINCIPALS = tuple(WS_ROLE)  # ascending workspace rank
SUB_IDS = {
    "invitationId": "orgi_nope",
    "version_id": "pkgv_nope",
    "vid": "secv_nope",
    "preview_hostname_id": "phn_nope",
    "custom_domain_id": "cdm_nope",
    "req_id": "scr_nope",
    # v4 (API.md §7): sub-objects are looked up after the role check, so unknown ids cannot hide a denial
    "wbs_id": "wbs_nope",
    "wgt_id": "wgt_nope",
    "revision_id": "drev_nope",
    "render_id": "rnd_nope",
}
EXPLAIN = {"permission": "packages.create", "resource": {"workspace_id": "<ws>"}}


@pytest.fixture(scope="module")
def app() -> App:
    return create_app(":memory:", operation_delay=0.0)


def expected(op_id: str, who: str, w: World) -> tuple[str, str, str] | None:
    """``(required_role, caller_role, role_source)`` of the denial ``who`` gets, or None when permitted."""
    rule = ROLE_TABLE[op_id]
    token = who in TOKENS
    if rule.role == "anonymous":
        return None
    if token and (rule.role == "user" or op_id.startswith("organizations.")):
        return "user", WS_ROLE[who][0], "api_token"
    if rule.role in ("own", "user"):
        return None
    if rule.scope == "organization":
        have = ORG_ROLE[who]
        return None if permits(have, rule) else (rule.minimum, have, "direct" if have != "none" else "none")
    needed = cancel_role(w.ids["operation_type"]) if op_id == "operations.cancel" else rule.role
    have, source = WS_ROLE[who]
    return None if permits(have, RoleRule(op_id, needed)) else (needed, have, source)


def request(op: Operation, w: World) -> dict[str, Any]:
    """Method, path, headers and body of a call on real objects that stops right after the role check."""

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "id":
            first = op.template.split("/")[1]
            return {"workspaces": w.ws, "organizations": w.org}.get(first) or w.ids[first]
        if name == "userId":
            return w.users["target"]
        if name == "metric":
            return "kaas%2Fclusters"
        return SUB_IDS[name]

    kw: dict[str, Any] = {"headers": {"If-Match": "bogus", "Idempotency-Key": "matrix"}}
    if op.operation_id == "offers.resolve":
        kw["params"] = {"short_hash": "nope0000"}
    if op.operation_id == "operations.wait":
        kw["params"] = {"timeout": 1}
    if op.operation_id.startswith("accessDecisions."):
        item = {**EXPLAIN, "resource": {"workspace_id": w.ws}}
        kw["json"] = {"requests": [item]} if op.operation_id.endswith("Batch") else item
    elif op.request_schema is not None:
        kw["json"] = {"__bogus__": 1}  # every request schema is closed: 400 once the role check passed
    return {"method": op.method, "path": re.sub(r"\{([^}]+)\}", fill, op.template), **kw}


def _context(op_id: str, who: str, w: World) -> str | None:
    """Workspace-row calls name the workspace; own/user/anonymous and organization rows do not."""
    rule = ROLE_TABLE[op_id]
    return w.ws if rule.scope == "workspace" else None


OPERATIONS = sorted(contract(), key=lambda o: o.operation_id)


def v4_objects(w: World) -> World:
    """One real object per ``{id}`` kind that contract v4 adds (API.md §7), in the world's workspace."""
    owner, ids = w.api("owner"), w.ids

    def ok(resp: Any) -> Any:
        assert resp.status_code < 300, resp.text
        return resp.json() if resp.content else None

    cluster = wait(owner, ok(owner.post("/clusters", json={"name": "managed", "region_id": ids["region"]})))
    body = {
        "cluster_id": cluster["response"]["cluster_id"],
        "compute_config_id": ids["compute_configs"],
        "instance_type": "cx23",
    }
    ids["machines"] = wait(owner, ok(owner.post("/machines", json=body)))["response"]["machine_id"]
    agent = {"name": "a", "instructions": "watch", "capabilities": ["CHAT"]}
    ids["agents"] = ok(owner.post("/agents", json=agent))["id"]
    ids["agent_skills"] = ok(owner.get("/agent_skills"))["data"][0]["id"]
    ids["agent_templates"] = ok(owner.get("/agent_templates"))["data"][0]["id"]
    snippet = {"name": "s", "code": "return 1", "display_type": "stat"}
    ids["snippets"] = ok(owner.post("/snippets", json=snippet))["snippet_id"]
    ids["dashboards"] = ok(owner.post("/dashboards", json={"name": "d"}))["dashboard_id"]
    ids["repositories"] = ok(owner.get("/repositories"))["data"][0]["id"]
    ids["order_drafts"] = w.local.seed_order_draft(ids["offers"], w.users["target"])["id"]
    return w


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.operation_id)
def test_every_principal_gets_what_the_table_says(app: App, op: Operation) -> None:
    app.reset()
    w = v4_objects(build(app))
    outcomes = {who: expected(op.operation_id, who, w) for who in PRINCIPALS}
    order = [who for who in PRINCIPALS if outcomes[who]] + [who for who in PRINCIPALS if not outcomes[who]]
    for who in order:  # every denial first: a permitted call may change the objects
        call = request(op, w)
        resp = w.api(who, _context(op.operation_id, who, w)).request(call.pop("method"), call.pop("path"), **call)
        want = outcomes[who]
        label = f"{op.operation_id} as {who}"
        if want is None:
            assert resp.status_code != 403, f"{label}: permitted by the table, got {resp.text}"
            assert resp.status_code < 500 and resp.status_code != 401, f"{label}: {resp.status_code} {resp.text}"
            continue
        needed, caller, source = want
        assert resp.status_code == 403, f"{label}: expected 403 needing {needed}, got {resp.status_code} {resp.text}"
        err = resp.json()["errors"][0]
        meta = err["metadata"]
        assert err["code"] == 7003, (label, err)
        assert meta["operation"] == op.operation_id and meta["required_role"] == needed, (label, meta)
        assert meta["caller_role"] == caller and meta["role_source"] == source, (label, meta)
        assert meta["credential"] == ("workspace_token" if who in TOKENS else "user"), (label, meta)
        assert all(isinstance(v, str) for v in meta.values()), meta
        assert needed in err["message"] and op.operation_id in err["message"], (label, err)
        if needed != "user":
            scope = "organization" if ROLE_TABLE[op.operation_id].scope == "organization" else "workspace"
            assert err["message"] == f"{op.operation_id} needs the {scope} role {needed}; the caller's role is {caller}"
            assert meta["scope"] == scope and meta["scope_id"] == (w.org if scope == "organization" else w.ws)


def test_the_matrix_denies_and_permits_someone() -> None:
    """The matrix is not vacuous: most workspace rows deny the outsider and the member of something."""
    w = build()
    denied = sum(1 for op in OPERATIONS for who in PRINCIPALS if expected(op.operation_id, who, w))
    assert denied > len(OPERATIONS)
    assert expected("clusters.delete", "admin", w) == ("owner", "admin", "direct")
    assert expected("clusters.delete", "tok_admin", w) == ("owner", "admin", "api_token")
    assert expected("secrets.accessVersion", "member", w) == ("admin", "member", "direct")
    assert expected("workspaces.create", "tok_owner", w) == ("user", "owner", "api_token")
    assert expected("installs.create", "member", w) is None

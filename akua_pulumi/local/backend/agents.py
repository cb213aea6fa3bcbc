"""Agents, and the read-only skill and template catalogues (API.md §7.3).

Agents archive instead of being deleted; skills are seeded per workspace and templates once, globally
(:func:`seed_workspace` runs after ``workspaces.create``; older workspaces are seeded on first read).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..db import Obj, Store, Tx
from ..errors import LocalConflict, Unprocessable, ValidationFailed
from ..util import new_id, now
from . import Req, Runtime, bump, check_etag, closed_body, get_route, list_route, public, route, stamp
from . import secrets as _secrets  # noqa: F401  (loaded first: its delete is wrapped below)
from . import workspaces as _workspaces  # noqa: F401  (loaded first: its create is wrapped below)
from .authz import accessible_workspaces
from .hooks import after, before, object_path

object_path("agents", "agent", "agent")
object_path("agent_skills", "agent_skill", "agent skill")

DEFAULT_AMBIENT: Obj = {"enabled": False, "triggers": []}
DEFAULT_POLICY: Obj = {
    "default_model": "akua-default",
    "billing_mode": "PLATFORM_SUBSCRIPTION",
    "credential_secret_id": None,
    "allowed_models": ["akua-default"],
}
DEFAULT_RUNTIME: Obj = {
    "execution_environment": "CODE_MODE_FIRST",
    "filesystem": "read_only",
    "shell": "none",
    "browser": "none",
}
USAGE = {
    "provider_cost_cents": 0,
    "provider_token_count": 0,
    "runtime_compute_seconds": 0,
    "runtime_storage_gb_hours": 0,
    "mcp_call_count": 0,
    "api_call_count": 0,
    "ambient_trigger_count": 0,
}
# (slug, name, description, grants, capabilities)
SKILLS = (
    (
        "repository_change_triage",
        "Repository change triage",
        "Reviews a repository change request and explains what it would deploy.",
        [{"resource": "repositories", "actions": ["read"]}],
        ["CHAT", "CODING"],
    ),
    (
        "deployment_investigation",
        "Deployment investigation",
        "Investigates a failed or degraded install from its renders, operations and status.",
        [{"resource": "installs", "actions": ["read"]}, {"resource": "operations", "actions": ["read"]}],
        ["CHAT", "AMBIENT"],
    ),
)
TEMPLATES = (
    (
        "agtpl_failed_install_triage",
        "Failed install triage",
        "Watches customer installs and explains why one failed.",
        "When an install fails, read its latest render and operation, find the cause and propose a fix.",
        "INSTALL_STATE",
    ),
    (
        "agtpl_cluster_health_watch",
        "Cluster health watch",
        "Watches clusters for degradation and reports what changed.",
        "When a cluster degrades, summarise its capabilities and recent operations.",
        "CLUSTER_DEGRADATION",
    ),
)


# -- catalogues ------------------------------------------------------------------------------------


def seed_workspace(tx: Tx, ws_id: str) -> None:
    """The fixed skill catalogue of a workspace (idempotent)."""
    if tx.find("agent_skill", workspace_id=ws_id):
        return
    ts = now()
    for slug, name, description, grants, caps in SKILLS:
        skill: Obj = {
            "id": new_id("skl"),
            "workspace_id": ws_id,
            "name": name,
            "version": "1.0.0",
            "description": description,
            "state": "PUBLISHED",
            "required_grants": grants,
            "supported_capabilities": caps,
            "created_at": ts,
            "updated_at": ts,
            "etag": "1",
        }
        tx.insert("agent_skill", skill, workspace_id=ws_id, natural_key=slug, scope=ws_id)


def seed_templates(tx: Tx) -> None:
    """The global template catalogue (same ids in every workspace; idempotent)."""
    ts = now()
    for tid, name, description, instructions, trigger in TEMPLATES:
        if tx.get("agent_template", tid) is not None:
            continue
        template: Obj = {
            "id": tid,
            "name": name,
            "description": description,
            "instructions": instructions,
            "state": "PUBLISHED",
            "capabilities": ["CHAT", "AMBIENT"],
            "ambient": {
                "enabled": True,
                "policy": {"remediation_mode": "READ_ONLY", "allowed_resource_scopes": []},
                "triggers": [
                    {
                        "trigger_id": trigger.lower(),
                        "type": trigger,
                        "state": "ENABLED",
                        "runtime_hint": "AUTO",
                        "severity_min": "MEDIUM",
                    }
                ],
            },
            "trigger_filters": [{"type": trigger, "resource_types": ["install"], "states": ["failed"]}],
            "model_policy": dict(DEFAULT_POLICY),
            "runtime_policy": dict(DEFAULT_RUNTIME),
            "remediation_policy": None,
            "grants": [{"resource": "installs", "actions": ["read"]}],
            "created_at": ts,
            "updated_at": ts,
            "etag": "1",
        }
        tx.insert("agent_template", template)


def _seed_new(r: Req, status: int, body: Any) -> None:
    if status == 201 and isinstance(body, dict) and "id" in body:
        seed_workspace(r.tx, body["id"])
        seed_templates(r.tx)


after("workspaces.create", _seed_new)


@route("agentSkills.list")
def list_skills(r: Req) -> tuple[int, Any]:
    seed_workspace(r.tx, r.ws)
    return r.page("agent_skill", workspace_id=r.ws, keep=lambda s: s["state"] == "PUBLISHED", render=public)


@route("agentSkills.get", scope="ctx?")
def get_skill(r: Req) -> tuple[int, Any]:
    return 200, public(r.tx.must("agent_skill", r.path["id"], r.ws, "agent skill"))


@route("agentTemplates.list")
def list_templates(r: Req) -> tuple[int, Any]:
    seed_templates(r.tx)
    return r.page("agent_template", render=public)


@route("agentTemplates.get", scope="ctx?")  # a platform template has no workspace; the header is not declared
def get_template(r: Req) -> tuple[int, Any]:
    seed_templates(r.tx)
    return 200, public(r.tx.must("agent_template", r.path["id"], what="agent template"))


# -- agents ----------------------------------------------------------------------------------------


def _policy_checks(r: Req, caps: list[str], ambient: Obj, policy: Obj) -> None:
    """The cross-field rules of §7.3 (422 naming the field)."""
    if len(set(caps)) != len(caps):
        raise Unprocessable("capabilities must not repeat", path=["body", "capabilities"])
    if ambient.get("enabled") and "AMBIENT" not in caps:
        raise Unprocessable("ambient.enabled needs AMBIENT in capabilities", path=["body", "ambient", "enabled"])
    seen: set[str] = set()
    for i, t in enumerate(ambient.get("triggers") or []):
        tid = t.get("trigger_id") if isinstance(t, dict) else None
        if tid in seen:
            raise Unprocessable(
                f"trigger_id {tid!r} repeats", path=["body", "ambient", "triggers", str(i), "trigger_id"]
            )
        seen.add(str(tid))
        scope = t.get("relationship_scope") if isinstance(t, dict) else None
        if isinstance(scope, dict) and scope.get("type") == "SELLER_CUSTOMER":
            where = ["body", "ambient", "triggers", str(i), "relationship_scope"]
            if scope.get("seller_workspace_id") != r.ws:
                raise Unprocessable(
                    "seller_workspace_id must be the agent's workspace", path=[*where, "seller_workspace_id"]
                )
            if scope.get("customer_workspace_id") not in accessible_workspaces(r.tx, r.principal):
                raise Unprocessable(
                    f"customer workspace {scope.get('customer_workspace_id')} is not visible to the caller",
                    path=[*where, "customer_workspace_id"],
                )
    where = ["body", "model_policy"]
    allowed = policy.get("allowed_models") or []
    if policy.get("default_model") not in allowed:
        raise Unprocessable("default_model must be one of allowed_models", path=[*where, "default_model"])
    severities: set[str] = set()
    for i, o in enumerate(policy.get("severity_model_overrides") or []):
        if not isinstance(o, dict):
            continue
        if o.get("model") not in allowed:
            raise Unprocessable(
                "an override model must be one of allowed_models",
                path=[*where, "severity_model_overrides", str(i), "model"],
            )
        if o.get("severity") in severities:
            raise Unprocessable(
                "a severity repeats among the overrides", path=[*where, "severity_model_overrides", str(i), "severity"]
            )
        severities.add(str(o.get("severity")))
    sid = policy.get("credential_secret_id")
    if policy.get("billing_mode") == "WORKSPACE_BYOK":
        if sid is None:
            raise Unprocessable("WORKSPACE_BYOK needs a credential_secret_id", path=[*where, "credential_secret_id"])
        from .secrets import active_secret

        if active_secret(r.tx, r.ws, str(sid)) is None:
            raise Unprocessable(f"secret {sid} not found or not active", path=[*where, "credential_secret_id"])
    elif sid is not None:
        raise Unprocessable("credential_secret_id is only for WORKSPACE_BYOK", path=[*where, "credential_secret_id"])


def _agent(r: Req) -> Obj:
    return r.tx.must("agent", r.path["id"], r.ws, "agent")


@route("agents.create")
def create_agent(r: Req) -> tuple[int, Any]:
    b = r.body
    ambient = b.get("ambient") or dict(DEFAULT_AMBIENT)  # null (the schema allows it) means the default
    policy = b.get("model_policy", DEFAULT_POLICY)
    _policy_checks(r, b["capabilities"], ambient, policy)
    agent = stamp(
        "agt",
        r,
        organization_id=None,
        name=b["name"],
        description=b.get("description"),
        instructions=b["instructions"],
        state="ENABLED",
        origin="USER",
        capabilities=b["capabilities"],
        ambient=ambient,
        model_policy=policy,
        created_by=r.principal.acting_user or "",
        usage_summary=dict(USAGE),
    )
    r.tx.insert("agent", agent, workspace_id=r.ws)
    return 201, public(agent)


list_route("agents.list", "agent", public)
get_route("agents.get", _agent, scope="ctx?")


@route("agents.update")
def update_agent(r: Req) -> tuple[int, Any]:
    a = _agent(r)
    check_etag(a, r.if_match)
    body = dict(r.body)
    if "ambient" in body and body["ambient"] is None:  # null (the schema allows it) resets to the default
        body["ambient"] = dict(DEFAULT_AMBIENT)
    merged = {**a, **body}
    _policy_checks(r, merged["capabilities"], merged["ambient"], merged["model_policy"])
    a.update(body)
    r.tx.save(bump(a))
    return 200, public(a)


def _set_state(r: Req, state: str) -> tuple[int, Any]:
    a = _agent(r)
    if a["state"] != state:  # idempotent: a repeat returns the agent unchanged
        a["state"] = state
        r.tx.save(bump(a))
    return 200, public(a)


@route("agents.archive", scope="ctx?")
def archive_agent(r: Req) -> tuple[int, Any]:
    return _set_state(r, "ARCHIVED")


@route("agents.enable", scope="ctx?")
def enable_agent(r: Req) -> tuple[int, Any]:
    return _set_state(r, "ENABLED")


def _secret_unused(r: Req) -> None:
    """``secrets.delete`` gets 409 while an agent (in any state) refers to the secret (§7.3)."""
    sid = r.path["id"]
    holders = [
        a["id"]
        for a in r.tx.find("agent", workspace_id=r.ws)
        if (a.get("model_policy") or {}).get("credential_secret_id") == sid
    ]
    if holders:
        raise LocalConflict(f"secret {sid} is the model credential of agent(s): {', '.join(holders[:5])}")


before("secrets.delete", _secret_unused)


# -- the control plane ------------------------------------------------------------------------------


def _text(b: Obj, key: str, default: str | None = None, limit: int = 2000) -> str:
    v = b.get(key, default)
    if not isinstance(v, str) or not v or len(v) > limit:
        raise ValidationFailed(f"{key}: a string of 1-{limit} characters is required", path=["body", key])
    return v


def _capabilities(b: Obj) -> list[str]:
    caps = b.get("capabilities", ["CHAT"])
    if not isinstance(caps, list) or not caps or any(c not in ("CHAT", "CODING", "AMBIENT") for c in caps):
        raise ValidationFailed("capabilities: a non-empty list of CHAT, CODING, AMBIENT", path=["body", "capabilities"])
    return list(dict.fromkeys(caps))


def add_skill(store: Store, rt: Runtime, p: dict[str, str], b: Any) -> tuple[int, Any]:
    """``POST /_local/agent_skills {workspace_id, name, description?, version?, capabilities?}``."""
    b = closed_body(b, {"workspace_id", "name", "description", "version", "capabilities"})
    ws_id, name = _text(b, "workspace_id", limit=53), _text(b, "name", limit=120)
    with store.tx() as tx:
        if tx.get("workspace", ws_id) is None:
            raise Unprocessable(f"workspace {ws_id} not found", path=["body", "workspace_id"])
        seed_workspace(tx, ws_id)
        ts = now()
        skill: Obj = {
            "id": new_id("skl"),
            "workspace_id": ws_id,
            "name": name,
            "version": _text(b, "version", "1.0.0", 64),
            "description": _text(b, "description", name),
            "state": "PUBLISHED",
            "required_grants": [],
            "supported_capabilities": _capabilities(b),
            "created_at": ts,
            "updated_at": ts,
            "etag": "1",
        }
        tx.insert("agent_skill", skill, workspace_id=ws_id)
    return 201, skill


def add_template(store: Store, rt: Runtime, p: dict[str, str], b: Any) -> tuple[int, Any]:
    """``POST /_local/agent_templates {name, instructions, description?, capabilities?}`` (global)."""
    b = closed_body(b, {"name", "instructions", "description", "capabilities"})
    name = _text(b, "name", limit=120)
    with store.tx() as tx:
        seed_templates(tx)
        ts = now()
        template: Obj = {
            "id": new_id("agtpl"),
            "name": name,
            "description": _text(b, "description", name),
            "instructions": _text(b, "instructions", limit=20000),
            "state": "PUBLISHED",
            "capabilities": _capabilities(b),
            "ambient": dict(DEFAULT_AMBIENT),
            "trigger_filters": [],
            "model_policy": dict(DEFAULT_POLICY),
            "runtime_policy": dict(DEFAULT_RUNTIME),
            "remediation_policy": None,
            "grants": [],
            "created_at": ts,
            "updated_at": ts,
            "etag": "1",
        }
        tx.insert("agent_template", template)
    return 201, template


ControlFn = Callable[[Store, Runtime, dict[str, str], Any], tuple[int, Any]]
#: (method, path pattern under /_local, handler) for :mod:`akua_pulumi.local.control`.
CONTROL: tuple[tuple[str, str, ControlFn], ...] = (
    ("POST", "/agent_skills", add_skill),
    ("POST", "/agent_templates", add_template),
)

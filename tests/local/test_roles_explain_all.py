"""accessDecisions.explain for every permission of the request union (API.md §6.4) by every principal:
the role part of each decision is the role table's answer, explainBatch gives the same decisions in order,
and a non-member is refused (403) rather than told anything."""

from __future__ import annotations

from typing import Any

import pytest

from akua_pulumi.contract import contract
from akua_pulumi.local import App, create_app
from akua_pulumi.roles import PERMISSIONS, Permission, permits

from .roles_world import WS_ROLE, World, build
from .test_roles_matrix import v4_objects

pytestmark = pytest.mark.xdist_group(__name__)
ACCESS_KINDS = {"workspace_membership", "workspace_role"}


@pytest.fixture(scope="module")
def world() -> World:
    app: App = create_app(":memory:", operation_delay=0.0)
    w = v4_objects(build(app))
    owner = w.api("owner")
    machine = owner.get(f"/machines/{w.ids['machines']}").json()
    w.ids["machine_cluster"] = machine["cluster_id"]
    w.ids["version"] = owner.get(f"/packages/{w.ids['packages']}/versions").json()["data"][0]["id"]
    return w


def _enum(schema: str, field: str) -> Any:
    """The first enum value of ``field`` in the permission's resource shape (inline shapes: none)."""
    shapes = contract().document["components"]["schemas"]
    prop = shapes.get(schema, {}).get("properties", {}).get(field, {})
    return prop.get("enum", [None])[0]


def resource(perm: Permission, w: World) -> dict[str, Any]:
    """Every required field of the permission's shape, naming the world's real objects."""
    machine = perm.name.startswith("machines.") and "machine_id" in perm.required
    real = {
        "workspace_id": w.ws,
        "owner_workspace_id": w.ws,
        "cluster_id": w.ids["machine_cluster"] if machine else w.ids["clusters"],
        "machine_id": w.ids["machines"],
        "product_id": w.ids["products"],
        "package_id": w.ids["packages"],
        "package_version_id": w.ids["version"],
        "offer_id": w.ids["offers"],
        "offer_channel_id": "och_unmodelled",
        "channel_policy_id": "chp_unmodelled",
    }
    out = {}
    for field in perm.required:
        out[field] = real.get(field) or _enum(perm.resource_schema, field)
        assert out[field] is not None, (perm.name, field)
    return out


def _role_denial(decision: dict[str, Any]) -> str | None:
    """The decision's message when its first denied reason is about the caller's role or membership."""
    denied = [r for r in decision["reasons"] if r["result"] == "denied"]
    if decision["decision"]["result"] == "denied" and denied and denied[0]["kind"] in ACCESS_KINDS:
        return str(decision["decision"]["message"])
    return None


@pytest.mark.parametrize("who", list(WS_ROLE))
def test_every_permission_answers_the_role_table(world: World, who: str) -> None:
    api = world.api(who)
    bodies = [{"permission": name, "resource": resource(perm, world)} for name, perm in sorted(PERMISSIONS.items())]
    have = WS_ROLE[who][0]
    singles = []
    for body in bodies:
        perm = PERMISSIONS[body["permission"]]
        resp = api.post("/access_decisions", json=body)
        if have == "none":  # non-members cannot probe a workspace (§6.4 step 2)
            assert resp.status_code == 403, (who, body, resp.text)
            assert resp.json()["errors"][0]["metadata"]["caller_role"] == "none"
            continue
        assert resp.status_code == 200, (who, body, resp.text)
        d = resp.json()
        assert d["action"] == {"id": perm.name, "name": perm.label}
        message = _role_denial(d)
        if permits(have, perm.rule):
            assert message is None, (who, perm.name, d)
        else:
            want = f"{perm.operation_id} needs the workspace role {perm.rule.role}; the caller's role is {have}"
            assert message == want, (who, perm.name, d)
        singles.append(d)
    if have == "none":
        return
    batched = []
    for start in range(0, len(bodies), 25):
        resp = api.post("/access_decisions:explainBatch", json={"requests": bodies[start : start + 25]})
        assert resp.status_code == 200, resp.text
        batched += resp.json()["decisions"]
    assert batched == singles


def test_the_walk_sees_every_outcome(world: World) -> None:
    """Not vacuous: the owner is allowed some, the member denied some by role, offer channels are unknown."""
    results: dict[str, set[str]] = {}
    for who in ("owner", "member"):
        for name, perm in PERMISSIONS.items():
            d = world.api(who).post("/access_decisions", json={"permission": name, "resource": resource(perm, world)})
            results.setdefault(who, set()).add(d.json()["decision"]["result"])
    assert {"allowed", "unknown"} <= results["owner"] and "denied" in results["member"]

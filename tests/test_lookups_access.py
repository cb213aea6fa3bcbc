"""``lookups.get_access_decision`` and ``lookups.get_entitlements`` against a real akua-local, directly and
inside a program through the real engine (issue 19)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pytest

from akua_pulumi import lookups
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.fixtures import CallCounter
from akua_pulumi.testing.stacks import AkuaStack


@pytest.fixture
def estate(api: AkuaClient, akua: LocalServer) -> Iterator[dict[str, Any]]:
    """A workspace with an active cluster, and a member's client."""
    ws = str(api.post("/workspaces", json={"name": "Access", "slug": "access-ws"})["id"])
    scoped = api.for_workspace(ws)
    region = scoped.post("/regions", json={"name": "eu"})["id"]
    cluster = scoped.wait_operation(scoped.post("/clusters", json={"name": "c1", "region_id": region}))
    user = akua.admin.create_user("Mia", "mia@example.com")
    api.post(f"/workspaces/{ws}/members", json={"user_id": user["id"], "role": "member"})
    with AkuaClient(api_url=akua.api_url, token=user["token"]) as member:
        yield {
            "ws": ws,
            "cluster": cluster["response"]["cluster_id"],
            "owner": scoped,
            "member": member.for_workspace(ws),
        }


def test_access_decision_allowed_and_denied(estate: dict[str, Any], calls: Callable[[], CallCounter]) -> None:
    with calls() as c:
        mine = lookups.get_access_decision("clusters.delete", {"cluster_id": estate["cluster"]}, client=estate["owner"])
    assert (mine.allowed, mine.result, mine.required_role) == (True, "allowed", "owner")
    assert mine.permission == "clusters.delete" and mine.action_name == "Delete cluster"
    assert (c.reads, c.writes) == (1, 0), c.by_operation  # an explain is a read

    theirs = lookups.get_access_decision("clusters.delete", {"cluster_id": estate["cluster"]}, client=estate["member"])
    assert (theirs.allowed, theirs.result, theirs.required_role) == (False, "denied", "owner")
    assert theirs.message and "owner" in theirs.message
    denied = [r for r in theirs.reasons if r.result == "denied"]
    assert denied and denied[0].kind == "workspace_role", theirs.reasons
    assert theirs.as_dict()["reasons"][0]["kind"] == theirs.reasons[0].kind

    # The resource a reason is about travels too (AccessReason resourceId/resourceType, API.md §6.4).
    suspend = lookups.get_access_decision("clusters.resume", {"cluster_id": estate["cluster"]}, client=estate["owner"])
    assert suspend.result == "denied", suspend
    (state,) = [r for r in suspend.reasons if r.kind == "resource_state"]
    assert state.result == "denied" and state.resource_id == estate["cluster"], suspend.reasons
    (owned,) = [r for r in suspend.reasons if r.kind == "resource_ownership"]
    assert (owned.resource_id, owned.resource_type) == (estate["cluster"], "cluster"), owned
    assert suspend.as_dict()["reasons"][-1]["resource_id"] == estate["cluster"]

    # A member may create installs on the cluster (a member right) and ask about their membership.
    assert lookups.get_access_decision(
        "installs.create", {"cluster_id": estate["cluster"]}, client=estate["member"]
    ).allowed
    membership = lookups.get_access_decision(
        "workspaces.inspect_membership", {"required_roles": ["owner", "admin"]}, client=estate["member"]
    )
    assert membership.result == "denied", membership


def test_access_decision_refuses_bad_questions(estate: dict[str, Any], calls: Callable[[], CallCounter]) -> None:
    with calls() as c, pytest.raises(lookups.AkuaLookupError, match=r"unknown permission 'clusters\.explode'"):
        lookups.get_access_decision("clusters.explode", {}, client=estate["owner"])
    assert c.reads + c.writes == 0  # refused before asking
    with pytest.raises(lookups.AkuaLookupError, match="cluster_id"):
        lookups.get_access_decision("clusters.delete", {"cluster_id": "x" * 80}, client=estate["owner"])
    with pytest.raises(lookups.AkuaLookupError, match=r"clu_doesnotexist|not found|does not exist"):
        lookups.get_access_decision("clusters.delete", {"cluster_id": "clu_doesnotexist"}, client=estate["owner"])


def test_entitlements(estate: dict[str, Any]) -> None:
    compute = lookups.get_entitlements(estate["ws"], feature_set="compute", client=estate["member"])
    by_key = {e.key: e for e in compute}
    assert by_key["compute.max_clusters"].allocation == "max_count"
    assert by_key["compute.max_clusters"].value == 1  # the free tier
    assert by_key["compute.all_instance_types"].value is False
    assert {e.workspace_id for e in compute} == {estate["ws"]}
    (one,) = lookups.get_entitlements(estate["ws"], feature="compute.max_clusters", client=estate["owner"])
    assert one.name == "Managed clusters" and one.feature_set == "compute"
    assert lookups.get_entitlements(estate["ws"], feature="compute.nope", client=estate["owner"]) == []


@pytest.mark.e2e
def test_access_lookups_in_a_program(
    make_stack: Callable[..., AkuaStack], estate: dict[str, Any], akua: LocalServer
) -> None:
    def program() -> None:
        decision = lookups.get_access_decision("clusters.delete", {"cluster_id": estate["cluster"]})
        pulumi.export("delete", decision.as_dict())
        later = lookups.get_access_decision_output(
            "clusters.get_kubeconfig", pulumi.Output.from_input({"cluster_id": estate["cluster"]})
        )
        pulumi.export("kubeconfig", later.apply(lambda d: [d.result, d.required_role]))
        limits = lookups.get_entitlements_output(feature="compute.max_clusters")
        pulumi.export("clusters", limits.apply(lambda es: [e.value for e in es]))
        pulumi.export("features", sorted(e.key for e in lookups.get_entitlements(feature_set="compute")))
        offer = lookups.get_access_decision_output(
            "offers.approve_channel_offer",
            pulumi.Output.from_input(
                {"offer_id": "offer_x", "offer_channel_id": "och_x", "resource_state": "pending_approval"}
            ).apply(lambda r: {**r, "owner_workspace_id": estate["ws"]}),
            context=pulumi.Output.from_input({"stripe_mode": "test"}),
        )
        pulumi.export("channel", offer.apply(lambda d: [d.result, d.required_role]))

    stack = make_stack(program, workspace=estate["ws"])
    stack.up()
    out = stack.outputs()
    assert out["delete"]["result"] == "allowed" and out["delete"]["required_role"] == "owner"
    assert out["kubeconfig"] == ["allowed", "admin"]
    assert out["clusters"] == [1]
    assert "compute.max_clusters" in out["features"] and len(out["features"]) == 8
    assert out["channel"] == ["unknown", "admin"]  # offer channels are not modelled by akua-local
    # The same program under the member's session token: the decisions change, nothing else does.
    member = akua.admin.create_user("Max", "max@example.com")
    estate["owner"].post(f"/workspaces/{estate['ws']}/members", json={"user_id": member["id"], "role": "member"})
    stack.stack.set_config("akua:token", pulumi.automation.ConfigValue(member["token"], secret=True))
    stack.up()
    out = stack.outputs()
    assert out["delete"]["result"] == "denied" and "owner" in out["delete"]["message"]
    assert out["kubeconfig"] == ["denied", "admin"]
    stack.destroy()

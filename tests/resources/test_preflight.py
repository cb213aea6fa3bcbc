"""The opt-in preflight (issue 19): each resource's step operations, what is asked, and a member's
preview of a cluster replacement failing before any write (through the real engine)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.contract import contract
from akua_pulumi.local import LocalServer
from akua_pulumi.resources import ALL_RESOURCES
from akua_pulumi.resources import _preflight as preflight
from akua_pulumi.resources._fields import Kind
from akua_pulumi.resources.cluster import Cluster, ClusterProvider
from akua_pulumi.roles import ROLE_TABLE
from akua_pulumi.testing.fixtures import CallCounter
from akua_pulumi.testing.stacks import AkuaStack

KUBECONFIG = "apiVersion: v1\nkind: Config\n"
EXPLAIN = {"accessDecisions.explain", "accessDecisions.explainBatch"}


@pytest.fixture
def preflight_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(preflight.ENV_VAR, raising=False)
    monkeypatch.setattr(preflight, "_configured", None)
    yield


# -- declarations ------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ALL_RESOURCES, ids=lambda r: r.__name__)
def test_every_step_names_contract_operations(resource: type) -> None:
    provider = resource.provider_class
    steps = provider.step_operations
    assert {"create", "read", "delete"} <= set(steps), provider.type_name
    updatable = any(f.kind is Kind.UPDATABLE for f in provider.fields)
    assert ("update" in steps) == updatable, f"{provider.type_name}: an update step iff a field is updatable"
    for step, ops in steps.items():
        for op in ops:
            assert op in contract().operations, f"{provider.type_name} {step}: {op} is no contract operationId"
            assert op in ROLE_TABLE, f"{provider.type_name} {step}: {op} has no role-table row"


def test_questions_use_the_permission_when_the_ids_are_known() -> None:
    (q,) = preflight.questions(("clusters.delete",), "ws_1", "cl_1", {})
    assert (q.permission, dict(q.resource), q.role) == (
        "clusters.delete",
        {"workspace_id": "ws_1", "cluster_id": "cl_1"},
        "owner",
    )
    (q,) = preflight.questions(("installs.create",), "ws_1", None, {"cluster_id": "cl_9", "name": "x"})
    assert (q.permission, dict(q.resource)) == ("installs.create", {"workspace_id": "ws_1", "cluster_id": "cl_9"})


def test_questions_ask_membership_without_a_permission_or_an_id() -> None:
    # No §6.4 permission for clusters.create; clusters.get_kubeconfig needs the (unknown) cluster id.
    (q,) = preflight.questions(ClusterProvider.step_operations["create"], "ws_1", None, {})
    assert q.permission == "workspaces.inspect_membership"
    assert dict(q.resource) == {"workspace_id": "ws_1", "required_roles": ["owner", "admin"]}
    assert q.role == "admin"
    # Rows that are no workspace role (user, org:*) are not asked about.
    assert preflight.questions(("workspaces.create", "organizations.update"), "ws_1", None, {}) == []


def test_only_access_denials_fail() -> None:
    (q,) = preflight.questions(("clusters.delete",), "ws_1", "cl_1", {})
    role = {
        "decision": {"result": "denied", "message": "clusters.delete needs owner; the caller's role is member"},
        "reasons": [{"kind": "workspace_role", "result": "denied"}],
    }
    assert preflight._denial(q, role) == "clusters.delete needs owner; the caller's role is member"
    (m,) = preflight.questions(ClusterProvider.step_operations["create"], "ws_1", None, {})
    assert preflight._needed([q, m]) == (
        "clusters.delete needs the workspace role owner (permission clusters.delete); clusters.create, "
        "clusters.import, clusters.getKubeconfig need the workspace role admin (asked as "
        "workspaces.inspect_membership)"
    )
    state = {"decision": {"result": "denied", "message": "has installs"}, "reasons": [{"kind": "resource_state"}]}
    state["reasons"][0]["result"] = "denied"
    assert preflight._denial(q, state) is None
    assert preflight._denial(q, {"decision": {"result": "unknown", "message": "?"}}) is None
    assert preflight._denial(q, {"decision": {"result": "allowed"}}) is None


def test_switch(monkeypatch: pytest.MonkeyPatch, preflight_off: None) -> None:
    assert not preflight.enabled()
    monkeypatch.setenv(preflight.ENV_VAR, "1")
    assert preflight.enabled()
    preflight.configure({"akua:preflight": "false"})  # the stack config wins over the environment
    assert not preflight.enabled()
    preflight.configure({"akua:preflight": "true"})
    monkeypatch.delenv(preflight.ENV_VAR)
    assert preflight.enabled()


def test_the_setting_travels_as_an_environment_variable() -> None:
    """The onboarding runner hands ``akua:`` settings to each run through the environment."""
    from akua_pulumi.client._config import SETTING_ENV

    assert SETTING_ENV[preflight.CONFIG_KEY] == preflight.ENV_VAR


# -- through the real engine -------------------------------------------------------------------------


def _user(akua: LocalServer, api: AkuaClient, workspace_id: str, role: str, name: str) -> dict[str, Any]:
    """A user (with a session token) who is a direct ``role`` member of ``workspace_id``."""
    user = akua.admin.create_user(name.title(), f"{name}@example.com")
    api.post(f"/workspaces/{workspace_id}/members", json={"user_id": user["id"], "role": role})
    return user


def _cluster_program(profile: str) -> Callable[[], None]:
    from akua_pulumi.resources.region import Region

    def program() -> None:
        region = Region("eu", name="eu")
        Cluster("main", name="main", region_id=region.id, network_profile=profile)

    return program


def _config(stack: AkuaStack, key: str, value: str, secret: bool = False) -> None:
    stack.stack.set_config(key, auto.ConfigValue(value, secret=secret))


@pytest.mark.e2e
def test_member_preview_of_a_cluster_replacement_fails_at_preview(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    calls: Callable[[], CallCounter],
    workspace_id: str,
    preflight_off: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack = make_stack(_cluster_program("linux_cilium"), workspace=workspace_id)
    stack.up()  # the owner creates the cluster
    cluster_id = stack.state_of("Cluster")["id"]
    member = _user(akua, api, workspace_id, "member", "mia")
    # The member previews a change of a create-only field: a replacement (clusters.create + clusters.delete).
    stack.program = _cluster_program("mixed_os_calico")
    _config(stack, "akua:token", member["token"], secret=True)

    with calls() as c:  # preflight off (the default): the preview plans the replacement with no API call
        plan = stack.preview()
    assert plan.change_summary.get(auto.OpType.REPLACE) == 1
    assert c.reads + c.writes == 0, c.by_operation

    _config(stack, "akua:preflight", "true")
    with calls() as c, pytest.raises(auto.CommandError) as err:
        stack.preview()
    message = str(err.value)
    assert "akua:Cluster main" in message and "may not replace it" in message, message[-1500:]
    assert "clusters.delete needs the workspace role owner (permission clusters.delete)" in message
    assert "caller's role is member" in message  # the decision's message
    assert "the workspace role admin (asked as workspaces.inspect_membership)" in message  # clusters.create
    assert c.writes == 0 and set(c.by_operation) == {"accessDecisions.explainBatch"}, c.by_operation
    assert c.by_operation["accessDecisions.explainBatch"] == 1
    assert api.get(f"/clusters/{cluster_id}", workspace=workspace_id)["state"] == "active"

    # AKUA_PREFLIGHT=1 in the environment does the same (the engine hands it to the provider process).
    stack.stack.remove_config("akua:preflight")
    monkeypatch.setenv(preflight.ENV_VAR, "1")
    with calls() as c, pytest.raises(auto.CommandError) as err:
        stack.preview()
    assert "clusters.delete needs the workspace role owner" in str(err.value)
    assert c.writes == 0, c.by_operation

    # The owner's token may: the same preview passes, for one explainBatch and no write.
    _config(stack, "akua:token", akua.owner_token, secret=True)
    with calls() as c:
        plan = stack.preview()
    assert plan.change_summary.get(auto.OpType.REPLACE) == 1
    assert (c.reads, c.writes) == (1, 0), c.by_operation
    stack.program = _cluster_program("linux_cilium")
    stack.destroy()


@pytest.mark.e2e
def test_preflight_of_creates_and_updates(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    calls: Callable[[], CallCounter],
    workspace_id: str,
    preflight_off: None,
) -> None:
    """A member may not create a region (admin) nor take over and rename a cluster (admin). The preview
    fails the resource naming its operations and the role; nothing is written."""
    from akua_pulumi.resources.region import Region

    member = _user(akua, api, workspace_id, "member", "max")
    ws = api.for_workspace(workspace_id)
    region = ws.post("/regions", json={"name": "existing"})["id"]
    cid = ws.wait_operation(ws.post("/clusters", json={"name": "c1", "region_id": region}))["response"]["cluster_id"]
    etag = ws.get(f"/clusters/{cid}")["etag"]
    cases = {
        "create": (lambda: Region("new", name="new-region"), "akua:Region new-region", "regions.create needs"),
        "adopt": (
            lambda: Cluster("c1", name="renamed", region_id=region, adopt_id=cid),
            "akua:Cluster renamed",  # adopting converges the object: an update of that id
            "clusters.update, clusters.suspend, clusters.resume need the workspace role admin (permissions "
            "clusters.update, clusters.suspend, clusters.resume)",
        ),
    }
    for step, (program, label, needs) in cases.items():
        stack = make_stack(program, workspace=workspace_id, stack=step, config={"akua:preflight": "true"})
        _config(stack, "akua:token", member["token"], secret=True)
        with calls() as c, pytest.raises(auto.CommandError) as err:
            stack.preview()
        message = str(err.value)
        assert label in message and needs in message, message[-1500:]
        said = message.split("The API says: ", 1)[-1]
        assert "role member" in said or "role is member" in said, said[:300]  # the decision's message
        assert c.writes == 0 and c.reads == 1, c.by_operation
    assert ws.get(f"/clusters/{cid}")["etag"] == etag


# -- the lifecycle's hooks against a real akua-local (no engine) -------------------------------------


@pytest.fixture
def preflight_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(preflight, "_configured", "true")
    monkeypatch.setattr(preflight, "_answers", {})
    yield


def _connection(akua: LocalServer, token: str, workspace_id: str) -> dict[str, str]:
    return {"api_url": akua.api_url, "token": token, "workspace": workspace_id}


def test_one_membership_question_serves_every_create_needing_that_role(
    akua: LocalServer, api: AkuaClient, calls: Callable[[], CallCounter], preflight_on: None
) -> None:
    from akua_pulumi.resources.compute_config import ComputeConfigProvider
    from akua_pulumi.resources.region import RegionProvider

    ws = str(api.post("/workspaces", json={"name": "W", "slug": "w-preflight"})["id"])
    admin = _user(akua, api, ws, "admin", "ada")
    conn = _connection(akua, admin["token"], ws)
    with calls() as c:
        for name in ("a", "b", "c"):
            checked = RegionProvider().check({}, {"name": name, "workspace_id": ws, "akua_connection": conn})
            assert checked.failures == []
        news = {"name": "m", "provider_config": {"region": "fsn1"}, "workspace_id": ws, "akua_connection": conn}
        ComputeConfigProvider().check({}, news)  # admin too: the same question
    assert c.by_operation == {"accessDecisions.explainBatch": 1}, c.by_operation


def test_an_outsider_is_refused_before_any_write(
    akua: LocalServer, api: AkuaClient, calls: Callable[[], CallCounter], preflight_on: None
) -> None:
    from akua_pulumi.resources.region import RegionProvider

    ws = str(api.post("/workspaces", json={"name": "W", "slug": "w-outsider"})["id"])
    outsider = akua.admin.create_user("Otto", "otto@example.com")
    conn = _connection(akua, outsider["token"], ws)
    with calls() as c:
        failures = RegionProvider().check({}, {"name": "r", "workspace_id": ws, "akua_connection": conn}).failures
    assert len(failures) == 1 and "akua:Region r: preflight (akua:preflight): the token may not create it" in (
        failures[0].reason
    ), failures
    assert "Nothing was changed" in failures[0].reason
    assert c.writes == 0

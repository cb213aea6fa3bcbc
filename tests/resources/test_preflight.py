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
    text = preflight._denial(q, role)
    assert text is not None
    assert "clusters.delete needs the workspace role owner (permission clusters.delete)" in text
    assert "the caller's role is member" in text
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

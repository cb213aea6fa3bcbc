"""OrganizationMember: the lifecycle invariants against the real engine and akua-local."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi import OrganizationMember
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.organization_member import OrganizationMemberProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter


def _members(api: AkuaClient, org: str) -> dict[str, dict]:
    return {m["user_id"]: m for m in api.paginate(f"/organizations/{org}/members")}


def test_organization_member_lifecycle(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, calls: Callable[[], CallCounter]
) -> None:
    org = api.post("/organizations", json={"name": "Member Org", "slug": "member-org"})["id"]
    user = akua.admin.create_user("Mia Member", "mia@example.com")["id"]
    stack = make_stack(lambda: OrganizationMember("m", organization_id=org, user_id=user, role="member"))
    fixtures.up_within_budget(stack, calls, OrganizationMemberProvider, "create")
    assert stack.state_of("OrganizationMember")["id"] == f"{org}/{user}"
    assert _members(api, org)[user]["role"] == "member"
    assert stack.state_of("OrganizationMember")["outputs"]["email"] == "mia@example.com"

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, OrganizationMemberProvider)

    # 2. Drift of the role: refresh shows it, up converges it back.
    m = _members(api, org)[user]
    api.patch(f"/organizations/{org}/members/{user}", json={"role": "admin"}, if_match=m["etag"])
    fixtures.assert_refresh_shows(stack, "OrganizationMember", role="admin")
    fixtures.up_within_budget(stack, calls, OrganizationMemberProvider, "update")
    assert _members(api, org)[user]["role"] == "member"

    # An in-place role change keeps the id.
    stack.program = lambda: OrganizationMember("m", organization_id=org, user_id=user, role="admin")
    result = stack.up()
    assert result.summary.resource_changes.get("update") == 1
    assert _members(api, org)[user]["role"] == "admin"

    # 3. Out-of-band removal: refresh drops it, up adds the user again (the replayed key is stale).
    m = _members(api, org)[user]
    api.delete(f"/organizations/{org}/members/{user}", if_match=m["etag"])
    fixtures.assert_refresh_drops(stack, "OrganizationMember")
    stack.up()
    assert _members(api, org)[user]["role"] == "admin"

    # 5. Destroy removes the membership (the creator stays the owner).
    fixtures.destroy_within_budget(stack, calls, OrganizationMemberProvider)
    remaining = _members(api, org)
    assert user not in remaining and [m["role"] for m in remaining.values()] == ["owner"]


def test_organization_member_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer
) -> None:
    org = api.post("/organizations", json={"name": "Adopt Org", "slug": "adopt-org"})
    user = akua.admin.create_user("Ada Existing", "ada@example.com")["id"]
    api.post(f"/organizations/{org['id']}/members", json={"user_id": user, "role": "member"}, if_match=org["etag"])

    # An existing membership declared without adopt: refused with the adoption hint.
    stack = make_stack(lambda: OrganizationMember("m", organization_id=org["id"], user_id=user, role="admin"))
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value)
    assert _members(api, org["id"])[user]["role"] == "member"

    # 4. Adopt: the role converges to the declared one and the next preview is empty.
    stack.program = lambda: OrganizationMember("m", organization_id=org["id"], user_id=user, role="admin", adopt=True)
    stack.up()
    assert stack.state_of("OrganizationMember")["id"] == f"{org['id']}/{user}"
    assert _members(api, org["id"])[user]["role"] == "admin"
    stack.preview(expect_no_changes=True)

    # 6. Bad input fails at preview, naming the property, without any write.
    cases = {
        "role must be one of": dict(organization_id=org["id"], user_id=user, role="boss"),
        "user_id must be at least 1 characters": dict(organization_id=org["id"], user_id=""),
        "organization_id must be at most 54 characters": dict(organization_id="o" * 60, user_id=user),
    }
    for i, (message, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: OrganizationMember("bad", **kwargs), stack=f"bad-{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert message in str(err.value)
        assert akua.admin.counters()["writes"] == 0

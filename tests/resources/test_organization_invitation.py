"""OrganizationInvitation: the lifecycle invariants against the real engine and akua-local."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi import OrganizationInvitation
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.organization_invitation import OrganizationInvitationProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter


def _pending(api: AkuaClient, org: str) -> list[dict]:
    return list(api.paginate(f"/organizations/{org}/invitations"))


def test_organization_invitation_lifecycle(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, calls: Callable[[], CallCounter]
) -> None:
    org = api.post("/organizations", json={"name": "Invite Org", "slug": "invite-org"})["id"]
    # Mixed case on purpose: the API stores emails lower-cased, which must not show as drift.
    stack = make_stack(lambda: OrganizationInvitation("inv", organization_id=org, email="Bob@Example.com"))
    fixtures.up_within_budget(stack, calls, OrganizationInvitationProvider, "create")
    inv = stack.state_of("OrganizationInvitation")
    assert [(i["id"], i["email"], i["role"]) for i in _pending(api, org)] == [(inv["id"], "bob@example.com", "member")]

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, OrganizationInvitationProvider)

    # 2. Drift of a create-only field (no update exists): refresh shows it, up replaces the
    # invitation (cancel first: one pending invitation per email).
    akua.admin.patch_object(inv["id"], role="admin")
    fixtures.assert_refresh_shows(stack, "OrganizationInvitation", role="admin")
    assert stack.preview().change_summary.get("replace") == 1
    stack.up()
    new = stack.state_of("OrganizationInvitation")["id"]
    assert new != inv["id"]
    assert [(i["id"], i["role"]) for i in _pending(api, org)] == [(new, "member")]

    # 3a. Accepted by the invitee: no longer pending, so refresh drops it.
    bob = akua.admin.create_user("Bob", "bob@example.com")
    token = akua.admin.get_object(new)["data"]["_token"]
    with AkuaClient(api_url=akua.api_url, token=bob["token"]) as as_bob:
        as_bob.post("/organization_invitations/accept", json={"token": token})
    fixtures.assert_refresh_drops(stack, "OrganizationInvitation")

    # 3b. Still declared: up invites again; cancelled out of band: refresh drops it, up re-invites.
    stack.up()
    again = stack.state_of("OrganizationInvitation")["id"]
    api.delete(f"/organizations/{org}/invitations/{again}")
    fixtures.assert_refresh_drops(stack, "OrganizationInvitation")
    stack.up()
    last = stack.state_of("OrganizationInvitation")["id"]
    assert [i["id"] for i in _pending(api, org)] == [last]

    # 5. Destroy cancels it: nothing pending remains.
    fixtures.destroy_within_budget(stack, calls, OrganizationInvitationProvider)
    assert _pending(api, org) == []


def test_organization_invitation_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer
) -> None:
    org = api.post("/organizations", json={"name": "Adopt Invites", "slug": "adopt-invites"})["id"]
    existing = api.post(f"/organizations/{org}/invitations", json={"email": "carol@example.com", "role": "admin"})

    # A pending invitation for the same email: refused with the adoption hint, nothing duplicated.
    stack = make_stack(
        lambda: OrganizationInvitation("inv", organization_id=org, email="carol@example.com", role="admin")
    )
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value) and existing["id"] in str(err.value)
    assert len(_pending(api, org)) == 1

    # 4. Adopt by email: same id, empty preview.
    stack.program = lambda: OrganizationInvitation(
        "inv", organization_id=org, email="carol@example.com", role="admin", adopt=True
    )
    stack.up()
    assert stack.state_of("OrganizationInvitation")["id"] == existing["id"]
    stack.preview(expect_no_changes=True)

    # 6. Bad input fails at preview, naming the property, without any write.
    cases = {
        "email 'not-an-email' does not match": dict(organization_id=org, email="not-an-email"),
        "role must be one of": dict(organization_id=org, email="dan@example.com", role="boss"),
        "organization_id must be at least 1 characters": dict(organization_id="", email="dan@example.com"),
    }
    for i, (message, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: OrganizationInvitation("bad", **kwargs), stack=f"bad-{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert message in str(err.value)
        assert akua.admin.counters()["writes"] == 0

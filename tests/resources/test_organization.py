"""Organization: the lifecycle invariants against the real engine and akua-local."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pulumi import automation as auto

from akua_pulumi import Organization, OrganizationInvitation, OrganizationMember
from akua_pulumi.client import AkuaClient, NotFoundError
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.organization import OrganizationProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter


def _orgs(api: AkuaClient, slug: str) -> list[dict]:
    return [o for o in api.paginate("/organizations") if o.get("slug") == slug]


def test_organization_lifecycle(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, calls: Callable[[], CallCounter]
) -> None:
    stack = make_stack(lambda: Organization("org", name="Acme Org", slug="acme-org"))
    fixtures.up_within_budget(stack, calls, OrganizationProvider, "create")
    oid = stack.state_of("Organization")["id"]
    assert api.get(f"/organizations/{oid}")["name"] == "Acme Org"

    # 1. No-op preview: no API call at all; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, OrganizationProvider)

    # Update conflict: the etag changed out of band and the program changes the name without a
    # refresh. The update sends the stored etag, so it is refused with a message saying what to do.
    live = api.get(f"/organizations/{oid}")
    api.patch(f"/organizations/{oid}", json={"name": "Renamed Elsewhere"}, if_match=live["etag"])
    stack.program = lambda: Organization("org", name="Acme Org Two", slug="acme-org")
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "changed outside Pulumi" in str(err.value) and "pulumi refresh" in str(err.value)
    assert api.get(f"/organizations/{oid}")["name"] == "Renamed Elsewhere"  # nothing overwritten

    # 2. Drift: refresh shows it, up converges it back (one PATCH + one GET).
    fixtures.assert_refresh_shows(stack, "Organization", name="Renamed Elsewhere")
    fixtures.up_within_budget(stack, calls, OrganizationProvider, "update")
    assert api.get(f"/organizations/{oid}")["name"] == "Acme Org Two"

    # 3. Out-of-band deletion: refresh drops it, up recreates it (the replayed key names a deleted org).
    live = api.get(f"/organizations/{oid}")
    api.delete(f"/organizations/{oid}", if_match=live["etag"])
    fixtures.assert_refresh_drops(stack, "Organization")
    stack.up()
    new_id = stack.state_of("Organization")["id"]
    assert new_id != oid and api.get(f"/organizations/{new_id}")["name"] == "Acme Org Two"
    assert len(_orgs(api, "acme-org")) == 1

    # 5. Destroy: the organization is gone on the server.
    fixtures.destroy_within_budget(stack, calls, OrganizationProvider)
    with pytest.raises(NotFoundError):
        api.get(f"/organizations/{new_id}")
    assert _orgs(api, "acme-org") == []


def test_organization_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer
) -> None:
    existing = api.post("/organizations", json={"name": "Existing Org", "slug": "existing-org"})

    # Declaring an existing slug without adopt fails with a message saying how to adopt.
    stack = make_stack(lambda: Organization("org", name="Existing Org", slug="existing-org"))
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value) and existing["id"] in str(err.value)
    assert len(_orgs(api, "existing-org")) == 1

    # 4. Adopt by natural key: updatable fields converge, the next preview is empty.
    stack.program = lambda: Organization(
        "org", name="Existing Renamed", slug="existing-org", icon="https://img.example/x.png", adopt=True
    )
    stack.up()
    assert stack.state_of("Organization")["id"] == existing["id"]
    live = api.get(f"/organizations/{existing['id']}")
    assert (live["name"], live["icon"]) == ("Existing Renamed", "https://img.example/x.png")
    stack.preview(expect_no_changes=True)

    # 6. Bad input fails at preview, naming the property, without any write.
    cases = {
        "name '-starts-with-dash' does not match": dict(name="-starts-with-dash"),
        "slug 'Bad_Slug' does not match": dict(name="Fine Name", slug="Bad_Slug"),
        "icon 'not a uri' does not match": dict(name="Fine Name", slug="fine-slug", icon="not a uri"),
    }
    for i, (message, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: Organization("bad", **kwargs), stack=f"bad-{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert message in str(err.value)
        assert akua.admin.counters()["writes"] == 0


def test_organization_stack_converges_under_faults(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer
) -> None:
    """Org + member + invitation under 5xx, 429 and lost responses: re-running up converges, no duplicates."""
    user = akua.admin.create_user("Faulty Member", "faulty.member@example.com")

    def program() -> None:
        org = Organization("org", name="Faulty Org", slug="faulty-org")
        OrganizationMember("member", organization_id=org.id, user_id=user["id"], role="admin")
        OrganizationInvitation("invite", organization_id=org.id, email="faulty.invitee@example.com")

    stack = make_stack(program)
    akua.admin.set_faults(
        error_rate=0.1, drop_after_commit_rate=0.1, rate_limited_rate=0.05, retry_after_seconds=0.2, seed=7
    )
    stack.up_until_converged(max_runs=6)
    akua.admin.clear_faults()
    stack.preview(expect_no_changes=True)

    orgs = _orgs(api, "faulty-org")
    assert len(orgs) == 1
    oid = orgs[0]["id"]
    assert stack.state_of("Organization")["id"] == oid
    members = {m["user_id"]: m["role"] for m in api.paginate(f"/organizations/{oid}/members")}
    assert members[user["id"]] == "admin" and len(members) == 2  # the creator (owner) and the member
    invites = list(api.paginate(f"/organizations/{oid}/invitations"))
    assert [i["email"] for i in invites] == ["faulty.invitee@example.com"]
    stack.destroy()
    assert _orgs(api, "faulty-org") == []

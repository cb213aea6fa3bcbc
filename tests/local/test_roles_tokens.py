"""Workspace API tokens (API.md §6.1): the minted role, and revocation the moment the creator loses it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from akua_pulumi.local import App, create_app

from .conftest import Api
from .roles_world import World, build, wait

pytestmark = pytest.mark.xdist_group(__name__)


@pytest.fixture(scope="module")
def app() -> App:
    return create_app(":memory:", operation_delay=0.0)


@pytest.fixture
def w(app: App) -> World:
    app.reset()
    return build(app)


def _denied(resp: httpx.Response, needed: str, caller: str) -> None:
    assert resp.status_code == 403, resp.text
    meta = resp.json()["errors"][0]["metadata"]
    assert (meta["required_role"], meta["caller_role"]) == (needed, caller), meta


def _token_ids(w: World) -> set[str]:
    return {t["name"] for t in w.api("owner").get("/api_tokens").json()["data"]}


def test_a_token_acts_with_its_creators_role_at_minting(w: World) -> None:
    cluster = w.ids["clusters"]
    _denied(w.api("tok_admin").delete(f"/clusters/{cluster}", headers={"If-Match": "x"}), "owner", "admin")
    _denied(w.api("tok_org").delete(f"/clusters/{cluster}", headers={"If-Match": "x"}), "owner", "admin")
    assert w.api("tok_owner").delete(f"/clusters/{cluster}", headers={"If-Match": "x"}).status_code == 409
    # a token minted with a token inherits its creator and role
    child = w.api("tok_admin").post("/api_tokens", json={"name": "child"}).json()["token"]
    _denied(Api(w.app, child, w.ws).delete(f"/clusters/{cluster}", headers={"If-Match": "x"}), "owner", "admin")
    assert Api(w.app, child, w.ws).get("/api_tokens").status_code == 200
    # members cannot mint
    _denied(w.api("member").post("/api_tokens", json={"name": "m"}), "admin", "member")
    # a token acts in its one workspace only
    other = w.api("owner", None).post("/workspaces", json={"name": "Other"}).json()["id"]
    _denied(w.api("tok_owner", other).get("/clusters"), "member", "none")


def test_tokens_cannot_act_as_a_user(w: World) -> None:
    tok = w.api("tok_owner", None)
    for resp in (
        tok.post("/workspaces", json={"name": "X"}),
        tok.post("/organizations", json={"name": "X"}),
        tok.get("/organizations"),
        tok.get(f"/organizations/{w.org}"),
        tok.post("/organization_invitations/accept", json={"token": "t"}),
    ):
        _denied(resp, "user", "owner")
        assert resp.json()["errors"][0]["metadata"]["scope"] == "user"
    assert [x["id"] for x in tok.get("/workspaces").json()["data"]] == [w.ws]


def _remove_admin(w: World) -> None:
    assert w.api("owner").delete(f"/workspaces/{w.ws}/members/{w.users['admin']}").status_code == 204


def _demote_admin(w: World) -> None:
    resp = w.api("owner").patch(f"/workspaces/{w.ws}/members/{w.users['admin']}", json={"role": "member"})
    assert resp.status_code == 200


def _revoke_management(w: World) -> None:
    etag = w.api("owner").get(f"/workspaces/{w.ws}/management").json()["etag"]
    assert w.api("owner").post(f"/workspaces/{w.ws}:revokeManagement", headers={"If-Match": etag}).status_code == 204


def _delete_managing_org(w: World) -> None:
    org = w.api("org", None)
    etag = org.get(f"/organizations/{w.mgr}").json()["etag"]
    assert org.delete(f"/organizations/{w.mgr}", headers={"If-Match": etag}).status_code == 204


@pytest.mark.parametrize(
    ("who", "trigger", "back"),
    [
        ("admin", _remove_admin, "add"),
        ("admin", _demote_admin, "promote"),
        ("org", _revoke_management, None),
        ("org", _delete_managing_org, None),
    ],
    ids=["removeMember", "updateMember-demotion", "revokeManagement", "organizations.delete"],
)
def test_the_creator_losing_the_role_revokes_the_token(
    w: World, who: str, trigger: Callable[[World], None], back: str | None
) -> None:
    tok = f"tok_{who}"
    assert w.api(tok).get("/clusters").status_code == 200 and tok in _token_ids(w)
    trigger(w)
    gone = w.api(tok).get("/clusters")
    assert gone.status_code == 401, gone.text  # the same 401 as a revoked token
    assert tok not in _token_ids(w)
    session = w.api(who).get("/clusters")  # the session of a user who lost the workspace loses it at once
    if who == "admin" and back == "promote":
        assert session.status_code == 200  # still a member: reads stay, the admin token does not
        _denied(w.api(who).post("/api_tokens", json={"name": "again"}), "admin", "member")
    else:
        _denied(session, "member", "none")
    if back == "add":
        w.api("owner").post(f"/workspaces/{w.ws}/members", json={"user_id": w.users[who], "role": "admin"})
    elif back == "promote":
        w.api("owner").patch(f"/workspaces/{w.ws}/members/{w.users[who]}", json={"role": "admin"})
    assert w.api(who).get("/clusters").status_code == 200 or back is None
    assert w.api(tok).get("/clusters").status_code == 401  # adding the user back does not revive it


def _org_member_token(w: World) -> tuple[str, str, str]:
    """A second member of the managing organization: its id, its session, and the admin token it minted."""
    user = w.local.create_user("Helper", "helper@roles.test")
    org = w.api("org", None)
    etag = org.get(f"/organizations/{w.mgr}").json()["etag"]
    body = {"user_id": user["id"], "role": "member"}
    assert org.post(f"/organizations/{w.mgr}/members", json=body, headers={"If-Match": etag}).status_code == 201
    token = Api(w.app, user["token"], w.ws).post("/api_tokens", json={"name": "helper"}).json()["token"]
    assert Api(w.app, token, w.ws).get("/clusters").status_code == 200
    return user["id"], user["token"], token


@pytest.mark.parametrize("by", ["self", "org_owner"], ids=["leaves", "is-removed"])
def test_leaving_the_managing_organization_revokes_its_tokens(w: World, by: str) -> None:
    user_id, session, token = _org_member_token(w)
    org_owner = w.api("org", None)
    members = org_owner.get(f"/organizations/{w.mgr}/members").json()["data"]
    etag = next(m["etag"] for m in members if m["user_id"] == user_id)
    caller = Api(w.app, session) if by == "self" else org_owner
    resp = caller.delete(f"/organizations/{w.mgr}/members/{user_id}", headers={"If-Match": etag})
    assert resp.status_code == 204, resp.text
    assert Api(w.app, token, w.ws).get("/clusters").status_code == 401
    assert "helper" not in _token_ids(w)
    _denied(Api(w.app, session, w.ws).get("/clusters"), "member", "none")


def test_a_direct_member_keeps_the_direct_role_when_the_organization_goes(w: World) -> None:
    """The member is also in the managing organization: admin through it, member again after revocation."""
    org = w.api("org", None)
    etag = org.get(f"/organizations/{w.mgr}").json()["etag"]
    body = {"user_id": w.users["member"], "role": "member"}
    assert org.post(f"/organizations/{w.mgr}/members", json=body, headers={"If-Match": etag}).status_code == 201
    minted = w.api("member").post("/api_tokens", json={"name": "via-org"})
    assert minted.status_code == 201, minted.text
    token = minted.json()["token"]
    _revoke_management(w)
    assert Api(w.app, token, w.ws).get("/clusters").status_code == 401
    assert w.api("member").get("/clusters").status_code == 200
    _denied(w.api("member").post("/api_tokens", json={"name": "again"}), "admin", "member")


def test_deleting_the_workspace_revokes_its_tokens(w: World) -> None:
    owner = w.api("owner")
    etag = owner.get(f"/workspaces/{w.ws}").json()["etag"]
    op = owner.delete(f"/workspaces/{w.ws}", headers={"If-Match": etag})
    assert op.status_code == 202, op.text
    wait(w.api("owner", None), op.json())
    for tok in ("tok_owner", "tok_admin", "tok_org"):
        assert w.api(tok).get("/clusters").status_code == 401


def test_out_of_band_ownership_change_is_caught_when_the_token_is_used(w: World) -> None:
    """/_local moves ownership without an API trigger: the owner's token stops at its next use."""
    with w.app.store.tx() as tx:
        row = tx.find("ws_member", parent_id=w.ws, natural_key="usr_owner")[0]
    w.local.patch_object(row["id"], role="member")
    assert w.api("tok_owner").get("/clusters").status_code == 401
    assert w.api("tok_admin").get("/clusters").status_code == 200

"""CloudflareConnection: no Idempotency-Key and 201 with no body; a lost response never duplicates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.cloudflare_connection import CloudflareConnection, CloudflareConnectionProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview, assert_no_plaintext
from .conftest import CallCounter

API_TOKEN = "cf-api-token-0b3e9d27c4a1f8"


def _conns(api: AkuaClient, ws: str) -> list[dict[str, Any]]:
    return list(api.paginate("/cloudflare_connections", workspace=ws))


def _secrets(api: AkuaClient, ws: str) -> list[dict[str, Any]]:
    return [s for s in api.paginate("/secrets", workspace=ws) if s["kind"] == "cloudflare_api"]


def _program(**kw: Any) -> Callable[[], None]:
    args: dict[str, Any] = {
        "name": "cf",
        "account_id": "acct_123",
        "origin_zone_id": "zone_9",
        "origin_hostname_suffix": "origin.example.com",
        "api_token": API_TOKEN,
        **kw,
    }
    return lambda: CloudflareConnection("cf", **args)


def test_cloudflare_connection_lifecycle_and_secrets(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    out: list[str] = []
    stack = make_stack(_program(), workspace=ws)
    fixtures.up_within_budget(stack, calls, CloudflareConnectionProvider, "create", on_output=out.append)
    cid = stack.state_of("CloudflareConnection")["id"]
    assert [(x["id"], x["account_id"]) for x in _conns(api, ws)] == [(cid, "acct_123")]
    assert len(_secrets(api, ws)) == 1  # the platform keeps the token in a Secret

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, CloudflareConnectionProvider)

    # 2. Out-of-band change (admin edits the suffix): refresh shows it, up replaces it.
    akua.admin.patch_object(cid, origin_hostname_suffix="elsewhere.example.com")
    fixtures.assert_refresh_shows(stack, "CloudflareConnection", origin_hostname_suffix="elsewhere.example.com")
    # A replacement with the same (unique) name must delete the old one first.
    stack.up(on_output=out.append)
    cid2 = stack.state_of("CloudflareConnection")["id"]
    assert [(x["id"], x["origin_hostname_suffix"]) for x in _conns(api, ws)] == [(cid2, "origin.example.com")]
    stack.preview(expect_no_changes=True, on_output=out.append)

    # 3. Out-of-band deletion: refresh drops it, up creates it again.
    api.delete(f"/cloudflare_connections/{cid2}", workspace=ws)
    fixtures.assert_refresh_drops(stack, "CloudflareConnection")
    stack.up(on_output=out.append)
    assert len(_conns(api, ws)) == 1

    assert_no_plaintext(stack, out, [API_TOKEN])

    # 5. Destroy deletes it and the Secret holding its token.
    fixtures.destroy_within_budget(stack, calls, CloudflareConnectionProvider)
    assert _conns(api, ws) == [] and _secrets(api, ws) == []


def test_cloudflare_connection_lost_response_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    # The create's response is lost after the commit (and the client never retries a key-less POST):
    # the provider lists and finds it instead of creating a second one.
    stack = make_stack(_program(), workspace=ws)
    akua.admin.set_faults(operations=["cloudflare.createCredential"], drop_after_commit_rate=1.0, seed=1)
    stack.up()
    akua.admin.clear_faults()
    assert [x["name"] for x in _conns(api, ws)] == ["cf"]
    assert akua.admin.counters()["by_operation"]["cloudflare.createCredential"] == 1
    stack.preview(expect_no_changes=True)

    # 4. Adoption by name: no write, no diff.
    cid = stack.state_of("CloudflareConnection")["id"]
    adopt = make_stack(_program(adopt=True), workspace=ws, stack="adopt")
    fixtures.assert_adopts_without_writes(adopt, akua, "CloudflareConnection", cid)
    stack.destroy()
    assert _conns(api, ws) == []

    # 6. Bad input fails at preview naming the property, with no write.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: _program(**kw),
        {
            "name": {"name": ""},
            "account_id": {"account_id": "has space"},
            "origin_zone_id": {"origin_zone_id": "zone/9"},
            "origin_hostname_suffix": {"origin_hostname_suffix": ""},
            "api_token": {"api_token": ""},
        },
    )

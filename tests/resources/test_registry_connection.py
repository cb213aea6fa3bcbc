"""RegistryConnection: 201 with no body found by its natural key; credentials write-only and never leaked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.registry_connection import RegistryConnection, RegistryConnectionProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview, assert_no_plaintext
from .conftest import CallCounter

PASSWORD = "registry-pass-5e1b7f30a9"
TOKEN = "ghp_registry_token_83d1c0ffee"


def _conns(api: AkuaClient, ws: str) -> list[dict[str, Any]]:
    return list(api.paginate("/registry_connections", workspace=ws))


def _program(password: str) -> Callable[[], None]:
    return lambda: RegistryConnection(
        "ghcr", name="ghcr", registry_url="ghcr.io", type="basic", credentials={"username": "bot", "password": password}
    )


def test_registry_connection_lifecycle_and_secrets(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    out: list[str] = []
    stack = make_stack(_program(PASSWORD), workspace=ws)
    fixtures.up_within_budget(stack, calls, RegistryConnectionProvider, "create", on_output=out.append)
    rid = stack.state_of("RegistryConnection")["id"]
    assert [(x["id"], x["name"]) for x in _conns(api, ws)] == [(rid, "ghcr")]

    # 1. No-op preview: no API call; no-op up: no write. Refresh keeps the write-only credentials.
    fixtures.assert_steady_state(stack, calls, RegistryConnectionProvider)
    assert stack.state_of("RegistryConnection")["outputs"]["credentials"]  # kept (as a secret)

    # 2. Out-of-band change (the emulator's admin edits the URL): refresh shows it, up replaces it
    # (deleting the old one first: the name stays and names are unique).
    akua.admin.patch_object(rid, registry_url="elsewhere.io")
    fixtures.assert_refresh_shows(stack, "RegistryConnection", registry_url="elsewhere.io")
    stack.up(on_output=out.append)
    rid2 = stack.state_of("RegistryConnection")["id"]
    assert [(x["id"], x["name"]) for x in _conns(api, ws)] == [(rid2, "ghcr")]

    # Rotating the password replaces the connection (create the new one, then delete the old one).
    stack.program = _program(PASSWORD + "-2")
    stack.up(on_output=out.append)
    rid3 = stack.state_of("RegistryConnection")["id"]
    assert rid3 != rid2 and [x["id"] for x in _conns(api, ws)] == [rid3]
    stack.preview(expect_no_changes=True, on_output=out.append)

    # 3. Out-of-band deletion: refresh drops it; up creates it again (the replayed key is skipped).
    api.delete(f"/registry_connections/{rid3}", workspace=ws)
    fixtures.assert_refresh_drops(stack, "RegistryConnection")
    stack.up(on_output=out.append)
    assert len(_conns(api, ws)) == 1

    assert_no_plaintext(stack, out, [PASSWORD, PASSWORD + "-2"])

    # 5. Destroy deletes it.
    fixtures.destroy_within_budget(stack, calls, RegistryConnectionProvider)
    assert _conns(api, ws) == []


def test_registry_connection_lost_response_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    # Every create response is lost after the commit: the client retries with the same key, the API
    # adds no row, and the provider finds its object by name, URL and type.
    stack = make_stack(
        lambda: RegistryConnection(
            "tok", name="tok", registry_url="registry.example", type="token", credentials={"token": TOKEN}
        ),
        workspace=ws,
    )
    akua.admin.set_faults(operations=["registry.createCredential"], drop_after_commit_rate=0.6, seed=4)
    stack.up_until_converged()
    akua.admin.clear_faults()
    assert [x["name"] for x in _conns(api, ws)] == ["tok"]
    stack.preview(expect_no_changes=True)

    # A name that exists: the create fails with the adoption hint; adopt=True takes it over, no write.
    api.post(
        "/registry_connections",
        json={"name": "old", "registry_url": "quay.io", "type": "token", "credentials": {"token": "t"}},
        workspace=ws,
    )
    dup = make_stack(
        lambda: RegistryConnection("o", name="old", registry_url="quay.io", type="token", credentials={"token": "t"}),
        workspace=ws,
        stack="dup",
    )
    with pytest.raises(auto.CommandError) as err:
        dup.up()
    assert "adopt=True" in str(err.value)
    dup.program = lambda: RegistryConnection(
        "o", name="old", registry_url="quay.io", type="token", credentials={"token": "t"}, adopt=True
    )
    akua.admin.reset_counters()
    dup.up()
    assert akua.admin.counters()["writes"] == 0
    dup.preview(expect_no_changes=True)
    dup.destroy()
    stack.destroy()
    assert _conns(api, ws) == []

    # 6. Bad input fails at preview naming the property, with no write (and no credential in the error).
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: (
            lambda: RegistryConnection(
                "bad", **{"name": "b", "registry_url": "ghcr.io", "type": "token", "credentials": {"token": "x"}, **kw}
            )
        ),
        {
            "name": {"name": ""},
            "registry_url": {"registry_url": ""},
            "type": {"type": "password"},
            "credentials": {"credentials": {"username": "u"}},
            "credentials ": {"type": "basic", "credentials": {"username": "u"}},
            "credentials  ": {"type": "oauth", "credentials": {"client_id": "c", "client_secret": "s"}},
        },
    )

"""ComputeConfig: system and byom credentials, merge-vs-replace of provider_config, faults, bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.compute_config import ComputeConfig, ComputeConfigProvider
from akua_pulumi.resources.secret import Secret
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from .conftest import CallCounter

HCLOUD = "h" * 64


def _configs(api: AkuaClient, ws: str) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in api.paginate("/compute_configs", workspace=ws)}


def test_compute_config_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    cfg = {"region": "fsn1", "image": "ubuntu-24.04"}
    stack = make_stack(lambda: ComputeConfig("cc", name="eu", provider_config=cfg), workspace=ws)
    fixtures.up_within_budget(stack, calls, ComputeConfigProvider, "create")
    cid = stack.state_of("ComputeConfig")["id"]
    live = _configs(api, ws)
    assert list(live) == [cid] and live[cid]["credential_scope"] == {"kind": "system"}

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, ComputeConfigProvider)

    # 2. Out-of-band change: refresh shows it, up converges it in place.
    api.patch(f"/compute_configs/{cid}", json={"name": "renamed"}, if_match=live[cid]["etag"], workspace=ws)
    fixtures.assert_refresh_shows(stack, "ComputeConfig", name="renamed")
    fixtures.up_within_budget(stack, calls, ComputeConfigProvider, "update")
    assert _configs(api, ws)[cid]["name"] == "eu"

    # byom: a Secret with the provider token; switching scope updates in place.
    def byom(extra: dict[str, str]) -> Callable[[], None]:
        def program() -> None:
            token = Secret("hc", name="hcloud", kind="cloud_provider/hcloud", value=HCLOUD, force_delete=True)
            ComputeConfig("cc", name="eu", provider_config={**cfg, **extra}, secret_id=token.id)

        return program

    stack.program = byom({"machine_type_filter": "cx*"})
    stack.up()
    live = _configs(api, ws)
    assert live[cid]["credential_scope"]["kind"] == "byom"
    assert live[cid]["provider_config"]["machine_type_filter"] == "cx*"
    stack.preview(expect_no_changes=True)
    # A Secret a config refers to cannot be deleted first: destroy orders them (the config depends on it).

    # Removing a provider_config key cannot be done in place (the API merges): it replaces.
    stack.program = byom({})
    stack.up()
    cid2 = stack.state_of("ComputeConfig")["id"]
    assert cid2 != cid and list(_configs(api, ws)) == [cid2]
    assert "machine_type_filter" not in _configs(api, ws)[cid2]["provider_config"]
    stack.preview(expect_no_changes=True)

    # 3. Out-of-band deletion: refresh drops it, up creates it again.
    api.delete(f"/compute_configs/{cid2}", if_match=_configs(api, ws)[cid2]["etag"], workspace=ws)
    fixtures.assert_refresh_drops(stack, "ComputeConfig")
    stack.up()
    assert len(_configs(api, ws)) == 1

    # 5. Destroy deletes both, config first.
    stack.destroy()
    assert _configs(api, ws) == {}
    assert [s for s in api.paginate("/secrets", workspace=ws) if s["state"] == "active"] == []


def test_compute_config_adoption_faults_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    cfg = {"region": "nbg1", "image": "debian-12"}
    existing = api.post(
        "/compute_configs",
        json={"name": "old", "provider": "hcloud", "provider_config": cfg, "credential_scope": {"kind": "system"}},
        workspace=ws,
    )["id"]

    # 4. Adoption by id: no write, no diff.
    stack = make_stack(lambda: ComputeConfig("cc", name="old", provider_config=cfg, adopt_id=existing), workspace=ws)
    fixtures.assert_adopts_without_writes(stack, akua, "ComputeConfig", existing)
    stack.destroy()
    assert _configs(api, ws) == {}

    # A byom secret that does not exist: the API's 400 names the field.
    bad = make_stack(
        lambda: ComputeConfig("cc", name="x", provider_config=cfg, secret_id="sec_missing"),
        workspace=ws,
        stack="missing",
    )
    with pytest.raises(auto.CommandError) as err:
        bad.up()
    assert "secret_id" in str(err.value)

    # Faults: re-runs converge on exactly one config each.
    def many() -> None:
        for i in range(3):
            ComputeConfig(f"c{i}", name=f"cfg-{i}", provider_config=cfg)

    faulty = fixtures.up_under_faults(make_stack(many, workspace=ws, stack="faults"), akua, seed=8)
    assert sorted(c["name"] for c in _configs(api, ws).values()) == ["cfg-0", "cfg-1", "cfg-2"]
    fixtures.assert_converged_and_destroyed(faulty, lambda: _configs(api, ws))

    # 6. Bad input fails at preview naming the property, with no write.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: ComputeConfig("bad", **{"name": "n", "provider_config": cfg, **kw}),
        {
            "name": {"name": ""},
            "provider": {"provider": "aws"},
            "provider_config": {"provider_config": {"region": "fsn1"}},
            "secret_version_id": {"secret_version_id": "secv_1"},
            "secret_id": {"secret_id": "s" * 60},
        },
    )

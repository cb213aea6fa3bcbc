"""Region: the invariants against the real engine and akua-local (create/list only API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.region import Region, RegionProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import CallCounter


def _regions(api: AkuaClient, ws: str) -> list[dict[str, Any]]:
    return list(api.paginate("/regions", workspace=ws))


def test_region_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    stack = make_stack(lambda: Region("eu", name="eu-west", icon="https://x.test/eu.png"), workspace=workspace_id)
    fixtures.up_within_budget(stack, calls, RegionProvider, "create")
    rid = stack.state_of("Region")["id"]
    assert [(r["id"], r["name"]) for r in _regions(api, workspace_id)] == [(rid, "eu-west")]

    # 1. No-op preview: no API call at all; no-op up: no write.
    with calls() as c:
        stack.preview(expect_no_changes=True)
    assert c.reads + c.writes == 0
    with calls() as c:
        stack.up()
    assert c.writes == 0

    # Refresh is one list call.
    with calls() as c:
        stack.refresh()
    c.assert_budget(RegionProvider, "refresh")

    # 2. Out-of-band change (the API cannot rename: the emulator's admin can). Refresh shows it; the
    # next up converges by replacing (name is create-only), leaving a region with the declared name.
    akua.admin.patch_object(rid, name="renamed-elsewhere")
    fixtures.assert_refresh_shows(stack, "Region", name="renamed-elsewhere")
    stack.up()
    new_id = stack.state_of("Region")["id"]
    assert new_id != rid
    assert {r["id"]: r["name"] for r in _regions(api, workspace_id)}[new_id] == "eu-west"
    stack.preview(expect_no_changes=True)

    # 3. Out-of-band deletion: refresh drops it, up recreates it (one region with that name).
    akua.admin.delete_object(new_id)
    fixtures.assert_refresh_drops(stack, "Region")
    stack.up()
    names = [r["name"] for r in _regions(api, workspace_id)]
    assert names.count("eu-west") == 1
    rid = stack.state_of("Region")["id"]

    # 5. Destroy: the API cannot delete a region, so it is dropped from state with a warning and stays.
    result = fixtures.destroy_within_budget(stack, calls, RegionProvider)
    assert "cannot be deleted through the Akua API" in result.stdout
    assert stack.resources("Region") == []
    assert rid in {r["id"] for r in _regions(api, workspace_id)}

    # ... and declaring it again adopts it: no new region, the next preview is empty.
    with calls() as c:
        stack.up()
    assert c.writes == 0
    assert stack.state_of("Region")["id"] == rid
    assert [r["name"] for r in _regions(api, workspace_id)].count("eu-west") == 1
    stack.preview(expect_no_changes=True)


def test_region_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    existing = api.post("/regions", json={"name": "us-east"}, workspace=workspace_id)
    other = api.post("/regions", json={"name": "ap-south", "icon": "https://x.test/ap.png"}, workspace=workspace_id)

    # 4. Adopt by natural key (explicitly) and by id: state takes them over, nothing is created.
    def program() -> None:
        Region("us", name="us-east", adopt=True)
        Region("ap", name="ap-south", icon="https://x.test/ap.png", adopt_id=other["id"])

    stack = make_stack(program, workspace=workspace_id)
    akua.admin.reset_counters()
    stack.up()
    assert akua.admin.counters()["writes"] == 0
    ids = {r["outputs"]["name"]: r["id"] for r in stack.resources("Region")}
    assert ids == {"us-east": existing["id"], "ap-south": other["id"]}
    assert len(_regions(api, workspace_id)) == 2
    stack.preview(expect_no_changes=True)

    # Adopting with a different create-only value is refused with the difference named.
    stack.program = lambda: Region("ap2", name="ap-south", icon="https://x.test/other.png", adopt=True)
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "create-only fields differ" in str(err.value) and "icon" in str(err.value)

    # 6. Bad input fails at preview, names the property, writes nothing.
    cases: dict[str, dict[str, Any]] = {
        "name": dict(name=""),
        "icon": dict(name="ok", icon="not a url"),
        "workspace_id": dict(name="ok", workspace_id="w" * 60),
        "name ": dict(name="n" * 101),
    }
    for i, (prop, kwargs) in enumerate(cases.items()):
        bad = make_stack(lambda kwargs=kwargs: Region("bad", **kwargs), workspace=workspace_id, stack=f"bad{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert f"{prop.strip()} " in str(err.value)
        assert akua.admin.counters()["writes"] == 0


def test_keyless_create_gets_five_tries(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    # A region create takes no Idempotency-Key, so the client never retries it; the lifecycle does,
    # looking for the object before each new try. Four failures in a row: the fifth try creates it.
    akua.admin.set_faults(error_rate=1.0, operations=["regions.create"], max_faults=4, statuses=[503])
    stack = make_stack(lambda: Region("eu", name="eu-west"), workspace=workspace_id)
    akua.admin.reset_counters()
    stack.up()
    assert akua.admin.get_faults()["injected"] == 4
    assert akua.admin.counters()["by_operation"]["regions.create"] == 5
    assert [r["name"] for r in _regions(api, workspace_id)] == ["eu-west"]

    # Five in a row: the up fails naming the API's answer, and nothing was created.
    akua.admin.set_faults(error_rate=1.0, operations=["regions.create"], max_faults=5, statuses=[503])
    again = make_stack(lambda: Region("us", name="us-east"), workspace=workspace_id, stack="five")
    with pytest.raises(auto.CommandError) as err:
        again.up()
    assert "503" in str(err.value) or "unavailable" in str(err.value).lower()
    assert akua.admin.get_faults()["injected"] == 5
    assert [r["name"] for r in _regions(api, workspace_id)] == ["eu-west"]

"""PreviewHostname: pinned (changes replace) and floating (rebinds in place), adoption, faults, bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.preview_hostname import PreviewHostname, PreviewHostnameProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from .conftest import CallCounter

REF = "oci://registry.example/acme/preview"
V1 = {"semver": "1.0.0", "ref": "sha256:p1", "input_schema": {"type": "object"}}
V2 = {"semver": "1.1.0", "ref": "sha256:p2", "input_schema": {"type": "object"}}


def _install_with_renders(api: AkuaClient, akua: LocalServer, ws_id: str) -> tuple[str, list[str]]:
    """An install and two renders of it (from two version changes)."""
    ws = api.for_workspace(ws_id)
    region = ws.post("/regions", json={"name": "eu"})["id"]
    ws.wait_operation(ws.post("/clusters", json={"name": "c1", "region_id": region}, idempotency_key="c1"))
    for v in (V1, V2):
        akua.admin.publish_artifact(REF, v["semver"], v["ref"], v["input_schema"])
    pkg = ws.post("/packages:import", json={"name": "app", "oci_ref": REF, "version": V1})
    v1 = pkg["latest_version_id"]
    v2 = ws.post(f"/packages/{pkg['id']}/versions", json=V2)["id"]
    op = ws.post(
        "/installs",
        json={"package_id": pkg["id"], "package_version_pin": {"kind": "latest"}, "region_id": region},
        idempotency_key="i1",
    )
    iid = ws.wait_operation(op)["response"]["install_id"]
    renders = []
    for n, vid in enumerate((v2, v1)):
        etag = ws.get(f"/installs/{iid}")["etag"]
        result = ws.post(
            f"/installs/{iid}:update", json={"package_version_id": vid}, if_match=etag, idempotency_key=f"u{n}"
        )
        renders.append(result["render"]["id"])
    return iid, renders


def _hosts(api: AkuaClient, ws: str, iid: str) -> dict[str, dict[str, Any]]:
    return {h["id"]: h for h in api.paginate(f"/installs/{iid}/preview_hostnames", workspace=ws)}


def test_preview_hostname_pinned_and_floating(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    iid, (r1, r2) = _install_with_renders(api, akua, ws)

    # Pinned: create within budget; a change of render replaces it.
    pinned = make_stack(lambda: PreviewHostname("pin", install_id=iid, render_id=r1), workspace=ws, stack="pinned")
    fixtures.up_within_budget(pinned, calls, PreviewHostnameProvider, "create")
    pid = pinned.state_of("PreviewHostname")["id"]
    assert _hosts(api, ws, iid)[pid]["binding"] == {"kind": "pinned", "render_id": r1}
    fixtures.assert_steady_state(pinned, calls, PreviewHostnameProvider)
    pinned.program = lambda: PreviewHostname("pin", install_id=iid, render_id=r2)
    pinned.up()
    pid2 = pinned.state_of("PreviewHostname")["id"]
    assert pid2 != pid and list(_hosts(api, ws, iid)) == [pid2]

    # Floating: create within budget; a rebind keeps id and hostname.
    def floating(render: str) -> Callable[[], None]:
        return lambda: PreviewHostname("main", install_id=iid, track="main", render_id=render)

    stack = make_stack(floating(r1), workspace=ws)
    fixtures.up_within_budget(stack, calls, PreviewHostnameProvider, "create_floating")
    fid = stack.state_of("PreviewHostname")["id"]
    hostname = stack.state_of("PreviewHostname")["outputs"]["hostname"]
    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, PreviewHostnameProvider)
    stack.program = floating(r2)
    fixtures.up_within_budget(stack, calls, PreviewHostnameProvider, "update")
    live = _hosts(api, ws, iid)[fid]
    assert live["hostname"] == hostname and live["binding"]["render_id"] == r2
    stack.preview(expect_no_changes=True)

    # 2. Out-of-band rebind: refresh shows it, up binds it back.
    api.wait_operation(
        api.post(
            f"/installs/{iid}/preview_hostnames:bindFloating",
            json={"track": "main", "render_id": r1},
            idempotency_key="oob-1",
            workspace=ws,
        ),
        workspace=ws,
    )
    fixtures.assert_refresh_shows(stack, "PreviewHostname", render_id=r1)
    stack.up()
    assert _hosts(api, ws, iid)[fid]["binding"]["render_id"] == r2
    stack.preview(expect_no_changes=True)

    # 3. Out-of-band deletion: refresh drops it, up binds a new one.
    etag = _hosts(api, ws, iid)[fid]["etag"]
    api.wait_operation(
        api.delete(f"/installs/{iid}/preview_hostnames/{fid}", if_match=etag, idempotency_key="oob-2", workspace=ws),
        workspace=ws,
    )
    fixtures.assert_refresh_drops(stack, "PreviewHostname")
    stack.up()
    assert len([h for h in _hosts(api, ws, iid).values() if h["binding"]["kind"] == "floating"]) == 1

    # 4. Adoption: a floating hostname that exists fails with the hint; adopt=True takes it, no write.
    other = make_stack(floating(r2), workspace=ws, stack="other")
    with pytest.raises(auto.CommandError) as err:
        other.up()
    assert "adopt=True" in str(err.value)
    other.program = lambda: PreviewHostname("main", install_id=iid, track="main", render_id=r2, adopt=True)
    akua.admin.reset_counters()
    other.up()
    assert akua.admin.counters()["writes"] == 0
    other.preview(expect_no_changes=True)

    # 5. Destroy deletes them.
    fixtures.destroy_within_budget(stack, calls, PreviewHostnameProvider)
    pinned.destroy()
    assert _hosts(api, ws, iid) == {}


def test_preview_hostname_faults_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    iid, (r1, _r2) = _install_with_renders(api, akua, ws)

    # Faults: re-runs converge on one hostname per track.
    def many() -> None:
        for t in ("a", "b", "c"):
            PreviewHostname(t, install_id=iid, track=t, render_id=r1)

    faults = {"error_rate": 0.1, "retry_after_seconds": 0, "drop_after_commit_rate": 0.2}
    faulty = fixtures.up_under_faults(make_stack(many, workspace=ws, stack="faults"), akua, seed=7, faults=faults)
    assert sorted(h["binding"]["track"] for h in _hosts(api, ws, iid).values()) == ["a", "b", "c"]
    fixtures.assert_converged_and_destroyed(faulty, lambda: _hosts(api, ws, iid))

    # 6. Bad input fails at preview naming the property, with no write.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: PreviewHostname("bad", **{"install_id": iid, "render_id": r1, **kw}),
        {
            "render_id": {"render_id": ""},
            "track": {"track": "t" * 101},
            "protocol": {"protocol": "ftp"},
            "routing_mode": {"routing_mode": "x"},
            "install_id": {"install_id": "i" * 60},
        },
    )

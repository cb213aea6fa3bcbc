"""Secret: the invariants, rotation, soft delete and undelete, adoption, faults, and no plaintext anywhere."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pytest

from akua_pulumi.client import AkuaClient, NotFoundError
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.secret import Secret, SecretProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview, assert_no_plaintext
from .conftest import CallCounter

VALUE = "db-pass-7d1f0c9a2b6e"
VALUE2 = "db-pass-rotated-4c8e91aa"


def _secrets(api: AkuaClient, ws: str) -> list[dict[str, Any]]:
    return list(api.paginate("/secrets", workspace=ws))


def _latest(api: AkuaClient, ws: str, sid: str) -> str:
    return str(api.post(f"/secrets/{sid}/versions/latest:access", workspace=ws)["value"])


def _program(value: str, labels: Mapping[str, str] | None = None) -> Callable[[], None]:
    def program() -> None:
        secret = Secret("db", name="db-password", value=value, labels=dict(labels or {"team": "core"}))
        pulumi.export("value_hash", secret.value_hash)

    return program


def test_secret_lifecycle_rotation_and_soft_delete(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    out: list[str] = []
    stack = make_stack(_program(VALUE), workspace=ws)
    fixtures.up_within_budget(stack, calls, SecretProvider, "create", on_output=out.append)
    sid = stack.state_of("Secret")["id"]
    assert [(s["id"], s["name"], s["state"]) for s in _secrets(api, ws)] == [(sid, "db-password", "active")]
    assert _latest(api, ws, sid) == VALUE
    outputs = stack.state_of("Secret")["outputs"]
    assert "value" not in outputs and outputs["value_hash"].startswith("sha256:") and outputs["version_number"] == 1

    # 1. No-op preview: no API call; no-op up: no write; refresh within budget.
    fixtures.assert_steady_state(stack, calls, SecretProvider)

    # 2. Out-of-band change of metadata: refresh shows it, up converges it in place.
    live = api.get(f"/secrets/{sid}", workspace=ws)
    api.patch(f"/secrets/{sid}", json={"labels": {"team": "other"}}, if_match=live["etag"], workspace=ws)
    fixtures.assert_refresh_shows(stack, "Secret", labels={"team": "other"})
    fixtures.up_within_budget(stack, calls, SecretProvider, "update", on_output=out.append)
    assert api.get(f"/secrets/{sid}", workspace=ws)["labels"] == {"team": "core"}

    # Rotation: a new value becomes version 2; version 1 is disabled; the id stays.
    stack.program = _program(VALUE2)
    fixtures.up_within_budget(stack, calls, SecretProvider, "rotate", on_output=out.append)
    assert stack.state_of("Secret")["id"] == sid
    assert _latest(api, ws, sid) == VALUE2
    states = {v["version_number"]: v["state"] for v in api.paginate(f"/secrets/{sid}/versions", workspace=ws)}
    assert states == {1: "disabled", 2: "enabled"}
    assert stack.state_of("Secret")["outputs"]["version_number"] == 2
    stack.preview(expect_no_changes=True, on_output=out.append)

    # A version added outside Pulumi: refresh sees the drift, up rotates the declared value back.
    api.post(f"/secrets/{sid}/versions", json={"value": "rogue-value-0000"}, workspace=ws)
    stack.refresh()
    assert stack.state_of("Secret")["outputs"]["value_hash"].startswith("drifted")
    stack.up(on_output=out.append)
    assert _latest(api, ws, sid) == VALUE2
    stack.preview(expect_no_changes=True)

    # 3. Out-of-band deletion (a soft delete): refresh drops it; up undeletes it (the name is still
    # held) and rotates the declared value in: one secret, same id, active.
    api.delete(f"/secrets/{sid}", if_match=api.get(f"/secrets/{sid}", workspace=ws)["etag"], workspace=ws)
    fixtures.assert_refresh_drops(stack, "Secret")
    stack.up(on_output=out.append)
    assert stack.state_of("Secret")["id"] == sid
    assert [(s["id"], s["state"]) for s in _secrets(api, ws)] == [(sid, "active")]
    assert _latest(api, ws, sid) == VALUE2
    stack.preview(expect_no_changes=True)

    # No value in `pulumi stack export`, the state files or the engine output.
    assert_no_plaintext(stack, out, [VALUE, VALUE2])

    # 5. Destroy soft-deletes (documented: the API keeps it until purge_at, and it holds the name).
    fixtures.destroy_within_budget(stack, calls, SecretProvider)
    gone = api.get(f"/secrets/{sid}", workspace=ws)
    assert gone["state"] == "soft_deleted" and gone["purge_at"] > gone["deleted_at"]


def test_secret_force_delete_adoption_faults_and_bad_input(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    existing = api.post(
        "/secrets", json={"name": "existing", "kind": "generic", "value": "old-value-1234"}, workspace=ws
    )
    other = api.post("/secrets", json={"name": "other", "kind": "generic", "value": "same-value-5678"}, workspace=ws)

    # 4. Adoption: by name with a different value (rotates it in), by id with the same value (no write
    # but the audited :access), then no diff.
    def adopt_program() -> None:
        Secret("e", name="existing", value="new-value-9999", adopt=True, force_delete=True)
        Secret("o", name="other", value="same-value-5678", adopt_id=other["id"], force_delete=True)

    stack = make_stack(adopt_program, workspace=ws)
    with calls() as c:
        stack.up()
    assert c.by_operation.get("secrets.createVersion") == 1, c.by_operation
    assert c.by_operation.get("secrets.create") is None and c.by_operation.get("secrets.update") is None
    assert {r["id"] for r in stack.resources("Secret")} == {existing["id"], other["id"]}
    assert _latest(api, ws, existing["id"]) == "new-value-9999"
    assert _latest(api, ws, other["id"]) == "same-value-5678"
    stack.preview(expect_no_changes=True)

    # The adoption budget: a second stack adopting by id reads once and accesses once.
    solo = make_stack(
        lambda: Secret("o", name="other", value="same-value-5678", adopt_id=other["id"]), workspace=ws, stack="solo"
    )
    fixtures.up_within_budget(solo, calls, SecretProvider, "adopt")

    # force_delete: destroy purges at once (GET is 404), so the API holds nothing.
    stack.destroy()
    for sid in (existing["id"], other["id"]):
        with pytest.raises(NotFoundError):
            api.get(f"/secrets/{sid}", workspace=ws)

    # Faults (5xx, 429, responses lost after commit): re-runs converge on exactly one secret each.
    def many() -> None:
        for i in range(3):
            Secret(f"s{i}", name=f"faulty-{i}", value=f"faulty-value-{i}-abcdef", force_delete=True)

    faulty = fixtures.up_under_faults(make_stack(many, workspace=ws, stack="faults"), akua, seed=5)
    names = sorted(s["name"] for s in _secrets(api, ws) if s["name"].startswith("faulty-"))
    assert names == ["faulty-0", "faulty-1", "faulty-2"]
    for s in _secrets(api, ws):
        if s["name"].startswith("faulty-"):
            assert s["version_count"] == 1, s
    fixtures.assert_converged_and_destroyed(
        faulty, lambda: [s for s in _secrets(api, ws) if s["name"].startswith("faulty-")]
    )

    # 6. Bad input fails at preview naming the property, with no write.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: Secret("bad", **{"name": "ok", "value": "v", **kw}),
        {
            "name": {"name": ""},
            "value": {"value": ""},
            "kind": {"kind": "password"},
            "value ": {"kind": "webhook_signing", "value": "short"},
            "username": {"username": "u"},
            "labels": {"labels": {"a": 5}},
            "version_aliases": {"version_aliases": {"current": 0}},
            "on_rotate": {"on_rotate": "shred"},
            "workspace_id": {"workspace_id": "w" * 60},
        },
    )

"""The emulator clock (``/_local/clock``) and what it retires (API.md §7.1 "Machine lifetime on Free", §6.5).

Advancing the clock moves every reader of time, completes what came due, and deletes Free machines on
system configs past their 7-day lifetime and suspended machines whose snapshot expired, each through a
``machine.delete`` Operation; Pro, Enterprise and byom machines keep running.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akua_pulumi.local import App, LocalAdmin, LocalServer, create_app
from akua_pulumi.local.backend.clock import MAX_OFFSET, MAX_STEP

from .conftest import Api, new_workspace
from .test_v4_machines import _wait, cluster, machine, pro, system_config

DAY = 86400


def _control(app: App, token: str | None = None, remote: str = "127.0.0.1") -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    transport = httpx.WSGITransport(app=app, remote_addr=remote)
    return httpx.Client(transport=transport, base_url="http://akua.test/_local", headers=headers)


def _active_machine(w: Api, cid: str, ccf: str, itype: str = "cx23") -> str:
    return str(_wait(w, machine(w, cid, ccf, itype))["response"]["machine_id"])


def _usage(w: Api, metric: str = "compute%2Fmachines") -> int:
    return int(w.get(f"/quotas/{metric}").json()["usage"])


def _byom_config(w: Api) -> str:
    secret = w.post("/secrets", json={"name": "h", "kind": "cloud_provider/hcloud", "value": "s" * 64}).json()
    body = {
        "name": "own",
        "provider": "hcloud",
        "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"},
        "credential_scope": {"kind": "byom", "secret_id": secret["id"]},
    }
    return str(w.post("/compute_configs", json=body).json()["id"])


def _machine_ops(w: Api, mid: str) -> list[dict[str, Any]]:
    return list(w.get("/operations", params={"owner_type": "machine", "owner_id": mid}).json()["data"])


def test_free_managed_machine_is_deleted_after_seven_days(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    cid, ccf = cluster(w), system_config(w)
    mid = _active_machine(w, cid, ccf)
    assert _usage(w) == 1 and _usage(w, "compute%2Fcpu") == 2
    six = admin.advance_clock(6 * DAY)
    assert six["expired"] == [] and six["offset_seconds"] == 6 * DAY
    assert w.get(f"/machines/{mid}").json()["state"] == "ACTIVE"
    seven = admin.advance_clock(DAY + 60)
    assert seven["expired"] == [
        {
            "machine_id": mid,
            "workspace_id": ws["id"],
            "operation_id": seven["expired"][0]["operation_id"],
            "reason": "lifetime",
        }
    ]
    assert w.get(f"/machines/{mid}").status_code == 404
    ops = _machine_ops(w, mid)
    assert [o["metadata"]["type"] for o in ops] == ["machine.delete", "machine.create"]
    delete = ops[0]
    assert delete["id"] == seven["expired"][0]["operation_id"] and delete["state"] == "SUCCEEDED"
    assert delete["metadata"]["machine_id"] == mid and len(delete["metadata"]["request_fingerprint"]) == 64
    assert delete["response"] == {"type": "machine.delete", "machine_id": mid}
    assert delete["started_at"] >= time.time() + 7 * DAY  # stamped on the advanced clock
    assert _usage(w) == 0 and _usage(w, "compute%2Fcpu") == 0 and _usage(w, "compute%2Fmemory") == 0
    assert w.get(f"/clusters/{cid}/compute_settings").json()["machines"] == 0
    # the freed quota takes a new machine, which starts its own 7 days on the advanced clock
    again = _active_machine(w, cid, ccf)
    assert w.get(f"/machines/{again}").json()["created_at"] >= time.time() + 7 * DAY
    assert admin.advance_clock(6 * DAY)["expired"] == []


def test_pro_enterprise_and_byom_machines_stay(api: Api, admin: LocalAdmin) -> None:
    kept = []
    for tier in ("pro", "enterprise"):
        w, ws = new_workspace(api, f"Paid {tier}")
        admin.patch_object(ws["id"], plan={"tier": tier, "billed_by": "platform"})
        kept.append((w, _active_machine(w, cluster(w), system_config(w))))
    w, _ = new_workspace(api, "Free byom")
    byom = _active_machine(w, cluster(w), _byom_config(w), "any-type-1")
    kept.append((w, byom))
    assert admin.advance_clock(30 * DAY)["expired"] == []
    for owner, mid in kept:
        assert owner.get(f"/machines/{mid}").json()["state"] == "ACTIVE"
        assert [o["metadata"]["type"] for o in _machine_ops(owner, mid)] == ["machine.create"]


def test_a_lifetime_override_applies_to_a_paid_workspace(api: Api, admin: LocalAdmin) -> None:
    """The lifetime is the entitlement in force (API.md §6.5), so a /_local override counts too."""
    w, ws = new_workspace(api)
    pro(admin, ws["id"])
    admin.patch_object(ws["id"], _entitlements={"compute.managed_machine_ttl_days": {"type": "max_count", "value": 2}})
    mid = _active_machine(w, cluster(w), system_config(w))
    assert admin.advance_clock(DAY)["expired"] == []
    assert [e["machine_id"] for e in admin.advance_clock(DAY)["expired"]] == [mid]


def test_the_delete_is_deleting_then_gone_and_a_failure_is_retried(api: Api, admin: LocalAdmin) -> None:
    w, _ = new_workspace(api)
    cid, ccf = cluster(w), system_config(w)
    admin.set_operation_delay(30)
    op = machine(w, cid, ccf)
    admin.advance_operations()
    mid = op["owner_id"]
    admin.fail_next_operation("machine.delete", "provider unreachable")
    first = admin.advance_clock(8 * DAY)["expired"]
    assert [e["machine_id"] for e in first] == [mid]
    assert w.get(f"/machines/{mid}").json()["state"] == "DELETING"
    admin.advance_operations()  # the delete completes (no sweep runs) and fails: the machine is back
    failed = w.get(f"/operations/{first[0]['operation_id']}").json()
    assert failed["state"] == "FAILED" and failed["error"]["message"] == "provider unreachable"
    m = w.get(f"/machines/{mid}").json()
    assert m["state"] == "ACTIVE" and m["reconciling"] is False
    second = admin.advance_clock(1)["expired"]  # still too old: tried again
    assert [e["machine_id"] for e in second] == [mid] and second[0]["operation_id"] != first[0]["operation_id"]
    m = w.get(f"/machines/{mid}").json()
    assert m["state"] == "DELETING" and m["reconciling"] is True
    assert _usage(w) == 0 and w.get(f"/clusters/{cid}/compute_settings").json()["machines"] == 0
    running = w.get(f"/operations/{second[0]['operation_id']}").json()
    assert running["state"] == "RUNNING" and running["metadata"]["type"] == "machine.delete"
    assert admin.advance_clock(29)["expired"] == []  # in flight: not started twice
    assert w.get(f"/machines/{mid}").json()["state"] == "DELETING"
    admin.advance_clock(2)
    assert w.get(f"/machines/{mid}").status_code == 404
    assert w.get(f"/operations/{second[0]['operation_id']}").json()["state"] == "SUCCEEDED"


def _suspend(w: Api, mid: str, reason: str = "manual") -> dict[str, Any]:
    m = w.get(f"/machines/{mid}").json()
    headers = {"If-Match": m["etag"], "Idempotency-Key": f"s-{mid}"}
    _wait(w, w.post(f"/machines/{mid}:suspend", json={"reason": reason}, headers=headers).json())
    return dict(w.get(f"/machines/{mid}").json())


def test_an_expired_snapshot_deletes_the_suspended_machine(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    pro(admin, ws["id"])
    mid = _active_machine(w, cluster(w), system_config(w))
    m = _suspend(w, mid)
    expires = m["current_suspension"]["expires_at"]
    assert expires - time.time() == pytest.approx(90 * DAY, abs=5)
    assert admin.advance_clock(89 * DAY)["expired"] == []
    assert w.get(f"/machines/{mid}").json()["state"] == "SUSPENDED"
    done = admin.advance_clock(DAY + 60)["expired"]
    assert [(e["machine_id"], e["reason"]) for e in done] == [(mid, "snapshot_expired")]
    assert w.get(f"/machines/{mid}").status_code == 404
    assert _machine_ops(w, mid)[0]["metadata"]["type"] == "machine.delete"


def test_a_downgraded_machine_keeps_its_snapshot_90_days_on_free(api: Api, admin: LocalAdmin) -> None:
    """Back on Free, a machine suspended by the downgrade is not cut at 7 days: its snapshot rule governs it."""
    w, ws = new_workspace(api)
    sub = f"/workspaces/{ws['id']}/subscription"
    etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
    w.post(f"{sub}:changeTier", json={"tier": "pro"}, headers={"If-Match": etag})
    admin.advance_operations()
    mid = _active_machine(w, cluster(w), system_config(w))
    etag = w.get(f"/workspaces/{ws['id']}").json()["etag"]
    w.post(f"{sub}:changeTier", json={"tier": "free"}, headers={"If-Match": etag})
    admin.advance_operations()
    assert w.get(f"/machines/{mid}").json()["current_suspension"]["reason"] == "downgrade"
    assert admin.advance_clock(30 * DAY)["expired"] == []
    assert w.get(f"/machines/{mid}").json()["state"] == "SUSPENDED"
    assert [e["reason"] for e in admin.advance_clock(61 * DAY)["expired"]] == ["snapshot_expired"]


def test_every_reader_of_time_follows_the_clock(api: Api, admin: LocalAdmin) -> None:
    w, ws = new_workspace(api)
    pro(admin, ws["id"])  # room for two clusters
    admin.set_operation_delay(3600)
    reg = w.post("/regions", json={"name": "eu-1"}).json()
    op = w.post("/clusters", json={"name": "c", "region_id": reg["id"]}).json()
    ahead = admin.advance_clock(3601)  # the create's due time passed on the clock: it completed
    assert w.get(f"/operations/{op['id']}").json()["state"] == "SUCCEEDED"
    assert ahead["now"] - ahead["wall_now"] == pytest.approx(3601, abs=2)
    assert admin.clock()["offset_seconds"] == 3601
    # new work is due one operation_delay after the clock's now, not after wall time (which is already past)
    later = w.post("/clusters", json={"name": "d", "region_id": reg["id"]}).json()
    assert later["started_at"] >= ahead["now"]
    assert w.get(f"/operations/{later['id']}").json()["state"] == "RUNNING"
    assert reg["created_at"] < ahead["wall_now"] + 5  # made before the advance
    ws2 = api.post("/workspaces", json={"name": "Later"}).json()
    assert ws2["created_at"] >= ahead["now"]


def test_the_clock_is_per_emulator_persisted_and_reset(tmp_path: Path) -> None:
    db = str(tmp_path / "akua-local.db")
    first, other = create_app(db, operation_delay=0.0), create_app(":memory:", operation_delay=0.0)
    with _control(first, first.owner_token) as c, _control(other, other.owner_token) as o:
        assert c.post("/clock:advance", json={"seconds": 2 * DAY}).json()["offset_seconds"] == 2 * DAY
        assert o.get("/clock").json()["offset_seconds"] == 0  # another emulator in the same thread
        user = o.post("/users", json={"name": "U", "email": "u@x.test"}).json()
        assert o.get(f"/objects/{user['id']}").json()["data"]["created_at"] < time.time() + 5
    first.store.close()
    again = create_app(db, operation_delay=0.0)  # a restart over the same file keeps its time
    with _control(again, again.owner_token) as c:
        assert c.get("/clock").json()["offset_seconds"] == 2 * DAY
        assert c.post("/reset").status_code == 200
        assert c.get("/clock").json()["offset_seconds"] == 0
    again.store.close()
    other.store.close()


BAD: list[tuple[Any, str]] = [
    ({}, "seconds"),
    ({"seconds": None}, "seconds"),
    ({"seconds": 0}, "seconds"),
    ({"seconds": -60}, "seconds"),
    ({"seconds": "60"}, "seconds"),
    ({"seconds": True}, "seconds"),
    ({"seconds": [60]}, "seconds"),
    ({"seconds": MAX_STEP + 1}, "seconds"),
    ({"seconds": 10**400}, "seconds"),
    ({"seconds": 60, "days": 1}, "days"),
    ([60], "body"),
    ("60", "body"),
]


@pytest.mark.parametrize(("body", "field"), BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_bad_bodies_get_422_naming_the_field(app: App, body: Any, field: str) -> None:
    with _control(app, app.owner_token) as c:
        r = c.post("/clock:advance", json=body)
        assert r.status_code == 422, r.text
        err = r.json()["errors"][0]
        assert err["code"] == 7001 and err["path"][-1] == field and field in err["message"], err
        assert c.get("/clock").json()["offset_seconds"] == 0  # nothing moved


@pytest.mark.parametrize("raw", [b'{"seconds": NaN}', b'{"seconds": Infinity}', b'{"seconds": -Infinity}'])
def test_non_finite_seconds_get_422(app: App, raw: bytes) -> None:
    with _control(app, app.owner_token) as c:
        r = c.post("/clock:advance", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == ["body", "seconds"], r.text
        bad_json = c.post("/clock:advance", content=b"{seconds", headers={"Content-Type": "application/json"})
        assert bad_json.status_code == 400  # not JSON at all: the control plane's shared 400
        assert c.get("/clock").json()["offset_seconds"] == 0


def test_the_clock_runs_at_most_100_years_ahead(app: App) -> None:
    with _control(app, app.owner_token) as c:
        for _ in range(MAX_OFFSET // MAX_STEP):
            assert c.post("/clock:advance", json={"seconds": MAX_STEP}).status_code == 200
        over = c.post("/clock:advance", json={"seconds": 1})
        assert over.status_code == 422 and over.json()["errors"][0]["path"] == ["body", "seconds"]
        assert c.get("/clock").json()["offset_seconds"] == MAX_OFFSET
        assert int(c.get("/clock").json()["now_iso"][:4]) >= time.gmtime().tm_year + 99


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seconds=_JSON, extra=st.dictionaries(st.sampled_from(["seconds", "days", ""]), _JSON, max_size=2))
def test_no_body_gets_a_5xx_and_the_clock_never_goes_back(app: App, seconds: Any, extra: dict[str, Any]) -> None:
    with _control(app, app.owner_token) as c:
        before = c.get("/clock").json()["offset_seconds"]
        body = {"seconds": seconds, **extra}
        raw = json.dumps(body)  # NaN and Infinity included, as Python's json sends them
        r = c.post("/clock:advance", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code in (200, 422), r.text
        after = c.get("/clock").json()["offset_seconds"]
        if r.status_code == 200:
            assert after == before + float(body["seconds"]) > before
        else:
            assert after == before and r.json()["errors"][0]["path"][0] == "body"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic b3duZXI6cGFzcw=="])
def test_the_clock_needs_the_owner_token(app: App, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with _control(app) as c:
        for method, path in [("GET", "/clock"), ("POST", "/clock:advance")]:
            r = c.request(method, path, headers=headers, json={"seconds": DAY})
            assert r.status_code == 401 and r.json()["errors"][0]["code"] == 7003, r.text
    with _control(app, app.owner_token) as c:
        assert c.get("/clock").json()["offset_seconds"] == 0  # nothing happened


def test_the_clock_is_loopback_only(app: App) -> None:
    with _control(app, app.owner_token, remote="10.0.0.7") as c:
        assert c.post("/clock:advance", json={"seconds": DAY}).status_code == 403
        assert c.get("/clock").status_code == 403
    with _control(app, app.owner_token) as c:
        assert c.get("/clock").json()["offset_seconds"] == 0
        assert c.delete("/clock").status_code == 405


def test_over_loopback_the_ticker_finishes_the_delete() -> None:
    """A real akua-local over loopback: the lifetime delete is DELETING, then the ticker removes it."""
    with LocalServer(operation_delay=0.5) as srv:
        admin = srv.admin
        headers = {"Authorization": f"Bearer {srv.owner_token}"}
        with httpx.Client(base_url=srv.api_url, headers=headers, timeout=30) as http:
            ws = http.post("/workspaces", json={"name": "Loop"}).json()
            http.headers["akua-context"] = ws["id"]
            reg = http.post("/regions", json={"name": "eu-1"}).json()
            op = http.post("/clusters", json={"name": "c", "region_id": reg["id"]}).json()
            cid = http.post(f"/operations/{op['id']}:wait", params={"timeout": 10}).json()["response"]["cluster_id"]
            body = {
                "name": "fsn",
                "provider": "hcloud",
                "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"},
                "credential_scope": {"kind": "system"},
            }
            ccf = http.post("/compute_configs", json=body).json()["id"]
            mop = http.post("/machines", json={"cluster_id": cid, "compute_config_id": ccf, "instance_type": "cx23"})
            http.post(f"/operations/{mop.json()['id']}:wait", params={"timeout": 10})
            mid = mop.json()["owner_id"]
            expired = admin.advance_clock(7 * DAY + 1)["expired"]
            assert [e["machine_id"] for e in expired] == [mid]
            assert http.get(f"/machines/{mid}").json()["state"] == "DELETING"
            deadline = time.monotonic() + 10
            while http.get(f"/machines/{mid}").status_code != 404:
                assert time.monotonic() < deadline, "the ticker never completed the delete"
                time.sleep(0.1)
            assert admin.clock()["offset_seconds"] == 7 * DAY + 1

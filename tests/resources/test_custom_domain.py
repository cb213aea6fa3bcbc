"""CustomDomain: the invariants through async Operations, adoption, a hostname taken elsewhere, faults."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.custom_domain import CustomDomain, CustomDomainProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from .conftest import CallCounter

ORIGIN = "https://origin.example.com"


def _domains(api: AkuaClient, ws: str) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in api.paginate(f"/workspaces/{ws}/custom_domains")}


def test_custom_domain_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    stack = make_stack(lambda: CustomDomain("shop", hostname="shop.example.com", endpoint=ORIGIN), workspace=ws)
    fixtures.up_within_budget(stack, calls, CustomDomainProvider, "create")
    did = stack.state_of("CustomDomain")["id"]
    live = _domains(api, ws)
    assert list(live) == [did] and live[did]["status"] == "active" and live[did]["target"]["endpoint"] == ORIGIN

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, CustomDomainProvider)

    # 2. Out-of-band change (protocol): refresh shows it, up converges it in place.
    api.wait_operation(
        api.patch(
            f"/workspaces/{ws}/custom_domains/{did}",
            json={"protocol": "grpc"},
            if_match=live[did]["etag"],
            idempotency_key="oob-1",
        )
    )
    fixtures.assert_refresh_shows(stack, "CustomDomain", protocol="grpc")
    fixtures.up_within_budget(stack, calls, CustomDomainProvider, "update")
    assert _domains(api, ws)[did]["protocol"] == "http"
    stack.preview(expect_no_changes=True)

    # A declared change of target (endpoint -> routing through the dispatcher off) updates in place.
    stack.program = lambda: CustomDomain(
        "shop", hostname="shop.example.com", endpoint="https://other.example.com", routing_mode="bypass_dispatcher"
    )
    stack.up()
    assert stack.state_of("CustomDomain")["id"] == did
    assert _domains(api, ws)[did]["target"]["endpoint"] == "https://other.example.com"
    stack.preview(expect_no_changes=True)

    # 3. Out-of-band deletion: refresh drops it, up creates it again (the replayed key is skipped).
    etag = _domains(api, ws)[did]["etag"]
    api.wait_operation(api.delete(f"/workspaces/{ws}/custom_domains/{did}", if_match=etag, idempotency_key="oob-2"))
    fixtures.assert_refresh_drops(stack, "CustomDomain")
    stack.up()
    did = stack.state_of("CustomDomain")["id"]
    assert list(_domains(api, ws)) == [did]

    # 5. Destroy deletes it.
    fixtures.destroy_within_budget(stack, calls, CustomDomainProvider)
    assert _domains(api, ws) == {}


def test_custom_domain_adoption_conflicts_faults_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    existing = api.wait_operation(
        api.post(
            f"/workspaces/{ws}/custom_domains",
            json={"hostname": "app.example.com", "target": {"kind": "external", "endpoint": ORIGIN}},
            idempotency_key="pre-1",
        )
    )["response"]["custom_domain_id"]

    # Declaring an existing hostname without adopt fails with the hint; nothing is created.
    stack = make_stack(lambda: CustomDomain("app", hostname="app.example.com", endpoint=ORIGIN), workspace=ws)
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value) and existing in str(err.value)

    # 4. Adoption by hostname: no write, no diff.
    stack.program = lambda: CustomDomain("app", hostname="app.example.com", endpoint=ORIGIN, adopt=True)
    fixtures.assert_adopts_without_writes(stack, akua, "CustomDomain", existing)

    # A hostname another workspace holds: the operation fails and the message names the cause.
    other = api.post("/workspaces", json={"name": "Other", "slug": "other-ws"})["id"]
    taken = make_stack(
        lambda: CustomDomain("app", hostname="app.example.com", endpoint=ORIGIN), workspace=other, stack="taken"
    )
    with pytest.raises(auto.CommandError) as err:
        taken.up()
    assert "app.example.com" in str(err.value)
    assert _domains(api, other) == {} or all(d["status"] != "active" for d in _domains(api, other).values())

    # Faults: re-runs converge on exactly one domain per hostname.
    def many() -> None:
        for i in range(3):
            CustomDomain(f"d{i}", hostname=f"d{i}.example.com", endpoint=ORIGIN)

    faulty = fixtures.up_under_faults(make_stack(many, workspace=ws, stack="faults"), akua, seed=3)
    counts = Counter(d["hostname"] for d in _domains(api, ws).values())
    assert counts == Counter({"app.example.com": 1, "d0.example.com": 1, "d1.example.com": 1, "d2.example.com": 1})
    faulty.preview(expect_no_changes=True)
    faulty.destroy()
    stack.destroy()
    assert _domains(api, ws) == {}

    # 6. Bad input fails at preview naming the property, with no write.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: CustomDomain("bad", **{"hostname": "ok.example.com", "endpoint": ORIGIN, **kw}),
        {
            "hostname": {"hostname": "Not A Host"},
            "hostname ": {"hostname": "x" * 254},
            "install_id": {"install_id": "inst_1"},
            "endpoint": {"endpoint": "ftp//nope"},
            "protocol": {"protocol": "ftp"},
            "routing_mode": {"routing_mode": "sideways"},
            "mtls_secret_id": {"endpoint": None, "cluster_id": "cl_1", "mtls_secret_id": "sec_1"},
        },
    )

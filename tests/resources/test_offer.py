"""Offer: immutable (changes replace), destroy archives, replays of archived offers skipped, faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.offer import Offer, OfferProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import arrange_product, assert_bad_input_fails_at_preview
from .conftest import CallCounter

REF = "oci://registry.example/acme/offer-app"


def _product(api: AkuaClient, akua: LocalServer, ws: str) -> str:
    return str(arrange_product(api, akua, ws, REF, "sha256:o1")["id"])


def _active(api: AkuaClient, ws: str) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in api.paginate("/offers", workspace=ws) if o["status"] != "archived"}


def test_offer_lifecycle_replace_and_archive(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    product = _product(api, akua, ws)

    def program(note: str) -> Callable[[], None]:
        return lambda: Offer(
            "acme",
            product_id=product,
            customer={"display_name": "Acme", "external_id": "acme-1"},
            allowed_emails=["buyer@acme.test"],
            internal_note=note,
            pricing_request={"currency": "eur", "unit_amount": 4900, "interval": "month"},
        )

    stack = make_stack(program("first"), workspace=ws)
    fixtures.up_within_budget(stack, calls, OfferProvider, "create")
    oid = stack.state_of("Offer")["id"]
    live = _active(api, ws)
    assert list(live) == [oid] and live[oid]["status"] == "active"
    assert stack.state_of("Offer")["outputs"]["short_hash"] == live[oid]["short_hash"]

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, OfferProvider)

    # Immutable: a change replaces it (new offer, the old one archived).
    stack.program = program("second")
    stack.up()
    oid2 = stack.state_of("Offer")["id"]
    assert oid2 != oid and list(_active(api, ws)) == [oid2]
    assert api.get(f"/offers/{oid}", workspace=ws)["status"] == "archived"
    stack.preview(expect_no_changes=True)

    # 2. Out-of-band change (the emulator's admin edits the note): refresh shows it, up replaces it.
    akua.admin.patch_object(oid2, internal_note="edited")
    fixtures.assert_refresh_shows(stack, "Offer", internal_note="edited")
    stack.up()
    oid3 = stack.state_of("Offer")["id"]
    assert list(_active(api, ws)) == [oid3] and _active(api, ws)[oid3]["internal_note"] == "second"

    # 3. Out-of-band archive reads as deletion: refresh drops it; up creates a new one (the key that
    # replays the archived offer is skipped).
    api.post(f"/offers/{oid3}:archive", if_match=api.get(f"/offers/{oid3}", workspace=ws)["etag"], workspace=ws)
    fixtures.assert_refresh_drops(stack, "Offer")
    stack.up()
    oid4 = stack.state_of("Offer")["id"]
    assert oid4 not in (oid, oid2, oid3) and list(_active(api, ws)) == [oid4]

    # 5. Destroy archives (no DELETE exists; the API keeps archived offers: documented).
    fixtures.destroy_within_budget(stack, calls, OfferProvider)
    assert _active(api, ws) == {}


def test_offer_adoption_faults_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    product = _product(api, akua, ws)
    existing = api.post("/offers", json={"product_id": product, "notes": "hello"}, workspace=ws)["id"]

    # 4. Adoption by id: no write, no diff.
    stack = make_stack(lambda: Offer("o", product_id=product, notes="hello", adopt_id=existing), workspace=ws)
    fixtures.assert_adopts_without_writes(stack, akua, "Offer", existing)
    stack.destroy()

    # Faults: re-runs converge on exactly one offer each (the create carries an Idempotency-Key).
    def many() -> None:
        for i in range(3):
            Offer(f"o{i}", product_id=product, notes=f"offer-{i}", unlimited_uses=True)

    faulty = fixtures.up_under_faults(make_stack(many, workspace=ws, stack="faults"), akua, seed=9)
    notes = sorted(o.get("notes", "") for o in _active(api, ws).values())
    assert notes == ["offer-0", "offer-1", "offer-2"]
    fixtures.assert_converged_and_destroyed(faulty, lambda: _active(api, ws))

    # 6. Bad input fails at preview naming the property, with no write.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: Offer("bad", **{"product_id": product, **kw}),
        {
            "product_id": {"product_id": None},
            "allowed_emails": {"allowed_emails": ["not-an-email"]},
            "customer": {"customer": {"display_name": ""}},
            "pricing_request": {"pricing_request": {"currency": "gbp", "unit_amount": 1, "interval": "month"}},
            "max_uses": {"max_uses": 10001},
            "order_ttl_minutes": {"order_ttl_minutes": 0},
            "commercial_mode": {"commercial_mode": "free"},
            "field_values": {"field_values": {"replicas": 3}},
        },
    )

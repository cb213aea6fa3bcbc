"""The resource seed formats and parses itself; a dead run's pending creates are found and adopted."""

from __future__ import annotations

import pytest

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources._pending import pending_create_adoptions
from akua_pulumi.resources._seed import Seed


def test_seed_round_trip() -> None:
    text = Seed.format("akua-onboarding", "acme", "Workspace", "acme/main")
    assert text == "akua-onboarding/acme/Workspace/acme/main"
    seed = Seed.parse(text)
    assert seed == Seed("akua-onboarding", "acme", "Workspace", "acme/main")  # a name may hold "/"
    assert seed is not None and str(seed) == text
    for bad in ("", None, "a/b/c", "a//Workspace/x", "/b/Workspace/x"):
        assert Seed.parse(bad) is None, bad


def _creating(seed: str, **inputs: object) -> dict[str, object]:
    return {"type": "creating", "resource": {"urn": f"urn:{seed}", "inputs": {"akua_seed": seed, **inputs}}}


def test_pending_creates_are_adopted_by_natural_key(
    akua: LocalServer, api: AkuaClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKUA_API_URL", akua.api_url)
    monkeypatch.setenv("AKUA_API_TOKEN", akua.owner_token)
    made = api.post("/workspaces", json={"name": "Acme", "slug": "acme-made"})
    seed = Seed.format("p", "acme", "Workspace", "acme")
    notes: list[str] = []
    pending = [
        _creating(seed, name="Acme", slug="acme-made"),  # the dead run made it: adopt
        _creating(Seed.format("p", "acme", "Workspace", "other"), name="Other", slug="never-made"),  # create again
        {**_creating(Seed.format("p", "acme", "Workspace", "upd"), name="A", slug="acme-made"), "type": "updating"},
        _creating(Seed.format("p", "acme", "NoSuchResource", "x")),
        _creating("not-a-seed", slug="acme-made"),
    ]
    assert pending_create_adoptions(pending, notes.append) == {seed: made["id"]}
    assert notes == [f"pending create urn:{seed}: adopting {made['id']}"]

"""The bundled contract is the shared v4 one (API.md §7), byte for byte, and a valid OpenAPI 3.1 document."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from akua_pulumi.contract import contract

SHARED = Path(__file__).resolve().parents[2] / "shared" / "akua-api" / "openapi-v4.json"


def _bundled() -> bytes:
    return resources.files("akua_pulumi").joinpath("openapi.json").read_bytes()


def test_bundled_contract_matches_shared() -> None:
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not beside this checkout")
    assert _bundled() == SHARED.read_bytes()


def test_bundled_contract_is_valid_openapi() -> None:
    from openapi_spec_validator import validate

    validate(json.loads(_bundled()))
    assert len(contract().operations) == 173

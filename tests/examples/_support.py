"""Shared by the tests that run the examples/ projects: where they are, and their akua-local seed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from akua_pulumi.local import LocalServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def seed_examples(akua: LocalServer) -> dict[str, str]:
    """Run examples/seed_akua_local.py's ``seed`` (a seller with a published product, two users)."""
    spec = importlib.util.spec_from_file_location("seed_akua_local", EXAMPLES / "seed_akua_local.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ids: dict[str, str] = module.seed(akua.api_url, akua.owner_token)
    return ids

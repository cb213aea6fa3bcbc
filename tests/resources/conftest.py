"""Resource tests: fixtures come from akua_pulumi.testing.fixtures (see tests/conftest.py)."""

from __future__ import annotations

import pytest

from akua_pulumi.client import AkuaClient
from akua_pulumi.testing.fixtures import CallCounter

__all__ = ["CallCounter"]

pytestmark = pytest.mark.e2e


@pytest.fixture
def workspace_id(api: AkuaClient) -> str:
    """A workspace created through the API, for workspace-scoped resources."""
    return str(api.post("/workspaces", json={"name": "Test Workspace", "slug": "test-ws"})["id"])

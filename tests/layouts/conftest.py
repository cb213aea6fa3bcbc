"""Layout tests: the ``seller`` fixture comes from the plugin; here, some users."""

from __future__ import annotations

import pytest

from akua_pulumi.local import LocalServer
from akua_pulumi.testing.fixtures import Seller

__all__ = ["Seller"]

pytestmark = pytest.mark.e2e


@pytest.fixture
def users(akua: LocalServer) -> list[str]:
    return [akua.admin.create_user(f"User {i}", f"user{i}@example.com")["id"] for i in range(3)]

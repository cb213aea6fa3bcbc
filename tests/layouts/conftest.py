"""Layout tests: a seller workspace with a marketplace-published product, and some users."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer

pytestmark = pytest.mark.e2e


@dataclass
class Seller:
    workspace_id: str
    package_id: str
    product_id: str


@pytest.fixture
def seller(api: AkuaClient, akua: LocalServer) -> Seller:
    """The seller's platform workspace with one published product (arranged through the API)."""
    ws = api.post("/workspaces", json={"name": "Seller Platform", "slug": "seller-platform"})["id"]
    akua.admin.publish_artifact("oci://registry.local/charts/grafana", "1.0.0", "sha256:aaa", {"type": "object"})
    scoped = api.for_workspace(ws)
    pkg = scoped.post(
        "/packages:import",
        json={
            "name": "grafana",
            "oci_ref": "oci://registry.local/charts/grafana",
            "version": {"semver": "1.0.0", "ref": "sha256:aaa", "input_schema": {"type": "object"}},
        },
    )
    product = scoped.post(
        "/products",
        json={
            "name": "Grafana",
            "package_id": pkg["id"],
            "package_version_pin": {"kind": "latest"},
            "marketplace": {"published": True},
        },
    )
    return Seller(ws, pkg["id"], product["id"])


@pytest.fixture
def users(akua: LocalServer) -> list[str]:
    return [akua.admin.create_user(f"User {i}", f"user{i}@example.com")["id"] for i in range(3)]

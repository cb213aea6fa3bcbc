"""Arrange a seller on akua-local: what customers install (used by tests, examples and benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass

from ..client import AkuaClient
from .admin import LocalAdmin

__all__ = ["Seller", "arrange_seller"]


@dataclass(frozen=True)
class Seller:
    """A seller's workspace, the package it imported and the product it publishes."""

    workspace_id: str
    package_id: str
    product_id: str


def arrange_seller(
    api: AkuaClient, admin: LocalAdmin, slug: str = "seller-platform", name: str = "Seller Platform"
) -> Seller:
    """Through the API (plus akua-local's artifact registry): a workspace, a package imported from a
    published OCI artifact, and a product published on the marketplace that customers can install."""
    workspace = api.post("/workspaces", json={"name": name, "slug": slug})["id"]
    oci_ref, semver, ref = f"oci://registry.local/{slug}/app", "1.0.0", f"sha256:{slug}"
    admin.publish_artifact(oci_ref, semver, ref, {"type": "object"})
    scoped = api.for_workspace(workspace)
    version = {"semver": semver, "ref": ref, "input_schema": {"type": "object"}}
    package = scoped.post("/packages:import", json={"name": "app", "oci_ref": oci_ref, "version": version})["id"]
    product = scoped.post(
        "/products",
        json={
            "name": "App",
            "package_id": package,
            "package_version_pin": {"kind": "latest"},
            "marketplace": {"published": True},
        },
    )["id"]
    return Seller(workspace, package, product)

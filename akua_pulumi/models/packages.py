"""Packages, versions and products."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ._base import Page, RequestBody, Resource

__all__ = [
    "ArchiveProductBody",
    "CreatePackageBody",
    "CreatePackageHelmSource",
    "CreatePackageVersionBody",
    "CreateProductBody",
    "ImportPackageBody",
    "LatestPin",
    "Package",
    "PackageList",
    "PackageVersion",
    "PackageVersionList",
    "PackageVersionPin",
    "PinnedPin",
    "Product",
    "ProductList",
    "ProductMarketplace",
    "ProductPackage",
    "UnarchiveProductBody",
    "UpdateProductBody",
]


class LatestPin(RequestBody):
    """``{kind: latest}``: follow the newest published version."""

    always = frozenset({"kind"})
    kind: Literal["latest"] = "latest"


class PinnedPin(RequestBody):
    """``{kind: pinned, version: <semver>}``."""

    always = frozenset({"kind"})
    kind: Literal["pinned"] = "pinned"
    version: str = Field(min_length=1, max_length=128)


#: PackageVersionPin / InstallPackageVersionPin (identical shapes).
PackageVersionPin = Annotated[LatestPin | PinnedPin, Field(discriminator="kind")]


class Package(Resource):
    contract_schema = "Package"
    id: str
    html_url: str
    workspace_id: str
    name: str
    latest_version_id: str
    description: str | None
    display_image_url: str | None
    #: ``{kind: hosted, repository_id}`` or ``{kind: oci, oci_ref}``
    source: dict[str, Any]
    composed_from_sources: list[dict[str, Any]] | None = None
    created_at: int
    etag: str | None = None


class PackageList(Page[Package]):
    contract_schema = "PackageList"


class PackageVersion(Resource):
    contract_schema = "PackageVersion"
    id: str
    package_id: str
    semver: str
    ref: str
    input_schema: dict[str, Any]
    published_at: int
    created_at: int
    etag: str | None = None


class PackageVersionList(Page[PackageVersion]):
    contract_schema = "PackageVersionList"


class ProductPackage(Resource):
    id: str
    version_pin: dict[str, Any]
    default_version_id: str | None


class Product(Resource):
    contract_schema = "Product"
    id: str
    html_url: str
    name: str
    workspace_id: str
    package: ProductPackage
    custom_image: str | None = None
    custom_description: str | None = None
    #: ``{published: bool}`` or ``None`` (unlisted)
    marketplace: dict[str, Any] | None
    created_at: int
    updated_at: int
    etag: str
    state: str  # active | archived
    archived_at: int | None = None
    archive_reason: str | None = None


class ProductList(Page[Product]):
    contract_schema = "ProductList"


# -- request bodies ---------------------------------------------------------------------------


class CreatePackageHelmSource(RequestBody):
    contract_schema = "CreatePackageHelmSource"
    kind: Literal["helm"] = "helm"
    repo_url: str = Field(max_length=2048)
    chart: str | None = Field(default=None, max_length=255)
    target_revision: str = Field(min_length=1, max_length=256)
    path: str | None = Field(default=None, max_length=2048)
    values: dict[str, Any] | None = None
    always = frozenset({"kind"})


class CreatePackageBody(RequestBody):
    contract_schema = "CreatePackageBody"
    name: str
    display_image_url: str | None = None
    sources: list[CreatePackageHelmSource] = Field(min_length=1, max_length=1)


class CreatePackageVersionBody(RequestBody):
    contract_schema = "CreatePackageVersionBody"
    semver: str = Field(min_length=1, max_length=128)
    ref: str = Field(min_length=1, max_length=512)
    input_schema: dict[str, Any]
    #: camelCase keys as in the contract: ``clusterTypes``, ``kubernetes``, ``placement``, ``kaas``
    compatibility: dict[str, Any] | None = None


class ImportPackageBody(RequestBody):
    contract_schema = "ImportPackageBody"
    name: str
    description: str | None = None
    display_image_url: str | None = None
    oci_ref: str
    version: CreatePackageVersionBody


class ProductMarketplace(RequestBody):
    contract_schema = "ProductMarketplace"
    published: bool


class CreateProductBody(RequestBody):
    contract_schema = "CreateProductBody"
    name: str = Field(min_length=2, max_length=64)
    package_id: str
    package_version_pin: PackageVersionPin
    custom_image: str | None = None
    custom_description: str | None = Field(default=None, max_length=500)
    marketplace: ProductMarketplace | None = None


class UpdateProductBody(RequestBody):
    contract_schema = "UpdateProductBody"
    nullable = frozenset({"custom_image", "custom_description"})
    name: str | None = Field(default=None, min_length=2, max_length=64)
    package_version_pin: PackageVersionPin | None = None
    custom_image: str | None = None
    custom_description: str | None = Field(default=None, max_length=500)
    marketplace: ProductMarketplace | None = None


class ArchiveProductBody(RequestBody):
    contract_schema = "ArchiveProductBody"
    cascade_offers: bool | None = None
    archive_reason: str | None = Field(default=None, max_length=500)


class UnarchiveProductBody(RequestBody):
    contract_schema = "products.unarchive request"

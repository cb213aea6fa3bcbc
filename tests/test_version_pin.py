"""One package-version pin: Install and Product declare ``version`` with the same wire shape and rule."""

from __future__ import annotations

import pytest

from akua_pulumi.resources import Install, Product
from akua_pulumi.resources._fields import from_pin, to_pin, version_problem


@pytest.mark.parametrize("resource", [Install, Product])
def test_version_is_sent_and_read_as_a_pin(resource: type) -> None:
    field = resource.provider_class.field_map()["version"]
    assert field.wire_name == "package_version_pin"
    assert field.encode is not None and field.decode is not None
    assert field.encode("latest") == {"kind": "latest"}
    assert field.encode("1.2.3") == {"kind": "pinned", "version": "1.2.3"}
    assert field.decode(field.encode("1.2.3")) == "1.2.3"


@pytest.mark.parametrize("version", ["latest", "1.2.3", "0.1.0-rc.1+build.5"])
def test_good_versions(version: str) -> None:
    assert version_problem(version) is None
    assert from_pin(to_pin(version)) == version


@pytest.mark.parametrize("version", ["v1.2.3", "1.2", "7.x", ""])
def test_install_and_product_refuse_a_bad_version_alike(version: str) -> None:
    product = Product.provider_class.field_map()["version"].validate(version)
    install = dict(Install.provider_class().validate({"package_id": "pkg_1", "version": version, "region_id": "r"}))
    assert product == install["version"] == version_problem(version)
    assert product is not None and repr(version) in product

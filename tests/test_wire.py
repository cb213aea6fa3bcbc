"""Request bodies and read-back from field declarations (``akua_pulumi.resources._wire``), and the one
schema walker in ``akua_pulumi.contract`` they take constraints from."""

from __future__ import annotations

import pytest

from akua_pulumi.contract import contract
from akua_pulumi.resources._fields import OMIT, Field, Kind
from akua_pulumi.resources._wire import create_body, project, put, read, update_body
from akua_pulumi.resources.compute_config import ComputeConfigProvider
from akua_pulumi.resources.product import ProductProvider
from akua_pulumi.stripe.price import StripePriceProvider


def _pin(version: str) -> dict[str, str]:
    return {"kind": "latest"} if version == "latest" else {"kind": "pinned", "version": version}


FIELDS = (
    Field.create_only("name", str, "Name."),
    Field.create_only("region", str, "A path segment.", send="never"),
    Field.create_only("interval", str, "Nested.", wire="recurring.interval"),
    Field.create_only("price", str, "In a list.", wire="items.0.price"),
    Field.create_only("quantity", int, "In a list.", wire="items.0.quantity"),
    Field.updatable("version", str, "Encoded.", wire="pin", encode=_pin, read="pin", decode=lambda p: p.get("version")),
    Field.updatable("note", str, "Cleared as null."),
    Field.updatable("flag", bool, "Removal sends nothing.", cleared=OMIT),
    Field.updatable("alias", str, "Sent on update only.", send="update"),
    Field.output("state", str, "Output."),
)


def test_put_and_read_make_and_follow_nested_shapes() -> None:
    body: dict[str, object] = {}
    put(body, ("items", 0, "price"), "p1")
    put(body, ("items", 0, "quantity"), 2)
    put(body, ("recurring", "interval"), "month")
    assert body == {"items": [{"price": "p1", "quantity": 2}], "recurring": {"interval": "month"}}
    assert read(body, ("items", 0, "quantity")) == (True, 2)
    assert read(body, ("items", 1, "price")) == (False, None)
    assert read(body, ("recurring", "count")) == (False, None)


def test_create_body_sends_set_fields_sent_on_create_in_their_shape() -> None:
    inputs = {"name": "n", "region": "r", "interval": "month", "price": "p", "quantity": 1, "version": "1.2.3"}
    assert create_body(FIELDS, {**inputs, "note": None, "alias": "a", "state": "x"}) == {
        "name": "n",
        "recurring": {"interval": "month"},
        "items": [{"price": "p", "quantity": 1}],
        "pin": {"kind": "pinned", "version": "1.2.3"},
    }


def test_update_body_sends_the_changed_fields_and_clears_removed_ones() -> None:
    inputs = {"version": "latest", "note": None, "flag": None, "alias": "a", "name": "n"}
    changed = {"version", "note", "flag", "alias", "name"}
    assert update_body(FIELDS, inputs, changed) == {"pin": {"kind": "latest"}, "note": None, "alias": "a"}
    assert update_body(FIELDS, inputs, {"note"}, clear_value="") == {"note": ""}
    assert update_body(FIELDS, inputs, set()) == {}


def test_project_reads_declared_paths_and_decodes() -> None:
    obj = {"name": "n", "pin": {"kind": "pinned", "version": "2.0.0"}, "state": "ok", "items": [{"price": "p"}]}
    assert project(FIELDS, obj) == {"name": "n", "version": "2.0.0", "state": "ok"}
    by_wire = project(FIELDS, obj, by_wire=True)
    assert by_wire["price"] == "p" and "quantity" in by_wire and by_wire["quantity"] is None  # parent shown
    assert "interval" not in by_wire  # no recurring object at all: keep what is known
    absent = project(FIELDS, {"name": "n"}, absent_is_none=True)
    assert absent["note"] is None and absent["state"] is None


def test_send_is_checked_and_defaults_from_the_kind() -> None:
    with pytest.raises(ValueError, match="send must be one of"):
        Field.updatable("x", str, "X.", send="sometimes")
    assert Field.create_only("a").sent_on == {"create"}
    assert Field.updatable("a").sent_on == {"create", "update"}
    assert Field.output("a").sent_on == frozenset() and Field("a", Kind.OPTION).sent_on == frozenset()


def test_normalize_and_replace_if_drive_check_and_diff() -> None:
    provider = ComputeConfigProvider()
    olds = {"name": "c", "provider_config": {"region": "fsn1", "image": "u"}}
    grown = provider.diff("id", olds, {**olds, "provider_config": {"region": "fsn1", "image": "u", "x": "1"}})
    shrunk = provider.diff("id", olds, {**olds, "provider_config": {"region": "fsn1"}})
    assert grown.changes and not grown.replaces
    assert shrunk.replaces == ["provider_config"]
    lower = Field.updatable("email", str, "E.", normalize=str.lower)
    assert lower.normalized("A@B.C") == "a@b.c" and lower.normalized(None) is None


def test_declared_shapes_of_real_resources() -> None:
    body = ProductProvider().create_body({"name": "p", "package_id": "pkg", "version": "1.0.0", "workspace_id": "ws"})
    assert body == {"name": "p", "package_id": "pkg", "package_version_pin": {"kind": "pinned", "version": "1.0.0"}}
    price = StripePriceProvider().create_body(
        {"product_id": "prod", "unit_amount": 5, "currency": "usd", "interval": "month", "interval_count": 1}
    )
    assert price["product"] == "prod" and price["recurring"] == {"interval": "month", "interval_count": 1}


def test_the_schema_walker_finds_nested_request_properties() -> None:
    c = contract()
    name = c.request_property(("products.create",), ("name",))
    assert name is not None and name.get("type") == "string"
    assert c.request_property(("products.create",), ("no_such_field",)) is None
    published = c.request_property(("products.update",), ("marketplace", "published"))
    assert published is not None and published.get("type") == "boolean"
    with pytest.raises(KeyError, match="no operation"):
        c.request_property(("nope.create",), ("name",))

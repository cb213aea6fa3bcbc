"""The customers file: YAML and JSON, strict and lenient parsing, clear per-customer errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from akua_pulumi.automation.customers import (
    Customer,
    CustomersFileError,
    InvalidCustomer,
    load_customers,
    parse_customers,
    parse_customers_file,
    read_customers_file,
)

GOOD_YAML = textwrap.dedent(
    """
    defaults:
      region: {name: eu-west}
      members:
        - {user_id: usr_ops, role: admin}
    customers:
      - id: acme
        name: Acme Corp
        slug: acme-corp
        members:
          - {user_id: usr_1, role: admin}
          - {user_id: usr_2}
        cluster: {name: acme-prod, network_profile: mixed_os_calico}
        installs:
          - {product_id: prd_grafana}
          - {package_id: pkg_redis, version: 7.2.4, name: cache}
        api_token: {name: ci, expires_at: "2027-01-01T00:00:00Z"}
        managing_organization_id: org_parent
        tier: pro
        extra: {support: gold}
      - id: globex
        name: Globex
        region: {name: us-east, icon: "https://flags.example/us.svg"}
    """
)


def _customer(**over: object) -> dict[str, object]:
    return {"id": "acme", "name": "Acme", "region": {"name": "eu"}, **over}


def test_good_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "customers.yaml"
    path.write_text(GOOD_YAML)
    acme, globex = load_customers(path)

    assert acme.id == "acme" and acme.slug == "acme-corp"
    assert [(m.user_id, m.role) for m in acme.members] == [("usr_1", "admin"), ("usr_2", "member")]
    assert acme.region.name == "eu-west"  # from defaults
    assert acme.cluster is not None and acme.cluster.network_profile == "mixed_os_calico"
    assert acme.installs[0].product_id == "prd_grafana"
    assert (acme.installs[1].package_id, acme.installs[1].version, acme.installs[1].name) == (
        "pkg_redis",
        "7.2.4",
        "cache",
    )
    assert acme.api_token is not None and acme.api_token.expires_at is not None
    assert acme.api_token.expires_at.year == 2027
    assert acme.managing_organization_id == "org_parent"
    assert acme.tier == "pro" and acme.extra == {"support": "gold"}

    # defaults fill what the customer leaves out; the customer's own value wins
    assert globex.region.name == "us-east" and globex.region.icon == "https://flags.example/us.svg"
    assert [(m.user_id, m.role) for m in globex.members] == [("usr_ops", "admin")]
    assert globex.cluster is None and globex.installs == () and globex.api_token is None


def test_json_file_is_equivalent(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(GOOD_YAML)
    path = tmp_path / "customers.json"
    path.write_text(json.dumps(data))
    assert load_customers(path) == parse_customers(data)


def test_member_role_default_is_the_declared_one() -> None:
    """MemberArgs.role's default, and so the file's, is WorkspaceMember's declared one (no copy)."""
    from akua_pulumi.components import specs
    from akua_pulumi.resources import WorkspaceMember

    declared = WorkspaceMember.provider_class.field_map()["role"].default
    assert specs.MemberArgs(user_id="u").role == declared == "member"
    (customer,) = parse_customers({"customers": [_customer(members=[{"user_id": "u"}])]})
    assert [m.role for m in customer.layout_args().members] == [declared]
    assert specs.declared_default(WorkspaceMember, "role") is declared


def test_bad_role_names_customer_and_field() -> None:
    data = {
        "customers": [
            _customer(id="a"),
            _customer(id="b"),
            _customer(id="c"),
            _customer(members=[{"user_id": "u1", "role": "owner"}]),
        ]
    }
    with pytest.raises(CustomersFileError) as info:
        parse_customers(data)
    role = "role must be one of 'admin', 'member', got 'owner'"
    assert info.value.errors == [f"customers[3] (acme): members[0].role: {role}"]
    assert str(info.value) == f"customers[3] (acme): members[0].role: {role}"


def test_duplicate_ids_are_rejected_even_leniently(tmp_path: Path) -> None:
    data = {"customers": [_customer(), _customer(id="other"), _customer(name="Acme again")]}
    with pytest.raises(CustomersFileError, match=r"customers\[2\] \(acme\): id: duplicate of customers\[0\]"):
        parse_customers(data)
    path = tmp_path / "dupes.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CustomersFileError, match="duplicate"):
        read_customers_file(path)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"name": "No id", "region": {"name": "eu"}}, "customers[0]: id: is required"),
        (_customer(id="Acme Corp"), "customers[0] (Acme Corp): id: must be a lowercase slug"),
        (_customer(name=""), "customers[0] (acme): name: name must be at least 1 characters"),
        (_customer(name="x" * 101), "customers[0] (acme): name: name must be at most 100 characters"),
        (_customer(slug="ab"), "customers[0] (acme): slug: slug must be at least 3 characters"),
        (_customer(region=None), "customers[0] (acme): region"),
        (_customer(tier="gold"), "customers[0] (acme): tier: tier must be one of 'free', 'pro', 'enterprise'"),
        (
            _customer(cluster={"name": "c", "network_profile": "private"}),
            "customers[0] (acme): cluster.network_profile: network_profile must be one of",
        ),
        (
            _customer(installs=[{"package_id": "p", "version": "7.x"}]),
            "customers[0] (acme): installs[0]: version must be 'latest' or a SemVer 2.0 version",
        ),
        (
            _customer(installs=[{}]),
            "customers[0] (acme): installs[0]: set exactly one of product_id (product install) or package_id",
        ),
        (
            _customer(installs=[{"product_id": "a", "package_id": "b", "version": "1.0.0"}]),
            "customers[0] (acme): installs[0]: set exactly one of product_id (product install) or package_id",
        ),
        (
            _customer(cluster={"name": "c", "import_kubeconfig": "apiVersion: v1"}),
            "customers[0] (acme): cluster.import_kubeconfig: unknown field",
        ),
        (
            _customer(api_token={"name": "t", "expires_at": -5}),
            "customers[0] (acme): api_token.expires_at: expires_at must be >= 0",
        ),
        (_customer(colour="red"), "customers[0] (acme): colour: unknown field"),
        (
            _customer(api_token={"name": "t", "expires_at": "soon"}),
            "customers[0] (acme): api_token.expires_at",
        ),
        (
            _customer(members=[{"user_id": "u"}, {"user_id": "u", "role": "admin"}]),
            "customers[0] (acme): members: user 'u' is listed twice",
        ),
        ("just a string", "customers[0]: must be a mapping"),
    ],
)
def test_field_errors(entry: object, expected: str) -> None:
    with pytest.raises(CustomersFileError) as info:
        parse_customers({"customers": [entry]})
    assert any(e.startswith(expected) for e in info.value.errors), info.value.errors


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "top level must be a mapping"),
        ({}, "customers: is required"),
        ({"customers": {"acme": {}}}, "customers: is required and must be a list"),
        ({"customers": [], "extras": 1}, "extras: unknown top-level key"),
        ({"customers": [], "defaults": {"id": "x"}}, "defaults.id: cannot be given a default"),
    ],
)
def test_file_level_errors(data: object, expected: str) -> None:
    with pytest.raises(CustomersFileError, match=expected):
        parse_customers_file(data)


def test_lenient_parse_keeps_valid_customers_in_order() -> None:
    data = {
        "customers": [
            _customer(id="a"),
            _customer(id="b", members=[{"user_id": "u", "role": "boss"}]),
            _customer(id="c"),
        ]
    }
    parsed = parse_customers_file(data)
    assert [c.id for c in parsed.customers] == ["a", "c"]
    [bad] = parsed.invalid
    role = "role must be one of 'admin', 'member', got 'boss'"
    assert bad == InvalidCustomer(1, "b", (f"customers[1] (b): members[0].role: {role}",))
    assert [e.id if isinstance(e, Customer) else e.label for e in parsed.entries] == ["a", "b", "c"]


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(CustomersFileError, match="cannot read"):
        load_customers(tmp_path / "missing.yaml")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("customers:\n  - id: a\n   name: b\n")
    with pytest.raises(CustomersFileError, match="invalid YAML at line"):
        load_customers(bad_yaml)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"customers": [}')
    with pytest.raises(CustomersFileError, match="invalid JSON at line 1"):
        load_customers(bad_json)

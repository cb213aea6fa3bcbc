"""The role table (akua_pulumi.roles) is the contract's: one row per operation, one permission per oneOf member."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.contract import contract
from akua_pulumi.roles import (
    PERMISSIONS,
    ROLE_KINDS,
    ROLE_TABLE,
    RoleRule,
    cancel_role,
    permits,
    required_role,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "akua-api"


def _spec(name: str) -> dict[str, Any]:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not beside this checkout")
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _operation_ids(doc: dict[str, Any]) -> set[str]:
    return {
        op["operationId"]
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def test_table_covers_exactly_the_v4_operations() -> None:
    assert set(ROLE_TABLE) == _operation_ids(_spec("openapi-v4.json"))
    assert len(ROLE_TABLE) == 173


def test_table_covers_the_bundled_contract() -> None:
    assert {op.operation_id for op in contract()} <= set(ROLE_TABLE)


def test_every_rule_names_a_known_role_and_a_reason() -> None:
    for op, rule in ROLE_TABLE.items():
        assert rule.operation_id == op
        assert rule.role in ROLE_KINDS, rule
        assert rule.note, op


def test_rows_that_the_issue_names() -> None:
    assert required_role("clusters.delete").role == "owner"
    assert required_role("secrets.create").role == "admin"
    assert required_role("secrets.accessVersion").role == "admin"
    assert required_role("workspaces.changeSubscriptionTier").role == "owner"
    assert required_role("installs.create").role == "member"
    assert required_role("workspaces.create").role == "user"
    assert required_role("offers.resolve").role == "anonymous"
    assert required_role("workspaces.removeMember") == RoleRule(
        "workspaces.removeMember", "admin", True, required_role("workspaces.removeMember").note
    )
    assert required_role("organizations.updateMemberRole").scope == "organization"


def test_unknown_operation_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match=r"no role-table row for operationId 'clusters\.explode'"):
        required_role("clusters.explode")


@pytest.mark.parametrize(
    ("caller", "needed", "ok"),
    [
        ("owner", "clusters.delete", True),
        ("admin", "clusters.delete", False),
        ("member", "installs.create", True),
        ("none", "installs.create", False),
        ("member", "secrets.create", False),
        ("admin", "secrets.create", True),
    ],
)
def test_permits_ranks_roles(caller: str, needed: str, ok: bool) -> None:
    assert permits(caller, required_role(needed)) is ok


def test_cancel_needs_the_role_of_the_write() -> None:
    assert cancel_role("cluster.delete") == "owner"
    assert cancel_role("install.create") == "member"
    assert cancel_role("install.render") == "admin"
    union = _spec("openapi-v3.json")["components"]["schemas"]["OperationMetadata"]["oneOf"]
    for member in union:
        assert cancel_role(member["properties"]["type"]["enum"][0]) in ("member", "admin", "owner")


def test_permissions_are_the_v3_explain_union() -> None:
    schemas = _spec("openapi-v3.json")["components"]["schemas"]
    shapes = schemas["ExplainAccessDecisionBody"]["oneOf"]
    assert len(shapes) == 40
    assert {s["properties"]["permission"]["enum"][0] for s in shapes} == set(PERMISSIONS)
    for shape in shapes:
        perm = PERMISSIONS[shape["properties"]["permission"]["enum"][0]]
        resource = shape["properties"]["resource"]
        if "$ref" in resource:
            assert perm.resource_schema == resource["$ref"].rsplit("/", 1)[1]
            resource = schemas[perm.resource_schema]
        assert set(perm.required) == set(resource.get("required", [])), perm.name
        assert set(perm.required) | set(perm.optional) == set(resource["properties"]), perm.name
        assert perm.resource_required == ("resource" in shape["required"]), perm.name
        assert perm.accepts_context == ("context" in shape["properties"]), perm.name
        if perm.workspace_field:
            assert perm.workspace_field in perm.required, perm.name
        assert perm.rule.role in ("member", "admin", "owner"), perm.name
        assert perm.label


def test_table_matches_api_md_row_by_row() -> None:
    """Every row of API.md §6.3 (the prose the table was written from) gives the same minimum role."""
    path = SHARED / "API.md"
    if not path.exists():
        pytest.skip(f"{path} is not beside this checkout")
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| family | operationIds"))
    seen: set[str] = set()
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        role_text = cells[2]
        self_allowed = role_text.endswith(", or own")
        role = role_text.removesuffix(", or own").split(";")[0].split(" of the offer")[0]
        if role.startswith("the role of the write"):
            role = "member"  # operations.cancel: membership, plus the write's role (cancel_role)
        for op in re.findall(r"`([A-Za-z]+\.[A-Za-z]+)`", cells[1]):
            rule = ROLE_TABLE[op]
            assert (rule.role, rule.self_allowed) == (role, self_allowed), (op, role_text, rule)
            seen.add(op)
    assert seen == set(ROLE_TABLE)

"""The declarations are the one source: constraints come from the contract, our choices are marked."""

from __future__ import annotations

import pytest

from akua_pulumi import rules
from akua_pulumi.resources import ALL_RESOURCES, Workspace, WorkspaceMember
from akua_pulumi.resources._fields import Field
from akua_pulumi.resources._provider import AkuaProvider


@pytest.mark.parametrize("cls", ALL_RESOURCES, ids=lambda c: c.__name__)
def test_constraints_have_one_source(cls: type) -> None:
    """No hand-written constraint copies the contract; the rest are marked ours=True."""
    assert cls.provider_class.declaration_problems() == []


@pytest.mark.parametrize("cls", ALL_RESOURCES, ids=lambda c: c.__name__)
def test_contract_ops_exist(cls: type) -> None:
    from akua_pulumi.contract import contract

    missing = [op for op in getattr(cls.provider_class, "contract_ops", ()) if op not in contract().operations]
    assert not missing


def test_constraints_are_taken_from_the_contract() -> None:
    name = Workspace.provider_class.field_map()["name"]
    assert (name.min_length, name.max_length) == (1, 100)
    assert name.from_contract == {"min_length", "max_length"}
    role = WorkspaceMember.provider_class.field_map()["role"]
    assert role.choices == ("admin", "member")


def test_slug_rule_is_shared_with_akua_local() -> None:
    slug = Workspace.provider_class.field_map()["slug"]
    assert slug.pattern == rules.SLUG_PATTERN
    assert slug.our_constraints == {"pattern": rules.SLUG_PATTERN}
    assert (slug.min_length, slug.max_length) == (rules.SLUG_MIN, rules.SLUG_MAX)


@pytest.mark.parametrize(
    ("cls", "news", "field", "words"),
    [
        (Workspace, {"name": "ok", "slug": "Bad_Slug!"}, "slug", "pattern"),
        (Workspace, {"name": "x" * 101}, "name", "at most 100"),
        (WorkspaceMember, {"user_id": "usr_1", "role": "boss", "workspace_id": "ws_1"}, "role", "one of"),
    ],
)
def test_check_rejects_bad_values_naming_the_field(cls: type, news: dict, field: str, words: str) -> None:
    result = cls.provider_class().check({}, news)
    failures = {f.property: f.reason for f in result.failures}
    assert field in failures and words in failures[field]


def test_a_hand_written_copy_of_a_contract_constraint_is_reported() -> None:
    class Copying(AkuaProvider):
        type_name = "test:Copying"
        workspace_scoped = False
        contract_ops = ("workspaces.create",)
        fields = (Field.updatable("name", str, "Name.", max_length=100), Field.updatable("x", str, "X.", max_length=3))

    problems = Copying.declaration_problems()
    assert any("test:Copying.name" in p and "contract states" in p for p in problems)
    assert any("test:Copying.x" in p and "ours=True" in p for p in problems)

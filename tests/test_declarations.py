"""The declarations are the one source: constraints come from the contract, our choices are marked."""

from __future__ import annotations

import dataclasses
import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi import rules
from akua_pulumi.resources import ALL_RESOURCES, Workspace, WorkspaceMember
from akua_pulumi.resources._fields import Field
from akua_pulumi.resources._provider import AkuaProvider
from akua_pulumi.resources._resource import AkuaResource
from akua_pulumi.resources._surface import constructor_fields, render_class, render_module


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


# -- the typed surface is derived ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str) -> Any:
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), str(ROOT / "scripts" / name))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_generated_surface_is_fresh() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-resources"), "--check"], capture_output=True)
    assert result.returncode == 0, f"run scripts/gen-resources\n{result.stdout.decode()}"


def test_every_resource_has_a_derived_surface() -> None:
    from akua_pulumi.resources import _generated
    from akua_pulumi.stripe import ALL_STRIPE_RESOURCES
    from akua_pulumi.stripe import _generated as stripe_generated
    from akua_pulumi.stripe._base import StripeResource

    for cls in ALL_STRIPE_RESOURCES:  # another API family: the same surface, on its own base
        base = getattr(stripe_generated, f"{cls.__name__}Base")
        assert base in cls.__mro__ and base.__bases__ == (StripeResource,)
        assert "__init__" not in vars(cls) and not vars(cls).get("__annotations__"), f"{cls.__name__} is hand-written"
    families = [(_generated, ALL_RESOURCES), (stripe_generated, ALL_STRIPE_RESOURCES)]
    for module, resources in families:
        for cls in resources:
            assert f"{cls.__name__}Base" in module.__all__, f"{cls.__name__} has a generated surface"
            assert getattr(module, f"{cls.__name__}Base") in cls.__mro__
            args = getattr(module, f"{cls.__name__}ArgsDict")
            ctor = {f.name for f in constructor_fields(cls.provider_class)}
            assert set(args.__annotations__) == ctor
            assert {f.name for f in dataclasses.fields(getattr(module, f"{cls.__name__}Args"))} == ctor


def test_adding_a_field_is_one_line() -> None:
    """One more Field line: the signature, the Args classes, the docs page and the layouts' check follow."""

    class GadgetProvider(AkuaProvider):
        """Lifecycle of gadgets."""

        type_name = "akua:Gadget"
        workspace_scoped = False
        natural_key = ("name",)
        contract_ops = ("workspaces.create",)
        fields = (
            Field.updatable("name", str, "Gadget name.", required=True),
            Field.create_only("colour", str, "The colour of the gadget.", choices=("red", "blue"), ours=True),
            Field.output("etag", str, "Revision."),
        )

    code = "\n".join(render_class("Gadget", "akua:Gadget", GadgetProvider))
    assert "    colour: NotRequired[pulumi.Input[str] | None]\n" in code  # ArgsDict: the keyword argument
    assert "    colour: pulumi.Input[str] | None = None\n" in code  # Args dataclass
    assert "    colour: pulumi.Output[str | None]\n" in code  # the Output attribute
    assert code.count('"""The colour of the gadget."""') == 3  # each with its description
    assert "    name: Required[pulumi.Input[str]]" in code  # required, constraints from the contract
    assert GadgetProvider.field_map()["name"].max_length == 100
    namespace: dict[str, Any] = {"__name__": "akua_pulumi.resources._gadget", "__package__": "akua_pulumi.resources"}
    exec(compile(render_module([("Gadget", "akua:Gadget", GadgetProvider)]), "<generated>", "exec"), namespace)
    assert "colour" in namespace["GadgetArgsDict"].__annotations__

    class Gadget(AkuaResource, module="akua", name="Gadget"):
        """A gadget."""

        provider_class = GadgetProvider

    page = _script("gen-resource-docs").render_page(Gadget)
    assert (
        "| `colour` | a string | create-only | The colour of the gadget. One of `'red'`, `'blue'` (our choice). |"
        in page
    )
    assert "Changing any of these replaces the resource: `colour`." in page

    # Layouts and the customers file check values through the same Field (field_map), so they follow too.
    failures = {f.property: f.reason for f in GadgetProvider().check({}, {"name": "g", "colour": "green"}).failures}
    assert "colour must be one of 'red', 'blue'" in failures["colour"]


def test_mypy_sees_the_typed_signature(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(
        "import pulumi\n"
        "from akua_pulumi import Workspace\n"
        "from akua_pulumi.resources.workspace import WorkspaceArgs\n"
        "ok = Workspace('a', name='A', slug='a-ws')\n"
        "reveal_type(ok.slug)\n"
        "Workspace('b', args=WorkspaceArgs(name='B'))\n"
        "Workspace('c', name=1)\n"
        "Workspace('d', name='D', colour='red')\n"
        "Workspace('e')\n"
        "Workspace.get('f', 'ws_1')\n"
        "from akua_pulumi.stripe import StripePrice\n"
        "reveal_type(StripePrice('p', product_id='prod_1', unit_amount=100).unit_amount)\n"
        "StripePrice('q', product_id='prod_1', unit_amount='100')\n"
    )
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mypy"), "--no-incremental", "--follow-imports=silent", str(program)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    out = result.stdout
    assert 'Revealed type is "pulumi.output.Output[str]"' in out, out
    assert "prog.py:7: error" in out, out  # wrong type for name
    assert "prog.py:8: error" in out and '"colour"' in out, out  # unknown keyword
    assert "prog.py:9: error" in out, out  # missing required keyword
    assert "name: str | Awaitable[str] | Output[str], slug:" in out, out  # the keywords mypy offers
    assert "prog.py:6:" not in out and "prog.py:10:" not in out, out
    assert 'prog.py:12: note: Revealed type is "pulumi.output.Output[int]"' in out, out  # Stripe, too
    assert "prog.py:13: error" in out, out


def test_every_akua_resource_has_its_call_budget_row() -> None:
    from akua_pulumi.resources._budgets import CALL_BUDGETS

    akua_types = {cls.provider_class().type_name for cls in ALL_RESOURCES}
    akua_types = {t for t in akua_types if t.startswith("akua:") and not t.startswith("akua:stripe:")}
    assert akua_types == set(CALL_BUDGETS)
    for cls in ALL_RESOURCES:
        provider = cls.provider_class()
        if provider.type_name in CALL_BUDGETS:
            assert provider.call_budget is CALL_BUDGETS[provider.type_name], provider.type_name

"""The generated resource pages' claims, read against the declarations they come from.

Each page names the type token the engine really shows (computed from the resource class the way the
Pulumi SDK computes it), and each input row states every rule its field declares: pattern, format,
choices, bounds, and the validator, normalize and replace_if hooks (each in its docstring's words);
its "Rules across fields" section states every rule of the provider's ``validate`` hooks.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pulumi.dynamic as dyn
import pytest

from akua_pulumi.resources import ALL_RESOURCES
from akua_pulumi.resources._fields import Field
from akua_pulumi.resources._lifecycle_base import LifecycleBase
from akua_pulumi.resources._surface import constructor_fields
from akua_pulumi.stripe import ALL_STRIPE_RESOURCES

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = [(cls, ROOT / "docs" / "resources") for cls in ALL_RESOURCES] + [
    (cls, ROOT / "docs" / "stripe-resources") for cls in ALL_STRIPE_RESOURCES
]
IDS = [cls.__name__ for cls, _ in RESOURCES]


def _page(cls: type, folder: Path) -> str:
    return (folder / (cls.__module__.rsplit(".", 1)[-1] + ".md")).read_text()


def _sdk_type(cls: type) -> str:
    """The type the SDK registers: ``dynamic.Resource.__init_subclass__(module=, name=)`` builds
    ``dynamic/<module>:<name>`` and ``__init__`` prefixes ``pulumi-python:``. Recomputed here from the
    class's own declaration (the ``module=`` / ``name=`` keywords), not from the generator."""
    source = inspect.getsource(cls)
    match = re.search(r'module="([^"]*)",\s*name="([^"]*)"', source)
    assert match, f"{cls.__name__} declares no module= / name="
    module, name = match.groups()
    token = f"pulumi-python:dynamic{'/' + module if module else ''}:{name}"
    # The SDK's own computation agrees (a guard against the recomputation drifting from the SDK).
    assert issubclass(cls, dyn.Resource) and token == "pulumi-python:" + cls._resource_type_name
    return token


@pytest.mark.parametrize(("cls", "folder"), RESOURCES, ids=IDS)
def test_page_names_the_type_token_the_engine_shows(cls: Any, folder: Path) -> None:
    text = _page(cls, folder)
    tokens = re.findall(r"^Type token: `([^`]+)`", text, re.M)
    assert tokens == [_sdk_type(cls)], f"{cls.__name__}: page names {tokens}, the engine shows {_sdk_type(cls)}"
    index = (folder / "README.md").read_text()
    row = next(line for line in index.splitlines() if f"[`{cls.__name__}`]" in line)
    assert f"| `{_sdk_type(cls)}` |" in row
    # The friendly name is never offered as the type.
    assert not re.search(rf"^# {re.escape(cls.provider_class.type_name)}$", text, re.M)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _hook_doc(fn: Any) -> str:
    return _cell(inspect.cleandoc(fn.__doc__ or "").replace("``", "`"))


def _claims(f: Field) -> list[str]:
    """What the field's docs row must say, one text per declared rule."""
    claims = []
    for attr, value in f.declared_constraints().items():
        if attr == "choices":
            claims += [f"`{c!r}`" for c in value]
        else:
            claims.append(_cell(f"`{value}`"))
    for hook in (f.validator, f.normalize, f.replace_if):
        if hook is not None:
            assert _hook_doc(hook), f"{f.name}: {hook.__name__} has no docstring stating its rule"
            claims.append(_hook_doc(hook))
    return claims


def _row(text: str, name: str) -> str:
    rows = [line for line in text.splitlines() if line.startswith(f"| `{name}` |")]
    assert rows, f"no row for {name}"
    return rows[0]


@pytest.mark.parametrize(("cls", "folder"), RESOURCES, ids=IDS)
def test_every_declared_rule_is_in_its_fields_row(cls: Any, folder: Path) -> None:
    text = _page(cls, folder)
    missing = []
    for f in constructor_fields(cls.provider_class):
        row = _row(text, f.name)
        missing += [f"{f.name}: {claim}" for claim in _claims(f) if claim not in row]
    assert not missing, f"{cls.__name__} page leaves out declared rules: {missing}"


def test_the_hostname_rule_is_on_the_custom_domain_page() -> None:
    from akua_pulumi.resources.custom_domain import CustomDomain, hostname_problem

    row = _row(_page(CustomDomain, ROOT / "docs" / "resources"), "hostname")
    assert "lower-case DNS name" in row
    assert hostname_problem("Shop.Example.com") is not None and hostname_problem("shop.example.com") is None


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize(("cls", "folder"), RESOURCES, ids=IDS)
def test_every_cross_field_rule_is_in_the_rules_section(cls: Any, folder: Path) -> None:
    section = _cell(_section(_page(cls, folder), "Rules across fields"))
    hooks = [c for c in cls.provider_class.__mro__ if "validate" in c.__dict__ and c is not LifecycleBase]
    for owner in hooks:
        text = inspect.cleandoc(owner.__dict__["validate"].__doc__ or "").replace("``", "`")
        _, _, rules = text.partition("\n\n")
        assert rules.strip(), f"{owner.__name__}.validate: no docstring stating its rules (a summary, then bullets)"
        assert _cell(rules) in section, f"{cls.__name__} page leaves out the rules of {owner.__name__}.validate"
    if not hooks:
        assert section.strip().startswith("None")


def test_a_cross_field_rule_the_page_states_is_the_one_check_applies() -> None:
    from akua_pulumi.resources.custom_domain import CustomDomainProvider

    page = _page(CustomDomainProvider, ROOT / "docs" / "resources")
    assert "* Exactly one target: `install_id`, `cluster_id` or `endpoint`." in page
    two = {"install_id": "inst_1", "cluster_id": "clu_1"}
    assert CustomDomainProvider().validate(two) == [
        ("install_id", "set exactly one target: install_id, cluster_id or endpoint")
    ]

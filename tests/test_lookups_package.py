"""``akua_pulumi.lookups`` shows mypy what it serves at run time: every name of ``__all__`` resolves, the
``TYPE_CHECKING`` block imports exactly ``__all__`` (no star import, which would show mypy the
sub-modules' helpers and imports too) from the module ``__getattr__`` takes it from, and nothing else
resolves. docs/lookups.md says truthfully how each lookup takes its workspace."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi import lookups
from akua_pulumi.lookups._twins import plain_lookups, raw

INIT = Path(lookups.__file__)
DOCS = INIT.parents[2] / "docs" / "lookups.md"
#: The bullets of docs/lookups.md on ``workspace_id``, in order.
KINDS = ("keyword", "own", "required", "none")


def _type_checking_block() -> ast.If:
    """The one ``if TYPE_CHECKING:`` block of ``lookups/__init__.py``."""
    tree = ast.parse(INIT.read_text())
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1, "expected one `if TYPE_CHECKING:` block"
    return blocks[0]


def _type_checking_imports() -> list[tuple[str, str]]:
    """(module, name) of every import in the ``if TYPE_CHECKING:`` block of ``lookups/__init__.py``."""
    blocks = [_type_checking_block()]
    out = []
    for stmt in blocks[0].body:
        assert isinstance(stmt, ast.ImportFrom) and stmt.level == 1, ast.unparse(stmt)
        for alias in stmt.names:
            assert alias.name != "*", f"star import from .{stmt.module}"
            assert alias.asname is None, ast.unparse(stmt)
            out.append((str(stmt.module), alias.name))
    return out


def test_every_public_name_resolves_at_run_time() -> None:
    for name in lookups.__all__:
        assert getattr(lookups, name) is not None, name
    assert sorted(lookups.__all__) == lookups.__all__
    assert len(set(lookups.__all__)) == len(lookups.__all__)


def test_the_type_checking_imports_are_exactly_all() -> None:
    imported = _type_checking_imports()
    names = [name for _, name in imported]
    assert sorted(names) == sorted(lookups.__all__)
    assert len(set(names)) == len(names)
    for module, name in imported:
        home = importlib.import_module(f"akua_pulumi.lookups.{module}")
        assert getattr(home, name) is getattr(lookups, name), f"{name}: mypy sees .{module}'s, run time another"


def test_mypy_does_not_see_the_lazy_getattr() -> None:
    """A module-level ``__getattr__`` makes mypy accept any attribute of the module (``lookups.pulumi``
    too): it is defined in the ``else`` of ``TYPE_CHECKING``, where only the run time sees it."""
    tree = ast.parse(INIT.read_text())
    assert not [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "__getattr__"]
    hidden = [n.name for n in _type_checking_block().orelse if isinstance(n, ast.FunctionDef)]
    assert hidden == ["__getattr__"]


@pytest.mark.parametrize("name", ["RENDER_STATES", "Via", "pulumi", "_stack_config", "_client", "lookup"])
def test_a_name_outside_all_does_not_resolve(name: str) -> None:
    with pytest.raises(AttributeError, match=f"has no attribute {name!r}"):
        getattr(lookups, name)


def _workspace_kind(fn: Callable[..., Any]) -> str:
    """How a plain lookup takes ``workspace_id``: as a keyword of its via, its own optional or required
    parameter, or not at all."""
    params = inspect.signature(raw(fn)).parameters
    if "workspace_id" in params:
        return "own" if params["workspace_id"].default is None else "required"
    return "keyword" if str(params["via"].annotation) == "Unpack[ViaWorkspace]" else "none"


def test_the_docs_say_how_each_lookup_takes_its_workspace() -> None:
    text = DOCS.read_text()
    section = text[text.index("The workspace to look in") : text.index("A misspelt keyword")]
    bullets = section.split("\n* ")[1:]
    documented = {kind: set(re.findall(r"`(get_\w+)", b)) for kind, b in zip(KINDS, bullets, strict=True)}
    actual: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for fn in plain_lookups():
        actual[_workspace_kind(fn)].add(fn.__name__)
    assert documented == actual

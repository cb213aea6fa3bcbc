"""No import cycles in ``akua_pulumi``: the static import graph (read with :mod:`ast`) is acyclic.

The graph's nodes are the package's modules (a package is its ``__init__``). An edge ``A -> B`` is an
import ``A`` runs when it is loaded:

* module level only: imports inside functions (deliberately lazy) and under ``if TYPE_CHECKING:``
  (never run) do not count; those inside module-level ``try``/``if``/``with`` blocks do;
* relative imports are resolved against ``A``'s package;
* importing ``a.b.c`` also imports the packages ``a`` and ``a.b`` (their ``__init__`` runs first), so
  those count too, except ``A``'s own ancestors (already being imported when ``A`` loads);
* ``from a.b import c`` is an import of ``a.b.c`` when ``c`` is a submodule, else of ``a.b``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import akua_pulumi

PACKAGE = Path(akua_pulumi.__file__).resolve().parent
ROOT_NAME = "akua_pulumi"


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _top_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that run when the module loads (not in functions, classes' methods, TYPE_CHECKING)."""
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name != "TYPE_CHECKING":
                stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                stack.extend(block)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            stack.extend(node.body)


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph() -> dict[str, set[str]]:
    """``module -> modules of akua_pulumi it imports at load time``."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _top_level_imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            targets.add(base)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    targets.add(f"{base}.{alias.name}")
        own = set(_ancestors(name))
        for target in targets:
            if not (target == ROOT_NAME or target.startswith(ROOT_NAME + ".")):
                continue
            for dep in [*_ancestors(target), target]:
                if dep in modules and dep != name and dep not in own:
                    graph[name].add(dep)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle (``[a, b, ..., a]``), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def all_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component that has one (for the failure message)."""
    cycles: list[list[str]] = []
    remaining = {k: set(v) for k, v in graph.items()}
    while (cycle := find_cycle(remaining)) is not None:
        cycles.append(cycle)
        remaining[cycle[-2]].discard(cycle[-1])  # cut one edge and look again
    return cycles


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert "akua_pulumi.resources._provider" in graph
    assert "akua_pulumi.errors" in graph["akua_pulumi.client._exceptions"]
    # the implicit import of a package's __init__ counts
    assert "akua_pulumi.client" in graph["akua_pulumi.resources.api_token"]


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    cycles = all_cycles(import_graph())
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_layouts_import_no_billing_family() -> None:
    """Billing plugs into the layouts (``BillingPlan``); ``components`` imports ``stripe`` nowhere, not even lazily."""
    offenders = []
    for path in sorted((PACKAGE / "components").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and "stripe" in (node.module or ""):
                offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Import) and any("stripe" in a.name for a in node.names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []

"""automation/ flows one way: pipeline → plan → executors → stack run, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import akua_pulumi.automation as automation

PACKAGE = "akua_pulumi.automation"
ROOT = Path(automation.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Every automation module and the automation modules it imports (at any depth in its code)."""
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join((PACKAGE, *parts)).removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}".rstrip(".")
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
        graph[name] = {m for m in found if m.startswith(PACKAGE + ".")}
    return {k: {m for m in v if m in graph} for k, v in graph.items()}


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_one_way() -> None:
    graph = _imports()
    upstream = {f"{PACKAGE}.{m}" for m in ("pipeline", "plan", "cli", "temporal", "worker")}
    executors = {m for m in graph if m.startswith(f"{PACKAGE}.executors")}
    assert _reach(graph, f"{PACKAGE}.stack_run") & (upstream | executors) == set()
    for executor in executors:
        assert _reach(graph, executor) & {f"{PACKAGE}.{m}" for m in ("pipeline", "plan", "cli")} == set(), executor
    assert _reach(graph, f"{PACKAGE}.plan") & (executors | {f"{PACKAGE}.stack_run", f"{PACKAGE}.pipeline"}) == set()
    assert {f"{PACKAGE}.plan", f"{PACKAGE}.executors.local"} <= graph[f"{PACKAGE}.pipeline"]
    assert f"{PACKAGE}.stack_run" in graph[f"{PACKAGE}.executors.local"]


def test_no_cycles() -> None:
    graph = _imports()
    cyclic = sorted(m for m in graph if m in _reach(graph, m) and m != PACKAGE)
    assert cyclic == [], cyclic

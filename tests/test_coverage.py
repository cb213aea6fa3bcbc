"""Every contract operation is used by a resource, a lookup or the client, or listed with its reason
(akua_pulumi/_coverage.py, docs/coverage.md); the registries agree with what the library's source calls."""

from __future__ import annotations

import ast
from pathlib import Path

import akua_pulumi
from akua_pulumi import _coverage, lookups
from akua_pulumi.contract import contract
from akua_pulumi.resources import ALL_RESOURCES

PACKAGE = Path(akua_pulumi.__file__).resolve().parent
DOCS = PACKAGE.parent / "docs" / "coverage.md"
LOOKUP_MODULES = tuple(f"lookups/{module}.py" for module in lookups.PLAIN_MODULES)
_METHODS = {"get": "GET", "post": "POST", "patch": "PATCH", "put": "PUT", "delete": "DELETE", "paginate": "GET"}


def _template(node: ast.expr) -> str | None:
    """The path a call's argument names: a literal, ``api_path("<literal>", ...)``, or either + a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/"):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "api_path" and node.args:
        first = node.args[0]
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.right, ast.Constant):
        left = _template(node.left)
        return left + str(node.right.value) if left is not None else None
    return None


def _called(files: list[Path]) -> dict[str, set[str]]:
    """operationId -> the files whose source calls it (``x.get("/path")``, ``x.request("POST", path)``...)."""
    found: dict[str, set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            name, args = node.func.attr, node.args
            if name == "request" and len(args) >= 2 and isinstance(args[0], ast.Constant):
                method, template = str(args[0].value).upper(), _template(args[1])
            elif name in _METHODS:
                method, template = _METHODS[name], _template(args[0])
            else:
                continue
            matched = contract().match(method, template.replace("{}", "x")) if template else None
            if matched:
                found.setdefault(matched[0].operation_id, set()).add(path.name)
    return found


def _library_files() -> list[Path]:
    skip = {"local", "testing"}
    return [p for p in sorted(PACKAGE.rglob("*.py")) if not skip & set(p.relative_to(PACKAGE).parts)]


def _declared_by_resources() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for res in ALL_RESOURCES:
        for ops in res.provider_class.step_operations.values():
            for op in ops:
                out.setdefault(op, set()).add(res.__name__)
    return out


def _used() -> set[str]:
    lookup_ops = {op for ops in _coverage.LOOKUP_OPERATIONS.values() for op in ops}
    return {*_declared_by_resources(), *lookup_ops, *_coverage.LIBRARY_OPERATIONS, *_called(_library_files())}


def test_every_lookup_is_registered_with_its_output_twin() -> None:
    public = {n for n in lookups.__all__ if n.startswith("get_")}
    plain = {n for n in public if not n.endswith("_output")}
    assert set(_coverage.LOOKUP_OPERATIONS) == plain
    # get_quota shares get_quotas' twin; every other lookup has its own.
    assert {f"{n}_output" for n in plain - {"get_quota"}} == public - plain
    for name in public:
        assert callable(getattr(lookups, name)), name


def test_registries_name_contract_operations() -> None:
    ops = set(contract().operations)
    named = {op for v in _coverage.LOOKUP_OPERATIONS.values() for op in v}
    named |= {*_coverage.LIBRARY_OPERATIONS, *_coverage.UNUSED, *_declared_by_resources()}
    assert named <= ops, sorted(named - ops)
    assert all(any(op.startswith(p) for op in ops) for p in _coverage.PENDING)


def test_lookup_modules_call_exactly_the_registered_operations() -> None:
    called = set(_called([PACKAGE / name for name in LOOKUP_MODULES]))
    registered = {op for v in _coverage.LOOKUP_OPERATIONS.values() for op in v}
    assert called == registered, (sorted(called - registered), sorted(registered - called))


def test_every_operation_is_used_or_has_a_reason() -> None:
    used = _used()
    resources = {r.__name__ for r in ALL_RESOURCES}
    missing, stale, unlisted = [], [], []
    for op in sorted(contract().operations):
        pending = _coverage.pending_reason(op)
        if op in _coverage.UNUSED:
            if op in used:
                stale.append(op)
        elif op not in used:
            if pending is None:
                missing.append(op)
            elif set(pending.split(", ")) <= resources:
                unlisted.append(f"{op} ({pending} exists but does not use it)")
    where = "akua_pulumi/_coverage.py UNUSED (then python -m akua_pulumi._coverage > docs/coverage.md)"
    assert not missing, f"used by no resource or lookup and given no reason in {where}: {missing}"
    assert not stale, f"listed as unused in {where} but the library uses them: {stale}"
    assert not unlisted, f"give these a reason in {where}: {unlisted}"


def test_docs_page_is_generated() -> None:
    assert DOCS.read_text() == _coverage.render_markdown(), (
        "docs/coverage.md is stale: python -m akua_pulumi._coverage > docs/coverage.md"
    )


def test_every_operation_has_a_handler_a_role_and_a_use_or_a_reason() -> None:
    """Issue 21's check in one place: each of the bundled contract's 173 operations has an akua-local
    handler, a row in the role table, and is used by a resource, a lookup or the client, or is listed
    as unused with its reason (and then used by nothing)."""
    from akua_pulumi.local.backend import load_all
    from akua_pulumi.roles import ROLE_TABLE

    routes, used = load_all(), _used()
    rows: dict[str, tuple[bool, bool, bool]] = {}
    for op in sorted(contract().operations):
        rows[op] = (op in routes, op in ROLE_TABLE, (op in used) != (op in _coverage.UNUSED))
    assert len(rows) == 173
    bad = {op: row for op, row in rows.items() if not all(row)}
    assert not bad, f"(handler, role row, used xor listed unused) per operation: {bad}"

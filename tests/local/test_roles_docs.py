"""docs/roles.md's role table is ROLE_TABLE, row for row (regenerate: python -m tests.local.test_roles_docs)."""

from __future__ import annotations

import sys
from pathlib import Path

from akua_pulumi.contract import contract
from akua_pulumi.roles import ROLE_TABLE, role_label

DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
START, END = "<!-- role-table:start -->", "<!-- role-table:end -->"


def render() -> str:
    """The generated block: one row per operationId, marking those only openapi-v4.json has."""
    bundled = {op.operation_id for op in contract()}
    rows = ["| operationId | minimum role | why (source: reason) |", "|---|---|---|"]
    for op_id in sorted(ROLE_TABLE):
        rule = ROLE_TABLE[op_id]
        v4 = "" if op_id in bundled else " (v4)"
        rows.append(f"| `{op_id}`{v4} | {role_label(rule)} | {rule.note} |")
    return "\n".join([START, *rows, END])


def _block(text: str) -> str:
    return text[text.index(START) : text.index(END) + len(END)]


def test_docs_table_is_the_role_table() -> None:
    assert _block(DOC.read_text()) == render(), "run: python -m tests.local.test_roles_docs"


def test_docs_name_every_operation_once() -> None:
    block = _block(DOC.read_text())
    for op_id in ROLE_TABLE:
        assert block.count(f"| `{op_id}`") == 1, op_id


if __name__ == "__main__":
    text = DOC.read_text()
    DOC.write_text(text.replace(_block(text), render()) if START in text else text + render() + "\n")
    sys.exit(0)

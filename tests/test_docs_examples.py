"""Every ```python block in docs/ compiles; the complete programs among them run under Pulumi mocks."""

from __future__ import annotations

import contextvars
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks() -> list[tuple[str, str]]:
    out = []
    for path in sorted([*DOCS.glob("*.md"), *DOCS.glob("resources/*.md")]):
        for i, match in enumerate(BLOCK.finditer(path.read_text())):
            out.append((f"{path.relative_to(DOCS)}#{i + 1}", match.group(1)))
    return out


BLOCKS = _blocks()
#: Programs that declare resources only (no API call at construction time): run them under mocks.
PROGRAMS = [
    (name, code)
    for name, code in BLOCKS
    if not name.startswith("resources/") and "from akua_pulumi import" in code and "lookups" not in code
]
#: Blocks marked python that are signature listings, not code. Fix the doc, then remove the entry.


def test_docs_have_python_blocks() -> None:
    names = {name.split("#")[0] for name, _ in BLOCKS}
    assert "getting-started.md" in names
    assert len(PROGRAMS) >= 3


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[n for n, _ in BLOCKS])
def test_block_compiles(name: str, code: str) -> None:
    compile(code, name, "exec")


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.types: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.types.append(args.typ)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.mark.parametrize(("name", "code"), PROGRAMS, ids=[n for n, _ in PROGRAMS])
def test_program_runs_under_mocks(name: str, code: str) -> None:
    """The program constructs its resources with valid arguments (no engine, no API)."""
    mocks = _Mocks()

    def body() -> None:
        pulumi.runtime.set_mocks(mocks, project="docs", stack="test", preview=False)
        pulumi.runtime.set_all_config({"akua:workspace": "ws_docs"})
        pulumi.runtime.test(lambda: exec(compile(code, name, "exec"), {"__name__": "__main__"}))()

    contextvars.copy_context().run(body)
    assert any(t.endswith(("akua:Workspace", "akua:Cluster", "akua:Region")) for t in mocks.types), mocks.types

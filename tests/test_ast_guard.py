"""The suite's ``ast.parse`` guard (tests/conftest.py) holds against CPython 3.11's shared AST counter."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import akua_pulumi.resources._generated as generated


class _ParsesWhenFinalized:
    """Cyclic garbage whose finalizer parses, as a traceback formatted by an unraisable hook does."""

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        def deeper(levels: int) -> ast.Module:
            return ast.parse("x = 1 + 2") if levels == 0 else deeper(levels - 1)

        deeper(30)


def test_a_collection_during_a_parse_cannot_break_the_outer_parse() -> None:
    source = Path(generated.__file__).read_text()
    threshold = gc.get_threshold()
    gc.set_threshold(50)
    try:
        for _ in range(20):
            for _ in range(200):
                _ParsesWhenFinalized()
            assert isinstance(ast.parse(source), ast.Module)
    finally:
        gc.set_threshold(*threshold)
        gc.collect()

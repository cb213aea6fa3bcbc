"""Shared fixtures come from the pytest plugin we ship for users' CI (akua_pulumi.testing.fixtures),
registered through its ``pytest11`` entry point (pyproject.toml); only the suite's own live here."""

from __future__ import annotations

import ast
import asyncio
import functools
import gc
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_AST_LOCK = threading.RLock()


def _serialised_ast_parse(parse: Any) -> Any:
    """``ast.parse`` one call at a time in this process.

    CPython keeps the AST constructor's recursion counter in one per-interpreter state, so two threads
    that convert a tree at once (one can drop the GIL inside the conversion when a finalizer runs) make
    the later one fail with ``SystemError: AST constructor recursion depth mismatch`` (python/cpython
    gh-106905 and its reports from threaded programs). In this suite the threads are akua-local's server
    and Pulumi's runtime beside pytest's assertion rewriter and Hypothesis, which parses the source of
    its strategies' lambdas; the error surfaced at the end of runs.

    The same counter breaks within one thread: a garbage collection during the conversion can finalize a
    leftover coroutine (an inline Pulumi program whose loop was closed), pytest's unraisable hook formats
    its traceback, and Python 3.11's traceback calls ``ast.parse`` for its carets from inside the outer
    conversion (CI: ``before=147, after=185`` in tests/test_coverage.py). So no collection runs while a
    tree is converted; garbage waits for the next one.
    """

    @functools.wraps(parse)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _AST_LOCK:
            collecting = gc.isenabled()
            gc.disable()
            try:
                return parse(*args, **kwargs)
            finally:
                if collecting:
                    gc.enable()

    return locked


if not hasattr(ast.parse, "__wrapped__"):
    ast.parse = _serialised_ast_parse(ast.parse)  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _main_thread_event_loop() -> Iterator[None]:
    """Pulumi's mocks and inline programs need a current event loop in the main thread.

    A test that ran ``asyncio.run`` earlier in the same worker (the Temporal client does) leaves the
    main thread with none set, which only shows when pytest-xdist puts such tests before these.
    """
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())
    yield


@pytest.fixture(scope="session")
def akua_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout built as a wheel (``pip wheel --no-deps``), once per test session."""
    dist = tmp_path_factory.mktemp("dist")
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(root)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    [wheel] = dist.glob("akua_pulumi-*.whl")
    return wheel

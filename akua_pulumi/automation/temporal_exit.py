"""How a command ends once temporalio's core runtime is loaded (stdlib only: ``akua-onboard`` calls it on
every exit, and a base install has no temporalio)."""

from __future__ import annotations

import os
import sys

__all__ = ["exit_now_if_temporal_loaded"]


def _runtime_started() -> bool:
    """Whether this process made temporalio's core runtime (its threads): a client connected or tried."""
    runtime = sys.modules.get("temporalio.runtime")
    if runtime is None:
        return False
    ref = getattr(runtime, "_runtime_ref", None)  # private: when it moves, assume started
    return ref is None or getattr(ref, "_default_runtime", True) is not None


def exit_now_if_temporal_loaded(code: int) -> int:
    """End a command now with ``code`` once temporalio's core runtime is loaded: its threads race
    interpreter finalization (an occasional SIGABRT/SIGSEGV after the last line, whether the run
    succeeded, failed or never reached Temporal). For entry points only: nothing runs after this."""
    if not _runtime_started():
        return code
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

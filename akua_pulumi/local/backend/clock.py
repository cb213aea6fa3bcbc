"""The emulator's clock: ``/_local/clock:advance`` moves it forward, then what has come due runs (API.md §7.1).

Each emulator owns one :class:`~akua_pulumi.local.util.Clock` (``Runtime.clock``): wall time plus an offset
that only grows. The offset is kept in the database (``kv`` key ``clock_offset_seconds``), so an akua-local
restarted over the same file keeps its time (the objects it made in the advanced future never look newer than
now, and its timers stay due), and ``/_local/reset`` (which wipes the database) brings it back to wall time.
:func:`sync` reads it at the start of every request (:func:`.operations.advance` and the control plane call
it) and binds it for that thread, so every reader of :func:`~akua_pulumi.local.util.now` sees it.

What "runs when it comes due" is registered with :func:`on_advance` (e.g. the Free machine lifetime and
snapshot expiry of :mod:`.machine_expiry`); those sweeps run only when the clock is advanced through
``/_local``, never on wall time (API.md §7.1, "Machine lifetime on Free").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..db import Obj, Tx
from ..errors import Unprocessable
from ..util import iso
from . import Runtime

__all__ = ["KEY", "MAX_OFFSET", "MAX_STEP", "SWEEPS", "describe", "move", "on_advance", "sweep", "sync"]

KEY = "clock_offset_seconds"
DAY = 86400
MAX_STEP = 10 * 365 * DAY
"""The most one ``clock:advance`` may move the clock (10 years)."""
MAX_OFFSET = 100 * 365 * DAY
"""The furthest the clock may run ahead of wall time (100 years: dates stay well inside ISO-8601's range)."""

Sweep = Callable[[Tx, Runtime], list[Obj]]
SWEEPS: list[Sweep] = []


def on_advance(fn: Sweep) -> Sweep:
    """Register ``fn`` to run after each clock advance (it returns one row per object it retired)."""
    SWEEPS.append(fn)
    return fn


def sync(tx: Tx, rt: Runtime) -> None:
    """Load the stored offset into ``rt.clock`` and bind it for this thread."""
    raw = tx.kv_get(KEY)
    try:
        rt.clock.offset = max(0.0, float(raw)) if raw is not None else 0.0
    except ValueError:  # a hand-edited database: wall time rather than a crash
        rt.clock.offset = 0.0
    rt.clock.bind()


def move(tx: Tx, rt: Runtime, seconds: float) -> None:
    """Move the clock ``seconds`` forward (stored and bound); 422 naming ``seconds`` past :data:`MAX_OFFSET`."""
    sync(tx, rt)
    offset = rt.clock.offset + seconds
    if offset > MAX_OFFSET:
        raise Unprocessable(
            f"seconds: the clock would run {offset:.0f} s ahead of wall time (at most {MAX_OFFSET})",
            path=["body", "seconds"],
        )
    tx.kv_set(KEY, repr(offset))
    rt.clock.offset = offset
    rt.clock.bind()


def sweep(tx: Tx, rt: Runtime) -> list[Obj]:
    """Run every registered sweep at the clock's now; what they retired, in order."""
    return [row for fn in SWEEPS for row in fn(tx, rt)]


def describe(rt: Runtime) -> dict[str, Any]:
    """``{now, now_iso, offset_seconds, wall_now}`` of the emulator clock (call :func:`sync` first)."""
    at = rt.clock.time()
    return {"now": int(at), "now_iso": iso(at), "offset_seconds": rt.clock.offset, "wall_now": int(time.time())}

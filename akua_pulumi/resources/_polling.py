"""Process polling: wait for a state change the API offers no long poll for, and stop when the engine
that started this provider process is gone."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from ._context import AkuaResourceError

__all__ = ["wait_for"]

T = TypeVar("T")


def wait_for(predicate: Callable[[], T | None], *, timeout: float, interval: float = 0.5, what: str = "condition") -> T:
    """Poll ``predicate`` until it returns a value (for state changes the API offers no long poll for)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            raise AkuaResourceError(f"timed out after {timeout:.0f}s waiting for {what}")
        if os.getppid() != _PARENT:
            # The engine that called us is gone: stop polling the API (the watchdog ends the process).
            raise AkuaResourceError(f"stopped waiting for {what}: the Pulumi engine is gone")
        time.sleep(interval)


#: The process that started this one (for a dynamic provider: the engine), see :func:`wait_for`.
_PARENT = os.getppid()

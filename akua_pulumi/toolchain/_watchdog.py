"""Exit quietly when the engine ends us, and on our own when the engine is gone."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

__all__ = ["exit_on_signals", "exit_when_orphaned"]


def exit_when_orphaned(cleanup: Callable[[], None] | None = None, interval: float = 1.0) -> None:
    """Watch the parent process (the engine); once it is gone, run ``cleanup`` and exit.

    The engine starts plugins in their own process group, so a SIGKILL of the ``pulumi`` process
    group does not reach them; without this they would keep running (and calling the API).
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                if cleanup is not None:
                    with contextlib.suppress(Exception):  # exiting anyway
                        cleanup()
                os._exit(0)

    threading.Thread(target=watch, name="akua-engine-watchdog", daemon=True).start()


def exit_on_signals(cleanup: Callable[[], None] | None = None) -> None:
    """SIGINT/SIGTERM (how the engine ends a plugin) exit at once, silently, with status 0."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if cleanup is not None:
            with contextlib.suppress(Exception):  # exiting anyway
                cleanup()
        os._exit(0)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)

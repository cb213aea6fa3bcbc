"""The fork server every executor starts its job processes from."""

from __future__ import annotations

import os
import threading
from typing import Any

from akua_pulumi.automation.lifeline import FORK_SERVER_PARENT_ENV

__all__ = ["fork_server_context"]

#: What every job process runs: imported once by the fork server (the lifeline first: it ties the
#: fork server to the process that started it).
_PRELOAD = ("akua_pulumi.automation.lifeline", "akua_pulumi.automation.stack_run")


def fork_server_context(*preload: str) -> Any:
    """A ``multiprocessing`` context whose processes fork from one server that imported the stack run
    and ``preload`` once (a fresh interpreter costs ~0.7 CPU s of imports per process); ``spawn``
    where there is no fork server. The server dies with the calling process (Linux
    ``PR_SET_PDEATHSIG``, :mod:`.lifeline`) when that process starts it from its main thread (the
    signal follows the thread that forked)."""
    import multiprocessing
    from multiprocessing import forkserver

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux/macOS
        return multiprocessing.get_context("spawn")
    if threading.current_thread() is threading.main_thread():
        os.environ[FORK_SERVER_PARENT_ENV] = str(os.getpid())
    else:  # a thread's death would end the server: no tie (nor one inherited from a parent process)
        os.environ.pop(FORK_SERVER_PARENT_ENV, None)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([*_PRELOAD, *preload])  # no effect once the server runs
    forkserver.ensure_running()  # its imports overlap with whatever the caller does next
    return ctx

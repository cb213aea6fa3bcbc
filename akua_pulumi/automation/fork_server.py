"""The fork server every executor starts its job processes from."""

from __future__ import annotations

from typing import Any

__all__ = ["fork_server_context"]

#: What every job process runs: imported once by the fork server.
_STACK_RUN = "akua_pulumi.automation.stack_run"


def fork_server_context(*preload: str) -> Any:
    """A ``multiprocessing`` context whose processes fork from one server that imported the stack run
    and ``preload`` once (a fresh interpreter costs ~0.7 CPU s of imports per process); ``spawn``
    where there is no fork server. The server lives as long as the calling process."""
    import multiprocessing
    from multiprocessing import forkserver

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux/macOS
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([_STACK_RUN, *preload])  # no effect once the server runs
    forkserver.ensure_running()  # its imports overlap with whatever the caller does next
    return ctx

"""The local executor: stack runs in a process pool on this machine.

Each running stack has a worker process of its own, forked from a fork server that has the stack
run and the program imported (parallel inline programs in one Python process have a history of
gRPC failures, see docs notes §6), so the factory must be importable by reference. Progress and
results come back on a queue; a worker that dies is reported as that customer's failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue as queue_mod
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from akua_pulumi.automation.diagnostics import shorten
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.fork_server import fork_server_context
from akua_pulumi.automation.job import Job
from akua_pulumi.automation.program_ref import ProgramFactory, program_ref
from akua_pulumi.automation.results import CustomerEvent, CustomerResult
from akua_pulumi.automation.stack_run import run_job

__all__ = ["listed_stacks", "run_local", "worker_context"]

_events: Any = None  # the multiprocessing queue in a worker, set by _init_worker


def _init_worker(events: Any, environ: Mapping[str, str]) -> None:
    """A worker's start: the event queue, and the parent's environment as it is now (a forked
    worker would otherwise see the environment of the fork server's start)."""
    global _events
    _events = events
    os.environ.clear()
    os.environ.update(environ)


def _emit(kind: str, customer_id: str, command: str, message: str = "") -> None:
    if _events is not None:
        with contextlib.suppress(Exception):  # progress must never break a run
            _events.put((kind, customer_id, command, message, None, time.time()))


def _run_job(job: Job) -> CustomerResult:
    """Pool worker entry point."""
    result = run_job(job, _emit)
    if _events is not None:
        with contextlib.suppress(Exception):
            _events.put(("finished", job.customer.id, job.command, "", result, time.time()))
    return result


def worker_context(program: ProgramFactory) -> Any:
    """Pool workers fork from the fork server. A stock program is preloaded; a caller's own module
    is imported afresh by each run's workers, so a long-lived process that edits it runs the new code."""
    module = program_ref(program).partition(":")[0]
    return fork_server_context(*([module] if module.startswith("akua_pulumi.") else []))


def listed_stacks(penv: PulumiEnvironment, project_name: str) -> set[str] | None:
    """The project's stack names in the backend: one CLI call for the whole run, which spares each
    new customer the read that would find its stack missing. None when the listing fails."""
    proc = penv.run("stack", "ls", "--project", project_name, "--json", cwd=penv.state_dir, check=False)
    if proc.returncode != 0:
        return None
    try:
        return {str(entry["name"]).rsplit("/", 1)[-1] for entry in json.loads(proc.stdout or "[]")}
    except (ValueError, KeyError, TypeError):
        return None


def run_local(
    jobs: Sequence[Job],
    ctx: Any,
    *,
    parallelism: int,
    notify: Callable[[CustomerEvent], None],
) -> dict[str, CustomerResult]:
    """Run ``jobs``, ``parallelism`` at a time, in processes of ``ctx``; results by customer id.

    ``notify`` gets every :class:`CustomerEvent` in this process (a customer's ``started`` events
    come from its worker; its ``finished`` event always comes, even when the worker died).
    """
    events = ctx.Queue()
    results: dict[str, CustomerResult] = {}
    done_at: dict[str, float] = {}  # future finished, waiting for its "finished" event
    pool = ProcessPoolExecutor(
        max_workers=min(parallelism, len(jobs)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(events, dict(os.environ)),
    )
    by_id = {j.customer.id: j for j in jobs}
    try:
        futures: dict[str, Future[CustomerResult]] = {cid: pool.submit(_run_job, j) for cid, j in by_id.items()}
        while len(results) < len(jobs):
            try:
                kind, cid, cmd, message, result, ts = events.get(timeout=0.2)
            except queue_mod.Empty:
                pass
            else:
                if cid in results:
                    continue
                if kind == "finished":
                    results[cid] = result
                notify(CustomerEvent(cid, kind, cmd, message, result, ts))
            now = time.monotonic()
            for cid, fut in futures.items():
                if cid in results or not fut.done():
                    continue
                exc = fut.exception()
                command = by_id[cid].command
                if exc is not None:  # the worker died (crash, OOM kill): no events will come
                    res = CustomerResult(
                        customer_id=cid,
                        command=command,
                        ok=False,
                        error=shorten(f"worker process failed: {type(exc).__name__}: {exc}"),
                        log_path=str(Path(by_id[cid].state_dir) / "logs" / f"{cid}.{command}.log"),
                    )
                elif now - done_at.setdefault(cid, now) > 5.0:  # events lost; trust the future
                    res = fut.result()
                else:
                    continue
                results[cid] = res
                notify(CustomerEvent(cid, "finished", command, result=res))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        events.close()
        events.join_thread()
    return results

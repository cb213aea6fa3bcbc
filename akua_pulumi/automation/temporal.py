"""Onboarding on a Temporal cluster: one workflow per customer, run by any number of workers.

* ``akua-onboard up --engine temporal --address HOST:PORT ...`` starts (or joins) one workflow per
  customer, id ``akua-onboard/<project>/<customer>/<command>``, and waits for all of them; progress
  and failures are visible in Temporal's own tools (``temporal workflow list``, the Web UI).
* ``akua-onboard-worker --address HOST:PORT --backend s3://...`` runs them. Every worker must use
  the same shared Pulumi backend (an S3-compatible bucket) so any worker can take any customer.

Each workflow runs one activity, :func:`run_customer`, which runs the same job as the local process
pool (:func:`akua_pulumi.automation.runner.run_job`) in a job process (forked from a server that
has the runner imported, in a session of its own that dies with the worker) and heartbeats while it
runs. A worker that dies stops heartbeating; after ``HEARTBEAT_TIMEOUT`` Temporal retries the
activity on another worker, which first clears the dead run's stack lock (``pulumi cancel``) and
then runs ``up`` again: Pulumi's state plus the deterministic idempotency keys of the resources
(``akua_seed``) make the retry finish the work without duplicating anything.

Secrets never travel through Temporal (its history is stored in plaintext): secret config values
are sent as ``None`` and each worker fills them in from its own environment (``AKUA_API_TOKEN``
for ``akua:token``, see ``--secret-env``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy

from akua_pulumi.automation.results import CustomerResult
from akua_pulumi.client._config import SETTING_ENV as CLIENT_SETTING_ENV

__all__ = [
    "DEFAULT_TASK_QUEUE",
    "OnboardCustomer",
    "main_worker",
    "run_customer",
    "run_on_temporal",
    "workflow_id",
]

DEFAULT_TASK_QUEUE = "akua-onboarding"
HEARTBEAT_EVERY = 2.0
HEARTBEAT_TIMEOUT = timedelta(seconds=15)
#: Secret config keys and the worker environment variable that holds each value.
DEFAULT_SECRET_ENV = {"akua:token": CLIENT_SETTING_ENV["akua:token"]}


def workflow_id(project: str, customer_id: str, command: str) -> str:
    """Deterministic: one running workflow per customer and command, whoever starts it."""
    return f"akua-onboard/{project}/{customer_id}/{command}"


@workflow.defn(name="akua-onboard-customer")
class OnboardCustomer:
    """Run one command on one customer's stack, retried on another worker if this one dies."""

    @workflow.run
    async def run(self, job: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            "akua-run-customer",
            job,
            start_to_close_timeout=timedelta(minutes=30),
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                maximum_attempts=3,
                backoff_coefficient=1.0,
            ),
        )
        return result


def _job_process(wire: dict[str, Any], results: Any) -> None:  # pragma: no cover - runs in the job process
    """A job process, forked from the worker's fork server: its own session (so the worker can end
    the whole run: engine, language host, providers) that ends when the fork server does, which is
    when the worker does (Linux ``PR_SET_PDEATHSIG``). The result goes back on ``results``."""
    from akua_pulumi.automation.runner import Job, run_job

    server = os.getppid()
    os.setsid()
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)
    if os.getppid() != server:  # the fork server died before the line above
        os._exit(1)
    result = run_job(Job.from_wire(wire))
    results.send(json.dumps(asdict(result), default=str))
    results.close()


class _Worker:
    """Worker-side settings: where this machine keeps its work dirs and which secrets it holds."""

    def __init__(
        self, state_dir: Path, backend_url: str | None, secret_env: Mapping[str, str], passphrase: str | None
    ) -> None:
        self.state_dir = state_dir
        self.backend_url = backend_url
        self.secret_env = dict(secret_env)
        self.passphrase = passphrase

    def job(self, wire: dict[str, Any], attempt: int) -> dict[str, Any]:
        from akua_pulumi.automation.environment import find_pulumi_bin

        config = dict(wire.get("config") or {})
        for key, (value, secret) in list(config.items()):
            if secret and value is None:
                var = self.secret_env.get(key)
                if not var or var not in os.environ:
                    raise RuntimeError(f"secret config {key!r}: set {var or 'a --secret-env variable'} on the worker")
                config[key] = [os.environ[var], True]
        return {
            **wire,
            "config": config,
            "state_dir": str(self.state_dir),
            "backend_url": self.backend_url or wire.get("backend_url"),
            "bin_dir": str(find_pulumi_bin()),
            "passphrase": self.passphrase,
            "clear_lock": attempt > 1,
        }

    async def run(self, wire: dict[str, Any]) -> dict[str, Any]:
        info = activity.info()
        job = self.job(wire, info.attempt)
        from akua_pulumi.automation.runner import fork_server_context

        ctx = fork_server_context("akua_pulumi.automation.programs", __name__)
        results, child_end = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_job_process, args=(job, child_end), name=f"akua-job-{wire['customer']['id']}")
        proc.start()
        child_end.close()
        loop = asyncio.get_running_loop()
        try:
            # The result, or end of file when the job process dies without one.
            while not await loop.run_in_executor(None, results.poll, HEARTBEAT_EVERY):
                activity.heartbeat(wire["customer"]["id"])
        except asyncio.CancelledError:
            with_group_killed(proc.pid)
            raise
        try:
            result: dict[str, Any] = json.loads(results.recv())
        except (EOFError, OSError, ValueError):
            await loop.run_in_executor(None, proc.join, 10)
            raise RuntimeError(f"job process for {wire['customer']['id']} exited {proc.exitcode}") from None
        finally:
            results.close()
        await loop.run_in_executor(None, proc.join, 10)
        result["attempt"] = info.attempt
        result["worker"] = os.environ.get("AKUA_WORKER_NAME") or f"{os.uname().nodename}:{os.getpid()}"
        return result


def with_group_killed(pid: int) -> None:
    """SIGKILL a job's whole process group (the engine, language host and providers with it)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


_worker: _Worker | None = None


@activity.defn(name="akua-run-customer")
async def run_customer(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job (a :meth:`Job.to_wire` dict without secrets) on this worker."""
    assert _worker is not None, "run_customer runs inside akua-onboard-worker"
    return await _worker.run(job)


# --------------------------------------------------------------------------- client side


async def _run_all(
    address: str,
    namespace: str,
    task_queue: str,
    jobs: Sequence[dict[str, Any]],
    on_finished: Any,
) -> list[CustomerResult]:
    from temporalio.client import Client, WorkflowFailureError

    client = await Client.connect(address, namespace=namespace)

    async def one(job: dict[str, Any]) -> CustomerResult:
        cid, command = job["customer"]["id"], job["command"]
        wid = workflow_id(job["project_name"], cid, command)
        handle = await client.start_workflow(
            OnboardCustomer.run,
            job,
            id=wid,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        try:
            data = await handle.result()
            data.pop("attempt", None)
            data.pop("worker", None)
            res = CustomerResult(**data)
        except WorkflowFailureError as exc:
            cause: Any = exc.cause
            while getattr(cause, "cause", None) is not None:
                cause = cause.cause
            res = CustomerResult(cid, command, ok=False, error=f"workflow {wid} failed: {cause}")
        on_finished(res)
        return res

    return list(await asyncio.gather(*(one(j) for j in jobs)))


def run_on_temporal(
    jobs: Sequence[Any],
    *,
    address: str,
    namespace: str = "default",
    task_queue: str = DEFAULT_TASK_QUEUE,
    on_finished: Any = None,
) -> dict[str, CustomerResult]:
    """Run :class:`~akua_pulumi.automation.runner.Job` s as workflows; results by customer id.

    Secret config values are replaced by ``None`` (workers fill them in from their environment).
    """
    wires = []
    for job in jobs:
        wire = job.to_wire()
        wire["config"] = {k: [None if s else v, s] for k, (v, s) in wire["config"].items()}
        for local in ("state_dir", "bin_dir", "passphrase"):
            wire[local] = None
        wires.append(wire)
    results = asyncio.run(_run_all(address, namespace, task_queue, wires, on_finished or (lambda r: None)))
    return {r.customer_id: r for r in results}


# --------------------------------------------------------------------------- worker command


def build_worker_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="akua-onboard-worker",
        description="Run akua-onboard workflows from a Temporal task queue (one stack at a time per slot).",
    )
    p.add_argument("--address", required=True, metavar="HOST:PORT", help="Temporal frontend address")
    p.add_argument("--namespace", default="default")
    p.add_argument("--task-queue", default=DEFAULT_TASK_QUEUE)
    p.add_argument("--backend", metavar="URL", help="shared Pulumi backend (s3://bucket?endpoint=...)")
    p.add_argument("--state-dir", type=Path, default=Path(".akua/onboarding-worker"), metavar="DIR")
    p.add_argument("--slots", type=int, default=2, metavar="N", help="customers at once on this worker")
    p.add_argument(
        "--secret-env",
        action="append",
        default=[],
        metavar="KEY=VAR",
        help="secret config KEY read from environment variable VAR (default akua:token=AKUA_API_TOKEN)",
    )
    return p


async def _serve(args: argparse.Namespace) -> None:
    from temporalio.client import Client
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    client = await Client.connect(args.address, namespace=args.namespace)
    worker = Worker(
        client,
        task_queue=args.task_queue,
        workflows=[OnboardCustomer],
        activities=[run_customer],
        max_concurrent_activities=args.slots,
        # The workflow only schedules one activity: nothing for the sandbox to guard.
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    print(f"akua-onboard-worker: serving {args.task_queue} on {args.address}", flush=True)
    await worker.run()


def main_worker(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``akua-onboard-worker``."""
    global _worker
    args = build_worker_parser().parse_args(argv)
    secret_env = dict(DEFAULT_SECRET_ENV)
    for item in args.secret_env:
        key, sep, var = item.partition("=")
        if not sep:
            print(f"akua-onboard-worker: --secret-env {item!r}: expected KEY=VAR", file=sys.stderr)
            return 2
        secret_env[key] = var
    state_dir = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    _worker = _Worker(state_dir, args.backend, secret_env, os.environ.get("PULUMI_CONFIG_PASSPHRASE"))
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main_worker())

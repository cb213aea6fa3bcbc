"""The Temporal executor: onboarding on a Temporal cluster: one workflow per customer, run by any number of workers.

* ``akua-onboard up --engine temporal --address HOST:PORT ...`` starts (or joins) one workflow per
  customer, id ``akua-onboard/<task queue>/<customer>/<command>``, and waits for all of them;
  progress and failures are visible in Temporal's own tools (``temporal workflow list``, the Web UI).
* ``akua-onboard-worker --address HOST:PORT --backend s3://... --api-url URL`` runs them
  (:mod:`.worker`). Every worker must use the same shared Pulumi backend (an S3-compatible bucket)
  so any worker can take any customer.

**Trust boundary.** A workflow's input is only a customer entry, a command and the *name* of a
program the worker allows (:mod:`.workflow_input`); the API URL, the Stripe base, the backend, the
environment, the settings and the programs are the worker's own. The workflow refuses any other
input before it schedules anything. Secrets never travel through Temporal (its history is stored in
plaintext): each worker reads them from its own environment (``AKUA_API_TOKEN``...).

Each workflow runs one activity (``akua-run-customer``, :func:`.worker.run_customer`), which runs the
same stack run as the local process pool (:func:`akua_pulumi.automation.stack_run.run_job`) in a job process
and heartbeats while it runs. A worker that dies stops heartbeating; after ``HEARTBEAT_TIMEOUT``
Temporal retries the activity on another worker, which first settles the dead run's stack lock
and pending operations (:mod:`..stack_lock`: never a lock a live run may hold) and then runs
``up`` again: Pulumi's state plus the deterministic idempotency
keys of the resources (``akua_seed``) make the retry finish the work without duplicating anything.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from dataclasses import fields
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from akua_pulumi.automation.cli_options import DEFAULT_TASK_QUEUE
from akua_pulumi.automation.results import CustomerResult
from akua_pulumi.automation.temporal_exit import exit_now_if_temporal_loaded
from akua_pulumi.automation.workflow_input import InvalidWorkflowInput, WorkflowInput, parse_workflow_input
from akua_pulumi.errors import AkuaError

__all__ = [
    "DEFAULT_TASK_QUEUE",
    "HEARTBEAT_TIMEOUT",
    "OnboardCustomer",
    "TemporalUnreachableError",
    "connect",
    "exit_now_if_temporal_loaded",
    "run_on_temporal",
    "workflow_id",
]

HEARTBEAT_TIMEOUT = timedelta(seconds=15)


class TemporalUnreachableError(AkuaError, RuntimeError):
    """No Temporal frontend answers at the address (the message says what to do)."""


async def connect(address: str, namespace: str = "default") -> Any:
    """A Temporal client for ``address``.

    Raises:
        TemporalUnreachableError: nothing answers there (naming the address and what to do).
    """
    from temporalio.client import Client

    try:
        return await Client.connect(address, namespace=namespace)
    except RuntimeError as exc:
        detail = " ".join(str(exc).split())
        reason = "connection refused" if "ConnectionRefused" in detail else detail[-200:]
        raise TemporalUnreachableError(
            f"cannot reach Temporal at {address} ({reason}): start a server there (one machine: "
            "`temporal server start-dev --ip 127.0.0.1`, docs/onboarding.md, 'On one machine') or fix --address"
        ) from None


def workflow_id(task_queue: str, customer_id: str, command: str) -> str:
    """Deterministic: one running workflow per customer and command on a task queue, whoever starts it."""
    return f"akua-onboard/{task_queue}/{customer_id}/{command}"


@workflow.defn(name="akua-onboard-customer")
class OnboardCustomer:
    """Run one command on one customer's stack, retried on another worker if this one dies."""

    @workflow.run
    async def run(self, job: Any) -> dict[str, Any]:
        # Any shape decodes (a typed parameter would fail the workflow task, retried for ever); a
        # bad one fails the workflow here, before any activity is scheduled.
        try:
            parse_workflow_input(job)
        except InvalidWorkflowInput as exc:
            raise ApplicationError(str(exc), type="InvalidWorkflowInput", non_retryable=True) from None
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
        if not result.get("ok", True):
            # A failed customer fails its workflow (visible as Failed in `temporal workflow list`, the
            # UI, `describe`): the one-line error is the message, the result (no secrets) the details.
            raise ApplicationError(
                str(result.get("error") or "failed"), result, type="CustomerFailed", non_retryable=True
            )
        return result


# --------------------------------------------------------------------------- client side


async def _run_all(
    address: str,
    namespace: str,
    task_queue: str,
    jobs: Sequence[dict[str, Any]],
    on_finished: Any,
) -> list[CustomerResult]:
    from temporalio.client import WorkflowFailureError

    client = await connect(address, namespace)

    async def one(job: dict[str, Any]) -> CustomerResult:
        cid, command = job["customer"]["id"], job["command"]
        wid = workflow_id(task_queue, cid, command)
        handle = await client.start_workflow(
            OnboardCustomer.run,
            job,
            id=wid,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        try:
            res = _result(await handle.result())
        except WorkflowFailureError as exc:
            cause: Any = exc.cause
            details = getattr(cause, "details", None) or ()
            if getattr(cause, "type", None) == "CustomerFailed" and details and isinstance(details[0], dict):
                res = _result(details[0])  # the customer's own failure: its report as the worker made it
            else:
                while getattr(cause, "cause", None) is not None:
                    cause = cause.cause
                res = CustomerResult(cid, command, ok=False, error=f"workflow {wid} failed: {cause}")
        on_finished(res)
        return res

    return list(await asyncio.gather(*(one(j) for j in jobs)))


def _result(data: dict[str, Any]) -> CustomerResult:
    """A worker's result dict as a :class:`CustomerResult` (without the worker's own fields)."""
    known = {f.name for f in fields(CustomerResult)}
    return CustomerResult(**{k: v for k, v in data.items() if k in known})


def run_on_temporal(
    inputs: Sequence[WorkflowInput],
    *,
    address: str,
    namespace: str = "default",
    task_queue: str = DEFAULT_TASK_QUEUE,
    on_finished: Any = None,
) -> dict[str, CustomerResult]:
    """Run one workflow per :class:`WorkflowInput` (customer, command, program name); results by
    customer id. Everything else is the workers' own configuration."""
    wires = [parse_workflow_input(i.to_wire()).to_wire() for i in inputs]  # the shape a worker accepts
    results = asyncio.run(_run_all(address, namespace, task_queue, wires, on_finished or (lambda r: None)))
    # The client (and its core threads' references into Python) goes now, not at interpreter exit,
    # where temporalio's threads race finalization (SIGABRT/SIGSEGV after the report).
    gc.collect()
    return {r.customer_id: r for r in results}

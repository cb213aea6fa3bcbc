"""What Temporal knows about a customer's runs: whether this attempt is still the current one (the
worker's fence), and whether another run of the same customer may be live (a retry's lock rule).

* :func:`still_current`: the worker asks every few seconds while a job runs; when Temporal says the
  activity has moved on (a later attempt, the workflow closed) or cannot be reached for
  ``FENCE_AFTER`` (shorter than the heartbeat timeout), the worker ends the run itself, so by the
  time Temporal retries the activity elsewhere the old run is dead (partitioned workers included).
* :func:`other_live_runs`: a retried attempt breaks a dead run's lock only when no other workflow of
  the customer (another command) has a started activity that is still heartbeating.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from akua_pulumi.automation.executors.temporal import HEARTBEAT_TIMEOUT, workflow_id

__all__ = ["FENCE_AFTER", "RPC_TIMEOUT", "other_live_runs", "still_current", "workflow_started"]

#: A worker that has not heard from Temporal for this long ends its runs (Temporal retries them
#: after ``HEARTBEAT_TIMEOUT`` without a heartbeat, which is longer).
FENCE_AFTER = HEARTBEAT_TIMEOUT.total_seconds() - 5.0
RPC_TIMEOUT = timedelta(seconds=2)
_STARTED = 2  # PENDING_ACTIVITY_STATE_STARTED
_COMMANDS = ("up", "preview", "refresh", "destroy")


async def _own_workflow(client: Any, info: Any) -> Any:
    """Temporal's description of this activity's workflow run (None when Temporal does not answer)."""
    try:
        return await client.get_workflow_handle(info.workflow_id, run_id=info.workflow_run_id).describe(
            rpc_timeout=RPC_TIMEOUT
        )
    except Exception:
        return None


async def still_current(client: Any, info: Any) -> bool | None:
    """True: Temporal shows this attempt running; False: it has moved on (end the run); None: no answer."""
    desc = await _own_workflow(client, info)
    if desc is None:
        return None
    from temporalio.client import WorkflowExecutionStatus

    if desc.status != WorkflowExecutionStatus.RUNNING:
        return False
    for pending in desc.raw_description.pending_activities:
        if pending.activity_id == info.activity_id:
            return bool(pending.attempt == info.attempt and pending.state == _STARTED)
    return False


async def other_live_runs(client: Any, info: Any, customer_id: str) -> list[str]:
    """Workflow ids of the customer's other commands whose activity is started and heartbeating
    (or whose state Temporal could not tell: counted as live)."""
    from temporalio.client import WorkflowExecutionStatus

    live = []
    now = time.time()
    for command in _COMMANDS:
        wid = workflow_id(info.task_queue, customer_id, command)
        if wid == info.workflow_id:
            continue
        try:
            desc = await client.get_workflow_handle(wid).describe(rpc_timeout=RPC_TIMEOUT)
        except Exception as exc:
            if type(exc).__name__ == "RPCError" and "not found" in str(exc).lower():
                continue
            live.append(wid)
            continue
        if desc.status != WorkflowExecutionStatus.RUNNING:
            continue
        for pending in desc.raw_description.pending_activities:
            beat = pending.last_heartbeat_time.seconds or pending.last_started_time.seconds
            if pending.state == _STARTED and now - beat < HEARTBEAT_TIMEOUT.total_seconds():
                live.append(wid)
    return live


async def workflow_started(client: Any, info: Any) -> float | None:
    """When this activity's workflow started (epoch s; None when Temporal does not answer)."""
    desc = await _own_workflow(client, info)
    if desc is None:
        return None
    return float(desc.start_time.timestamp())

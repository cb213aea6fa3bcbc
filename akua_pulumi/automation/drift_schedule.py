"""``akua-onboard schedule drift``: a Temporal Schedule that runs the drift scan (:mod:`.drift_temporal`).

    akua-onboard schedule drift --cron '0 3 * * *' --address temporal:7233
    akua-onboard schedule drift --cron '0 3 * * *' --address temporal:7233 --customers customers.yaml --trigger

The schedule (id ``akua-onboard-drift/<task queue>`` unless ``--schedule-id``) starts one
``akua-onboard-drift`` workflow per tick on the task queue the ``akua-onboard-worker`` processes
serve; each run's result, the JSON drift report, shows in the Temporal UI. Running it again updates
the schedule. The workflow input names at most the customer ids (``--customers``/``--only``); every
other setting is the worker's. ``--trigger`` also starts one run now. Exit codes: 0 ok, 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from akua_pulumi.automation.cli_options import DEFAULT_TASK_QUEUE, add_temporal_options
from akua_pulumi.automation.drift_temporal import DRIFT_WORKFLOW, parse_drift_input
from akua_pulumi.automation.executors.temporal import connect
from akua_pulumi.automation.workflow_input import InvalidWorkflowInput

__all__ = ["schedule_drift", "schedule_id", "schedule_main"]


def schedule_id(task_queue: str) -> str:
    """The default schedule id: one drift schedule per task queue."""
    return f"akua-onboard-drift/{task_queue}"


async def schedule_drift(
    *,
    address: str,
    cron: str,
    namespace: str = "default",
    task_queue: str = DEFAULT_TASK_QUEUE,
    only: Sequence[str] | None = None,
    schedule: str | None = None,
    trigger: bool = False,
) -> str:
    """Create (or update) the drift schedule; returns its id. ``trigger``: also start one run now.

    Raises:
        InvalidWorkflowInput: ``only`` holds something that is not a customer id.
    """
    from temporalio.client import (
        Schedule,
        ScheduleActionStartWorkflow,
        ScheduleAlreadyRunningError,
        ScheduleSpec,
        ScheduleUpdate,
        ScheduleUpdateInput,
    )

    data: dict[str, Any] = {} if only is None else {"only": list(only)}
    parse_drift_input(data)  # the shape a worker accepts
    sid = schedule or schedule_id(task_queue)
    client = await connect(address, namespace)
    spec = Schedule(
        action=ScheduleActionStartWorkflow(DRIFT_WORKFLOW, data, id=f"{sid}/run", task_queue=task_queue),
        spec=ScheduleSpec(cron_expressions=[cron]),
    )
    try:
        handle = await client.create_schedule(sid, spec)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(sid)

        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=spec)

        await handle.update(update)
    if trigger:
        await handle.trigger()
    return sid


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="akua-onboard schedule",
        description="Create or update a Temporal Schedule that runs the drift scan on the workers.",
    )
    p.add_argument("what", choices=["drift"])
    p.add_argument("--cron", required=True, help="when, as a cron expression (UTC), e.g. '0 3 * * *'")
    add_temporal_options(p, address_required=True, task_queue=DEFAULT_TASK_QUEUE)
    p.add_argument("--schedule-id", default=None, help="default akua-onboard-drift/<task queue>")
    p.add_argument("--customers", type=Path, metavar="FILE", help="only the customers of this file (ids only)")
    p.add_argument("--only", metavar="ID,ID", help="only these customer ids")
    p.add_argument("--trigger", action="store_true", help="also start one run now")
    return p


def schedule_main(argv: Sequence[str]) -> int:
    """``akua-onboard schedule ...``; returns the exit code."""
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 2
    only: list[str] | None = None
    if args.customers is not None:
        from akua_pulumi.automation.customers import CustomersFileError, read_customers_file

        try:
            only = [e.id for e in read_customers_file(args.customers).entries if e.id]
        except CustomersFileError as exc:
            print(f"akua-onboard schedule: {exc}", file=sys.stderr)
            return 2
    if args.only is not None:
        picked = [x.strip() for x in args.only.split(",") if x.strip()]
        only = picked if only is None else [i for i in only if i in picked]
    try:
        sid = asyncio.run(
            schedule_drift(
                address=args.address,
                cron=args.cron,
                namespace=args.namespace,
                task_queue=args.task_queue,
                only=only,
                schedule=args.schedule_id,
                trigger=args.trigger,
            )
        )
    except InvalidWorkflowInput as exc:
        print(f"akua-onboard schedule: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # e.g. no Temporal at --address
        print(f"akua-onboard schedule: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(f"schedule {sid}: drift at {args.cron!r} on task queue {args.task_queue}", flush=True)
    return 0

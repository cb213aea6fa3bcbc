"""The drift scan on Temporal: a workflow a Schedule starts nightly, run by ``akua-onboard-worker``.

``akua-onboard schedule drift --cron '0 3 * * *' --address HOST:PORT`` (:mod:`.drift_schedule`)
creates a Temporal Schedule whose action starts :class:`DriftFleet`. Its one activity
(``akua-drift-scan``, :func:`drift_activity`) runs :class:`~.drift.DriftScan` on a worker with *that
worker's* backend, project, API URL and token, over every stack of the project (or the customer ids
the input names). The workflow's result is the JSON drift report (secret fields as ``[secret]``), so
each night's findings are in the Temporal UI and ``temporal workflow show``.

Trust boundary, as for onboarding (:mod:`.workflow_input`): the input is ``{}`` or
``{"only": [customer ids]}``; ids must be customer-id slugs; any other key (a URL, an environment, a
program or module path) fails the workflow before anything runs.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from akua_pulumi.automation.customers_schema import ID_PATTERN
from akua_pulumi.automation.workflow_input import InvalidWorkflowInput

__all__ = ["DRIFT_ACTIVITY", "DRIFT_WORKFLOW", "DriftFleet", "drift_activity", "parse_drift_input"]

DRIFT_WORKFLOW = "akua-onboard-drift"
DRIFT_ACTIVITY = "akua-drift-scan"
_HEARTBEAT = timedelta(seconds=30)
_MAX_IDS = 100_000


def parse_drift_input(data: object) -> list[str] | None:
    """The customer ids a drift workflow names (None: every stack of the worker's project).

    Raises:
        InvalidWorkflowInput: anything but ``{}`` / ``{"only": [slug, ...]}``; names the key, never the value.
    """
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise InvalidWorkflowInput(f"drift workflow input: expected an object, got {type(data).__name__}")
    unknown = sorted(str(k)[:40] for k in data if k != "only")
    if unknown:
        raise InvalidWorkflowInput(
            f"drift workflow input: unknown key(s) {', '.join(map(repr, unknown[:10]))}: the input holds only "
            "'only' (customer ids); the API URL, backend, project and secrets are the worker's own"
        )
    only = data.get("only")
    if only is None:
        return None
    if not isinstance(only, list) or len(only) > _MAX_IDS:
        raise InvalidWorkflowInput("drift workflow input 'only': expected a list of customer ids")
    bad = [i for i, v in enumerate(only) if not isinstance(v, str) or not re.fullmatch(ID_PATTERN, v) or len(v) > 63]
    if bad:
        raise InvalidWorkflowInput(f"drift workflow input 'only'[{bad[0]}]: not a customer id (a lowercase slug)")
    return list(dict.fromkeys(only))


@workflow.defn(name=DRIFT_WORKFLOW)
class DriftFleet:
    """Check every customer's stack for drift on a worker; the result is the JSON report."""

    @workflow.run
    async def run(self, data: Any = None) -> dict[str, Any]:
        try:
            parse_drift_input(data)
        except InvalidWorkflowInput as exc:
            raise ApplicationError(str(exc), type="InvalidWorkflowInput", non_retryable=True) from None
        result: dict[str, Any] = await workflow.execute_activity(
            DRIFT_ACTIVITY,
            data or {},
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=_HEARTBEAT,
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5), maximum_attempts=3),
        )
        return result


def _scan(settings: Any, only: list[str] | None) -> dict[str, Any]:
    """Run the scan with a worker's settings (in a thread of the worker)."""
    import os

    from akua_pulumi.automation.drift import DriftScan
    from akua_pulumi.automation.state_reader import list_stacks

    token_var = settings.secret_env.get("akua:token", "AKUA_API_TOKEN")
    stripe_var = settings.secret_env.get("akua:stripeApiKey", "STRIPE_API_KEY")
    akua = {"api_url": settings.config.get("akua:apiUrl"), "token": os.environ.get(token_var)}
    stripe = {"api_key": os.environ.get(stripe_var), "api_base": settings.config.get("akua:stripeApiBase")}
    scan = DriftScan.over(settings, akua, stripe)
    ids = only
    if ids is None:
        ids = list_stacks(
            settings.project_name, state_dir=settings.state_dir, backend_url=settings.backend_url, penv=scan.penv
        )
    report = scan.run(ids)
    # In full only the customers that need a look, so that a thousand in-sync customers stay well
    # inside Temporal's payload limit (2 MB); the others by id.
    notable = [r for r in report if r.drifted or not r.ok or r.unchecked]
    return {
        "exit_code": report.exit_code,
        "drifted": [r.customer_id for r in report.drifted],
        "failed": [r.customer_id for r in report.failed],
        "in_sync": [r.customer_id for r in report if r.ok and r.stack_found and not r.drifted and not r.unchecked],
        "no_stack": [r.customer_id for r in report if r.ok and not r.stack_found],
        "checked": len(report),
        "duration_s": report.duration_s,
        "customers": [r.to_json() for r in notable],
    }


def drift_activity(settings: Any) -> Any:
    """The ``akua-drift-scan`` activity scanning with ``settings`` (an ``akua-onboard-worker``'s
    :class:`~.worker.WorkerSettings`), heartbeating while it runs."""

    @activity.defn(name=DRIFT_ACTIVITY)
    async def drift_scan(data: Any) -> dict[str, Any]:
        if settings is None:
            raise ApplicationError("akua-drift-scan runs inside akua-onboard-worker", non_retryable=True)
        try:
            only = parse_drift_input(data)
        except InvalidWorkflowInput as exc:
            raise ApplicationError(str(exc), type="InvalidWorkflowInput", non_retryable=True) from None
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, _scan, settings, only)
        while True:
            done, _ = await asyncio.wait({future}, timeout=2.0)
            if done:
                return future.result()
            activity.heartbeat("scanning")

    return drift_scan

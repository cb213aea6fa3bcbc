"""``akua-onboard-worker``: run onboarding workflows from a Temporal task queue (the worker side
of :mod:`.executors.temporal`; each workflow's job runs :func:`.stack_run.run_job` in a job process).

A worker's settings are its own: the API URL, workspace and Stripe base (flags, defaulting to
``AKUA_API_URL``, ``AKUA_WORKSPACE``, ``STRIPE_API_BASE``), the backend, the project, the program
settings, the programs it may run (``--program NAME=MODULE:FUNCTION``, plus the stock program as
``default``) and its secrets (``AKUA_API_TOKEN``, ``STRIPE_API_KEY``, ``PULUMI_CONFIG_PASSPHRASE``
from its environment). A workflow names a customer, a command and an allowed program, nothing else
(:mod:`.workflow_input`). The engine runs with the worker's environment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from akua_pulumi.automation.cli_options import (
    DEFAULT_PROJECT,
    DEFAULT_TASK_QUEUE,
    add_repeatable,
    add_stack_options,
    add_temporal_options,
)
from akua_pulumi.automation.executors.temporal import HEARTBEAT_TIMEOUT, OnboardCustomer
from akua_pulumi.automation.results import CustomerResult
from akua_pulumi.automation.workflow_input import (
    DEFAULT_PROGRAM_NAME,
    InvalidWorkflowInput,
    check_program_name,
    parse_workflow_input,
)
from akua_pulumi.client._config import SETTING_ENV as CLIENT_SETTING_ENV
from akua_pulumi.stripe._client import SETTING_ENV as STRIPE_SETTING_ENV

__all__ = ["DEFAULT_PROGRAMS", "DEFAULT_SECRET_ENV", "WorkerSettings", "build_worker_parser", "main", "run_customer"]

HEARTBEAT_EVERY = 2.0
#: Programs every worker allows, by name.
DEFAULT_PROGRAMS = {DEFAULT_PROGRAM_NAME: "akua_pulumi.automation.programs:customer_program"}
#: Secret config keys and the worker environment variable that holds each value.
DEFAULT_SECRET_ENV = {
    "akua:token": CLIENT_SETTING_ENV["akua:token"],
    "akua:stripeApiKey": STRIPE_SETTING_ENV["akua:stripeApiKey"],
}


def _job_process(wire: dict[str, Any], results: Any) -> None:  # pragma: no cover - runs in the job process
    """A job process, forked from the worker's fork server (which dies with the worker): it leads its
    own session and ends its whole run (engine, language host, providers) when the fork server dies
    or the worker sends SIGTERM (:func:`.lifeline.lead_run`). The result goes back on ``results``."""
    from akua_pulumi.automation.job import Job
    from akua_pulumi.automation.lifeline import lead_run
    from akua_pulumi.automation.stack_run import run_job

    lead_run()  # tied to the fork server, or ended at once if the worker died since the fork
    result = run_job(Job.from_wire(wire))
    results.send(json.dumps(asdict(result), default=str))
    results.close()


@dataclass
class WorkerSettings:
    """Everything a run takes from the worker (never from the workflow)."""

    state_dir: Path
    backend_url: str | None = None
    programs: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PROGRAMS))
    project_name: str = DEFAULT_PROJECT
    #: Non-secret config (``akua:apiUrl``, ``akua:workspace``, ``akua:stripeApiBase``).
    config: dict[str, str] = field(default_factory=dict)
    secret_env: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SECRET_ENV))
    settings: dict[str, str] = field(default_factory=dict)
    passphrase: str | None = None
    engine_parallel: int | None = None
    #: The secrets provider new stacks are created with (None: passphrase).
    secrets_provider: str | None = None

    def job(
        self,
        wire: object,
        attempt: int,
        break_locks_older_than: float | None = None,
        changed_since: float | None = None,
    ) -> dict[str, Any] | CustomerResult:
        """The job for a workflow input (a wire dict), or the failed result of an invalid customer.
        ``attempt`` > 1 is a retry: it settles the dead attempt's lock (:mod:`.stack_lock`).

        Raises:
            InvalidWorkflowInput: the input has another shape, or names a program not allowed here.
        """
        from akua_pulumi.automation.environment import find_pulumi_bin
        from akua_pulumi.automation.job import Job
        from akua_pulumi.automation.program_ref import has_validator, validate_customer

        request = parse_workflow_input(wire)
        program = self.programs.get(request.program)
        if program is None:
            raise InvalidWorkflowInput(
                f"workflow input 'program': {request.program!r} is not a program this worker allows "
                f"({', '.join(sorted(self.programs))}); add it on the worker with --program NAME=MODULE:FUNCTION"
            )
        customer, command = request.customer, request.command
        if command in ("up", "preview"):
            problem = validate_customer(program, customer, self.settings)
            if problem:
                return CustomerResult(customer.id, command, ok=False, error=f"invalid customer: {problem}")
        config = {k: (v, False) for k, v in self.config.items()}
        for key, var in self.secret_env.items():
            if os.environ.get(var):
                config[key] = (os.environ[var], True)
        job = Job.on_store(
            self,
            program,
            customer,
            command,
            config=config,
            env={},
            settings=dict(self.settings),
            bin_dir=str(find_pulumi_bin()),
            preview_first=not has_validator(program),
            force=request.force,
            retry=attempt > 1,
            break_locks_older_than=break_locks_older_than,
            lock_wait_s=2 * HEARTBEAT_TIMEOUT.total_seconds(),
            changed_since=changed_since if attempt > 1 else None,
        )
        return job.to_wire()

    async def run(self, wire: object) -> dict[str, Any]:
        from akua_pulumi.automation.attempts import other_live_runs, workflow_started

        info = activity.info()
        try:
            cid = parse_workflow_input(wire).customer.id
            # A retry may break the dead attempt's lock only when no other run of the customer is live.
            live = await other_live_runs(activity.client(), info, cid) if info.attempt > 1 else []
            older_than = None if live else HEARTBEAT_TIMEOUT.total_seconds()
            since = await workflow_started(activity.client(), info) if info.attempt > 1 else None
            job = self.job(wire, info.attempt, older_than, since)
        except InvalidWorkflowInput as exc:
            raise ApplicationError(str(exc), type="InvalidWorkflowInput", non_retryable=True) from None
        worker = os.environ.get("AKUA_WORKER_NAME") or f"{os.uname().nodename}:{os.getpid()}"
        if isinstance(job, CustomerResult):
            return {**asdict(job), "attempt": info.attempt, "worker": worker}
        from akua_pulumi.automation.fork_server import fork_server_context

        cid = job["customer"]["id"]
        ctx = fork_server_context("akua_pulumi.automation.programs", __name__)
        results, child_end = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_job_process, args=(job, child_end), name=f"akua-job-{cid}")
        proc.start()
        child_end.close()
        loop = asyncio.get_running_loop()
        try:
            await _watch(proc, results, info, cid)
        except BaseException:  # cancelled, superseded or cut off from Temporal: end the run first
            await loop.run_in_executor(None, end_job, proc)
            raise
        try:
            result: dict[str, Any] = json.loads(results.recv())
        except (EOFError, OSError, ValueError):
            await loop.run_in_executor(None, end_job, proc)  # what is left of its run (its session)
            raise RuntimeError(f"job process for {cid} exited {proc.exitcode}") from None
        finally:
            results.close()
        await loop.run_in_executor(None, proc.join, 10)
        result["attempt"] = info.attempt
        result["worker"] = worker
        return result


async def _watch(proc: Any, results: Any, info: Any, cid: str) -> None:
    """Heartbeat until the job's result (or end of file) is on ``results``. Every heartbeat asks
    Temporal whether this attempt is still the current one (:func:`.attempts.still_current`).

    Raises:
        RuntimeError: Temporal moved on (a later attempt runs elsewhere) or has not answered for
            :data:`.attempts.FENCE_AFTER` seconds: the run must end (the caller ends it).
    """
    from akua_pulumi.automation.attempts import FENCE_AFTER, still_current

    loop = asyncio.get_running_loop()
    client = activity.client()
    last_answer = time.monotonic()
    while not await loop.run_in_executor(None, results.poll, HEARTBEAT_EVERY):
        activity.heartbeat(cid)
        current = await still_current(client, info)
        if current is False:
            raise RuntimeError(f"attempt {info.attempt} for {cid} is no longer the current one: run ended")
        if current is None and time.monotonic() - last_answer > FENCE_AFTER:
            raise RuntimeError(f"no answer from Temporal for {FENCE_AFTER:.0f}s: ended the run of {cid}")
        if current:
            last_answer = time.monotonic()


def end_job(proc: Any, grace: float = 5.0) -> None:
    """End a job's whole run: SIGTERM makes the job process kill every descendant (the engine,
    language host, providers) and exit; whatever is left of its session is SIGKILLed after ``grace``."""
    from akua_pulumi.automation.lifeline import kill_session

    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    proc.join(grace)
    kill_session(proc.pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


_worker: WorkerSettings | None = None


@activity.defn(name="akua-run-customer")
async def run_customer(job: Any) -> dict[str, Any]:
    """Run one workflow input (customer, command, program name) with this worker's settings."""
    assert _worker is not None, "run_customer runs inside akua-onboard-worker"
    return await _worker.run(job)


def build_worker_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="akua-onboard-worker",
        description="Run akua-onboard workflows from a Temporal task queue (one stack at a time per slot). "
        "Everything but the customer, the command and the program name is set here, never by a workflow.",
        epilog="Secrets come from this worker's environment: AKUA_API_TOKEN, STRIPE_API_KEY, "
        "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE; required unless --secrets-provider is a key "
        "URL, or the backend is a local file backend and the API a loopback akua-local).",
    )
    add_temporal_options(p, address_required=True, task_queue=DEFAULT_TASK_QUEUE)
    p.add_argument("--slots", type=int, default=2, metavar="N", help="customers at once on this worker")
    add_stack_options(
        p,
        state_dir=Path(".akua/onboarding-worker"),
        project=DEFAULT_PROJECT,
        api_url=env("AKUA_API_URL"),
        workspace=env("AKUA_WORKSPACE"),
    )
    p.add_argument(
        "--stripe-api-base", default=env("STRIPE_API_BASE"), metavar="URL", help="akua:stripeApiBase ($STRIPE_API_BASE)"
    )
    add_repeatable(
        p,
        "--program",
        "NAME=MODULE:FUNCTION",
        f"allow a program under NAME (repeatable; {DEFAULT_PROGRAM_NAME!r} is the stock program)",
    )
    p.add_argument("--engine-parallel", type=int, metavar="N", help="resource operations at once in one stack")
    add_repeatable(
        p,
        "--secret-env",
        "KEY=VAR",
        "secret config KEY read from environment variable VAR "
        "(default akua:token=AKUA_API_TOKEN, akua:stripeApiKey=STRIPE_API_KEY)",
    )
    return p


async def _serve(args: argparse.Namespace) -> None:
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from akua_pulumi.automation.drift_temporal import DriftFleet, drift_activity  # the nightly drift schedule
    from akua_pulumi.automation.executors.temporal import connect

    client = await connect(args.address, args.namespace)
    worker = Worker(
        client,
        task_queue=args.task_queue,
        workflows=[OnboardCustomer, DriftFleet],
        activities=[run_customer, drift_activity(_worker)],
        max_concurrent_activities=args.slots,
        # The workflow only checks its input and schedules one activity: nothing for the sandbox to guard.
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    print(f"akua-onboard-worker: serving {args.task_queue} on {args.address}", flush=True)
    await worker.run()


def _pairs(items: Sequence[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"{flag} {item!r}: expected KEY=VALUE")
        out[key] = value
    return out


def settings_from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> WorkerSettings:
    """The worker's settings from its flags and environment; checks run before any backend or API call.

    Raises:
        ValueError: a malformed flag, a program that cannot be imported, no passphrase where one is needed.
    """
    from akua_pulumi.automation.environment import require_passphrase, secrets_provider_problem
    from akua_pulumi.automation.program_ref import resolve_program

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", args.project):
        raise ValueError(f"--project {args.project!r} may only contain letters, digits, '_', '.', '-'")
    programs = dict(DEFAULT_PROGRAMS)
    for name, ref in _pairs(args.program, "--program").items():
        check_program_name(name)
        programs[name] = ref
    for ref in programs.values():
        resolve_program(ref)
    secret_env = {**DEFAULT_SECRET_ENV, **_pairs(args.secret_env, "--secret-env")}
    config = {
        key: value
        for key, value in (
            ("akua:apiUrl", args.api_url),
            ("akua:workspace", args.workspace),
            ("akua:stripeApiBase", args.stripe_api_base),
        )
        if value
    }
    problem = secrets_provider_problem(args.secrets_provider)
    if problem:
        raise ValueError(f"--secrets-provider: {problem}")
    passphrase = require_passphrase(
        backend_url=args.backend,
        api_url=args.api_url,
        who="akua-onboard-worker",
        environ=environ,
        secrets_provider=args.secrets_provider,
    )
    state_dir = args.state_dir.resolve()
    return WorkerSettings(
        state_dir=state_dir,
        backend_url=args.backend,
        programs=programs,
        project_name=args.project,
        config=config,
        secret_env=secret_env,
        settings=_pairs(args.setting, "--setting"),
        passphrase=passphrase,
        engine_parallel=args.engine_parallel,
        secrets_provider=args.secrets_provider,
    )


def check_backend(settings: WorkerSettings) -> str | None:
    """One ``stack ls`` on a shared backend before serving: what is wrong with it (naming the backend
    without its credentials, and what to do), or None. A local file backend is made on first use."""
    from akua_pulumi.automation.diagnostics import backend_problem
    from akua_pulumi.automation.environment import PulumiEnvironment, _redact, is_file_backend

    if is_file_backend(settings.backend_url):
        return None

    penv = PulumiEnvironment.for_store(settings)  # no passphrase: the environment's (or its file's), as for a run
    proc = penv.run("stack", "ls", "--all", "--json", cwd=settings.state_dir, check=False)
    if proc.returncode == 0:
        return None
    detail = " ".join(proc.stderr.split())[-400:]
    hint = backend_problem(proc.stderr) or "fix --backend or the AWS_* variables"
    return f"backend {_redact(penv.backend)} is not usable: {hint}. The CLI said: {detail}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``akua-onboard-worker``."""
    global _worker
    try:
        args = build_worker_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        settings = settings_from_args(args)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        prefix = "" if message.startswith("akua-onboard-worker:") else "akua-onboard-worker: "
        print(f"{prefix}{message}", file=sys.stderr)
        return 2
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    problem = check_backend(settings)
    if problem:
        print(f"akua-onboard-worker: {problem}", file=sys.stderr)
        return 2
    _worker = settings
    from akua_pulumi.automation.executors.temporal import TemporalUnreachableError

    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 130
    except TemporalUnreachableError as exc:
        print(f"akua-onboard-worker: {exc}", file=sys.stderr)
        return 2
    return 0

"""Run one Pulumi stack per customer, in parallel worker processes, and report per customer.

The pipeline is deliberately dumb about *what* a customer gets: a **program factory**
(``"module:function"`` or a top-level function) declares the resources::

    def customer_program(customer: Customer, settings: Mapping[str, Any]) -> None:
        CustomerWorkspace(customer.id, CustomerWorkspaceArgs(...))

It is called inside the Pulumi inline program of that customer's stack. Each running stack has a
worker process of its own, forked from a fork server that has the runner and the program imported
(parallel inline programs in one Python process have a history of gRPC failures, see docs notes
§6), so the factory must be importable by reference.

A failed customer never stops the others. Its error is one short line (the last meaningful Pulumi
diagnostic); the full engine output goes to ``<state_dir>/logs/<customer>.<command>.log``.

Split by concern: :mod:`.results` (what a command reports), :mod:`.diagnostics` (the one-line
error), :mod:`.runner` (one command on one stack, shared by every executor), this module (the
local process pool) and :mod:`.temporal` (the same jobs on a Temporal cluster).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue as queue_mod
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from akua_pulumi.automation.customers import Customer, InvalidCustomer
from akua_pulumi.automation.diagnostics import error_from_output as _error_from_output
from akua_pulumi.automation.diagnostics import shorten as _shorten
from akua_pulumi.automation.environment import require_passphrase
from akua_pulumi.automation.results import Command, CustomerEvent, CustomerResult, PipelineReport, Secret
from akua_pulumi.automation.runner import (
    Job,
    ProgramFactory,
    fork_server_context,
    has_validator,
    program_ref,
    resolve_program,
    run_job,
    validate_customer,
)
from akua_pulumi.automation.workflow_input import InvalidWorkflowInput, WorkflowInput, check_program_name

__all__ = [
    "Command",
    "CustomerEvent",
    "CustomerResult",
    "OnboardingPipeline",
    "PipelineReport",
    "ProgramFactory",
    "Secret",
    "resolve_program",
]

_ = _error_from_output  # re-exported for callers of the old single module

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


def _worker_context(program: ProgramFactory) -> Any:
    """Pool workers fork from the runner's fork server. A stock program is preloaded; a caller's own
    module is imported afresh by each run's workers, so a long-lived process that edits it runs the
    new code."""
    module = program_ref(program).partition(":")[0]
    return fork_server_context(*([module] if module.startswith("akua_pulumi.") else []))


def _run_job(job: Job) -> CustomerResult:
    """Pool worker entry point."""
    result = run_job(job, _emit)
    if _events is not None:
        with contextlib.suppress(Exception):
            _events.put(("finished", job.customer.id, job.command, "", result, time.time()))
    return result


# --------------------------------------------------------------------------- parent side


def _check_temporal_arguments(program: ProgramFactory, **worker_only: Any) -> None:
    """On Temporal a workflow carries only the customer, the command and a program name."""
    given = sorted(k for k, v in worker_only.items() if v is not None and v != {})
    if given:
        raise ValueError(
            f"engine 'temporal': {', '.join(given)} cannot be sent to the workers; a worker takes its API URL, "
            "Stripe base, backend, project, environment, settings and secrets from its own flags and "
            "environment (akua-onboard-worker --api-url, --backend, --setting...)"
        )
    try:
        check_program_name(program)
    except InvalidWorkflowInput:
        raise ValueError(
            f"engine 'temporal': program must be the name of a program the workers allow ('default' is the "
            f"stock program), not {'a callable' if callable(program) else 'a module path'}; a worker allows a "
            "program with akua-onboard-worker --program NAME=MODULE:FUNCTION"
        ) from None


class OnboardingPipeline:
    """Converge many customers, one Pulumi stack (named by customer id) each, ``parallelism`` at a time.

    Args:
        program: The program factory, ``"module:function"`` or a top-level function taking
            ``(customer, settings)``; it declares the customer's resources.
        project_name: Pulumi project of every stack.
        state_dir: Local file backend (unless ``backend_url``), ``PULUMI_HOME``, per-customer
            workspaces (stack config) and ``logs/``.
        backend_url: Any Pulumi backend URL instead of the local file backend.
        parallelism: Worker processes, i.e. stacks running at once.
        config: Stack config set on every stack (``{"akua:token": Secret(...)}``).
        env: Extra environment for the engine and the providers.
        settings: Passed to the program factory (must pickle).
        on_event: Called in this process with each :class:`CustomerEvent`.
        passphrase: Secrets passphrase; default ``$PULUMI_CONFIG_PASSPHRASE`` (or ``_FILE``). Without
            one the pipeline refuses to start (``MissingPassphraseError``, a ``ValueError``) unless the
            backend is a local file backend and the API URL a loopback akua-local; then the public
            default passphrase is used and one line on stderr says so.
        engine_parallel: Resource operations at once inside one stack (Pulumi ``--parallel``).
        preview_first: Preview before each ``up`` so invalid input fails before any write. Default
            (None): only for programs without an in-process ``validate`` hook; the default program
            has one, so its ``up`` is one engine run.
        engine: ``"local"`` (a process pool, the default) or ``"temporal"``: one workflow per customer
            on the Temporal cluster at ``address``, run by ``akua-onboard-worker`` processes. On
            Temporal, ``program`` is the *name* of a program the workers allow (``"default"``: the
            stock program), and the workers' own settings replace ``project_name``, ``backend_url``,
            ``config``, ``env``, ``settings``, ``passphrase``, ``engine_parallel`` and
            ``preview_first`` (passing any of them raises ``ValueError``).
        address, namespace, task_queue: Where the Temporal workflows go (``engine="temporal"``).
        force: Run the engine on ``up`` even when a customer's input is unchanged since its last
            successful up (to repair drift; ``refresh`` that finds drift has the same effect).
    """

    def __init__(
        self,
        program: ProgramFactory,
        *,
        project_name: str | None = None,
        state_dir: str | Path = Path(".akua/onboarding-state"),
        backend_url: str | None = None,
        parallelism: int = 4,
        config: Mapping[str, str | Secret] | None = None,
        env: Mapping[str, str] | None = None,
        settings: Mapping[str, Any] | None = None,
        on_event: Callable[[CustomerEvent], None] | None = None,
        passphrase: str | None = None,
        engine_parallel: int | None = None,
        preview_first: bool | None = None,
        force: bool = False,
        engine: str = "local",
        address: str | None = None,
        namespace: str = "default",
        task_queue: str | None = None,
    ) -> None:
        if engine not in ("local", "temporal"):
            raise ValueError(f"engine must be 'local' or 'temporal', got {engine!r}")
        if engine == "temporal" and not address:
            raise ValueError("engine 'temporal' needs an address (HOST:PORT of the Temporal frontend)")
        if parallelism < 1:
            raise ValueError("parallelism must be at least 1")
        if engine == "temporal":
            _check_temporal_arguments(
                program,
                project_name=project_name,
                backend_url=backend_url,
                config=config,
                env=env,
                settings=settings,
                passphrase=passphrase,
                engine_parallel=engine_parallel,
                preview_first=preview_first,
            )
        project_name = project_name or "akua-onboarding"
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", project_name):
            raise ValueError(f"project_name {project_name!r} may only contain letters, digits, '_', '.', '-'")
        if engine == "local" and isinstance(program, str) and ":" not in program:
            raise ValueError(f"program must be 'module:function', got {program!r}")
        self.program = program
        self.project_name = project_name
        self.state_dir = Path(state_dir).resolve()
        self.backend_url = backend_url
        self.parallelism = parallelism
        self.config: dict[str, str | Secret] = dict(config or {})
        self.env = dict(env or {})
        self.settings = dict(settings or {})
        self.on_event = on_event
        self.passphrase = passphrase
        self.engine_parallel = engine_parallel
        self.preview_first = preview_first
        self.force = force
        self.engine = engine
        self.address = address
        self.namespace = namespace
        self.task_queue = task_queue
        for key, value in self.config.items():
            if not isinstance(value, (str, Secret)):
                raise TypeError(f"config[{key!r}] must be a str or Secret, got {type(value).__name__}")
        if engine == "local":  # before any backend or API call; Temporal workers check their own
            self.passphrase = require_passphrase(
                backend_url=backend_url, api_url=self._api_url(), passphrase=passphrase, who=""
            )

    def _api_url(self) -> str | None:
        """The API URL the runs will use (None: the client's production default)."""
        value = self.config.get("akua:apiUrl")
        if isinstance(value, Secret):
            value = value.value
        return value or self.env.get("AKUA_API_URL") or os.environ.get("AKUA_API_URL") or None

    # -- public commands

    def up(self, customers: Iterable[Customer | InvalidCustomer], only: Iterable[str] | None = None) -> PipelineReport:
        """Create or update every customer's resources."""
        return self.run("up", customers, only)

    def preview(
        self, customers: Iterable[Customer | InvalidCustomer], only: Iterable[str] | None = None
    ) -> PipelineReport:
        """Show what ``up`` would change; changes nothing (creates empty stacks for new customers)."""
        return self.run("preview", customers, only)

    def refresh(
        self, customers: Iterable[Customer | InvalidCustomer], only: Iterable[str] | None = None
    ) -> PipelineReport:
        """Bring each stack's state in line with the real resources."""
        return self.run("refresh", customers, only)

    def destroy(
        self, customers: Iterable[Customer | InvalidCustomer], only: Iterable[str] | None = None
    ) -> PipelineReport:
        """Offboard: delete every customer's resources, then remove the stack. Missing stacks are ok."""
        return self.run("destroy", customers, only)

    def log_path(self, customer_id: str, command: str) -> Path:
        """Where the full engine output of ``command`` for ``customer_id`` is written."""
        return self.state_dir / "logs" / f"{customer_id}.{command}.log"

    # -- machinery

    def run(
        self,
        command: Command,
        customers: Iterable[Customer | InvalidCustomer],
        only: Iterable[str] | None = None,
    ) -> PipelineReport:
        """Run ``command`` for the selected customers; failures are per customer, never raised.

        Raises:
            ValueError: unknown command, an ``only`` id that is not in ``customers``, or a program
                that cannot be imported.
        """
        if command not in ("up", "preview", "refresh", "destroy"):
            raise ValueError(f"unknown command {command!r}")
        entries = self._select(list(customers), only)
        if self.engine == "local":
            resolve_program(self.program)  # fail fast, in the parent, on a bad program
        t0 = time.monotonic()
        results: dict[str, CustomerResult] = {}

        # In-process check of the program's input: no engine, no write. On Temporal the worker
        # checks it with the program it allows under that name.
        if command in ("up", "preview") and self.engine == "local":
            checked: list[Customer | InvalidCustomer] = []
            for entry in entries:
                problem = validate_customer(self.program, entry, self.settings) if isinstance(entry, Customer) else None
                checked.append(InvalidCustomer(index=-1, id=entry.id, errors=(problem,)) if problem else entry)
            entries = checked
        for entry in entries:
            if isinstance(entry, InvalidCustomer):
                res = CustomerResult(customer_id=entry.label, command=command, ok=False, error=entry.message)
                self._notify(CustomerEvent(entry.label, "started", command))
                self._notify(CustomerEvent(entry.label, "finished", command, result=res))
                results[entry.label] = res

        valid = [e for e in entries if isinstance(e, Customer)]
        if valid and self.engine == "temporal":
            assert isinstance(self.program, str)
            requests = [WorkflowInput(c, command, self.program, self.force) for c in valid]
            results.update(self._execute_temporal(command, requests))
        elif valid:
            bin_dir = self._bin_dir()  # fail fast on a missing Pulumi CLI too
            self.state_dir.mkdir(parents=True, exist_ok=True)
            context = _worker_context(self.program)  # the fork server starts while the stacks are listed
            # Listed only for local workers, which share this process's view of the backend.
            listed = self._listed_stacks(bin_dir) if command == "up" else None
            jobs = [self._job(command, c, bin_dir, None if listed is None else c.id in listed) for c in valid]
            results.update(self._execute_local(command, jobs, context))
        ordered = [results[e.id if isinstance(e, Customer) else e.label] for e in entries]
        return PipelineReport(command=command, results=ordered, duration_s=round(time.monotonic() - t0, 3))

    def _select(
        self, entries: list[Customer | InvalidCustomer], only: Iterable[str] | None
    ) -> list[Customer | InvalidCustomer]:
        labels = [e.id if isinstance(e, Customer) else e.label for e in entries]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(f"duplicate customer ids: {', '.join(dupes)}")
        if only is None:
            return entries
        wanted = [x.strip() for x in only if x.strip()]
        unknown = [x for x in wanted if x not in labels]
        if unknown:
            raise ValueError(f"--only names unknown customers: {', '.join(unknown)}")
        return [e for e, label in zip(entries, labels, strict=True) if label in wanted]

    def _bin_dir(self) -> str:
        from akua_pulumi.automation.environment import find_pulumi_bin

        return str(find_pulumi_bin())

    def _listed_stacks(self, bin_dir: str) -> set[str] | None:
        """This project's stack names in the backend: one CLI call for the whole run, which spares
        each new customer the read that would find its stack missing. None when the listing fails."""
        from akua_pulumi.automation.environment import PulumiEnvironment

        kw: dict[str, Any] = {} if self.passphrase is None else {"passphrase": self.passphrase}
        penv = PulumiEnvironment(
            state_dir=self.state_dir, backend_url=self.backend_url, bin_dir=Path(bin_dir), extra=dict(self.env), **kw
        )
        proc = penv.run("stack", "ls", "--project", self.project_name, "--json", cwd=penv.state_dir, check=False)
        if proc.returncode != 0:
            return None
        try:
            return {str(entry["name"]).rsplit("/", 1)[-1] for entry in json.loads(proc.stdout or "[]")}
        except (ValueError, KeyError, TypeError):
            return None

    def _job(self, command: str, customer: Customer, bin_dir: str | None, stack_exists: bool | None = None) -> Job:
        config = {k: ((v.value, True) if isinstance(v, Secret) else (v, False)) for k, v in self.config.items()}
        preview_first = self.preview_first
        if preview_first is None:
            preview_first = not has_validator(self.program)
        return Job(
            program=self.program,
            customer=customer,
            command=command,
            project_name=self.project_name,
            state_dir=str(self.state_dir),
            backend_url=self.backend_url,
            config=config,
            env=self.env,
            settings=self.settings,
            passphrase=self.passphrase,
            engine_parallel=self.engine_parallel,
            bin_dir=bin_dir,
            preview_first=preview_first,
            force=self.force,
            stack_exists=stack_exists,
        )

    def _notify(self, event: CustomerEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _execute_temporal(self, command: str, requests: Sequence[WorkflowInput]) -> dict[str, CustomerResult]:
        from akua_pulumi.automation.temporal import DEFAULT_TASK_QUEUE, run_on_temporal

        assert self.address is not None
        for request in requests:
            self._notify(CustomerEvent(request.customer.id, "started", command))
        return run_on_temporal(
            requests,
            address=self.address,
            namespace=self.namespace,
            task_queue=self.task_queue or DEFAULT_TASK_QUEUE,
            on_finished=lambda r: self._notify(CustomerEvent(r.customer_id, "finished", command, result=r)),
        )

    def _execute_local(self, command: str, jobs: Sequence[Job], ctx: Any) -> dict[str, CustomerResult]:
        events = ctx.Queue()
        results: dict[str, CustomerResult] = {}
        done_at: dict[str, float] = {}  # future finished, waiting for its "finished" event
        workers = min(self.parallelism, len(jobs))
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(events, dict(os.environ))
        )
        try:
            futures: dict[str, Future[CustomerResult]] = {j.customer.id: pool.submit(_run_job, j) for j in jobs}
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
                    self._notify(CustomerEvent(cid, kind, cmd, message, result, ts))
                now = time.monotonic()
                for cid, fut in futures.items():
                    if cid in results or not fut.done():
                        continue
                    exc = fut.exception()
                    if exc is not None:  # the worker died (crash, OOM kill): no events will come
                        res = CustomerResult(
                            customer_id=cid,
                            command=command,
                            ok=False,
                            error=_shorten(f"worker process failed: {type(exc).__name__}: {exc}"),
                            log_path=str(self.log_path(cid, command)),
                        )
                    elif now - done_at.setdefault(cid, now) > 5.0:  # events lost; trust the future
                        res = fut.result()
                    else:
                        continue
                    results[cid] = res
                    self._notify(CustomerEvent(cid, "finished", command, result=res))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            pool.shutdown(wait=True)
        finally:
            events.close()
            events.join_thread()
        return results

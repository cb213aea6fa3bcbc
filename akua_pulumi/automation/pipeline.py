"""Run one Pulumi stack per customer, in parallel, and report per customer.

The pipeline is deliberately dumb about *what* a customer gets: a **program factory**
(``"module:function"`` or a top-level function) declares the resources::

    def customer_program(customer: Customer, settings: Mapping[str, Any]) -> None:
        CustomerWorkspace(customer.id, CustomerWorkspaceArgs(...))

It is called inside the Pulumi inline program of that customer's stack, in a worker process of
its own, so the factory must be importable by reference.

A failed customer never stops the others. Its error is one short line (the last meaningful Pulumi
diagnostic); the full engine output goes to ``<state_dir>/logs/<customer>.<command>.log``.

A run flows one way: :mod:`.plan` (select and validate the customers) → an executor
(:mod:`.executors.local`, a process pool, or :mod:`.executors.temporal`) → :mod:`.stack_run` (one
command on one stack). :mod:`.results` is what a command reports.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from akua_pulumi.automation.cli_options import DEFAULT_PROJECT, DEFAULT_TASK_QUEUE
from akua_pulumi.automation.customers import Customer, InvalidCustomer
from akua_pulumi.automation.environment import (
    PulumiEnvironment,
    find_pulumi_bin,
    require_passphrase,
    secrets_provider_problem,
)
from akua_pulumi.automation.executors.local import listed_stacks, run_local, worker_context
from akua_pulumi.automation.job import Job
from akua_pulumi.automation.plan import make_plan
from akua_pulumi.automation.program_ref import ProgramFactory, has_validator, resolve_program
from akua_pulumi.automation.results import Command, CustomerEvent, CustomerResult, PipelineReport, Secret
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
        secrets_provider: The secrets provider new stacks are created with: ``passphrase`` (the default)
            or a key URL (``awskms://KEY?region=...``, ``gcpkms://``, ``azurekeyvault://``,
            ``hashivault://``), which needs no passphrase. Existing stacks keep theirs.
        preview_first: Preview before each ``up`` so invalid input fails before any write. Default
            (None): only for programs without an in-process ``validate`` hook; the default program
            has one, so its ``up`` is one engine run.
        engine: ``"local"`` (a process pool, the default) or ``"temporal"``: one workflow per customer
            on the Temporal cluster at ``address``, run by ``akua-onboard-worker`` processes. On
            Temporal, ``program`` is the *name* of a program the workers allow (``"default"``: the
            stock program), and the workers' own settings replace ``project_name``, ``backend_url``,
            ``config``, ``env``, ``settings``, ``passphrase``, ``secrets_provider``, ``engine_parallel``
            and ``preview_first`` (passing any of them raises ``ValueError``).
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
        secrets_provider: str | None = None,
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
                secrets_provider=secrets_provider,
                engine_parallel=engine_parallel,
                preview_first=preview_first,
            )
        project_name = project_name or DEFAULT_PROJECT
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", project_name):
            raise ValueError(f"project_name {project_name!r} may only contain letters, digits, '_', '.', '-'")
        problem = secrets_provider_problem(secrets_provider)
        if problem:
            raise ValueError(problem)
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
        self.secrets_provider = secrets_provider
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
                backend_url=backend_url,
                api_url=self._api_url(),
                passphrase=passphrase,
                who="",
                secrets_provider=secrets_provider,
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

    def drift(
        self,
        customers: Iterable[Customer | InvalidCustomer | str],
        only: Iterable[str] | None = None,
        on_result: Callable[[Any], None] | None = None,
    ) -> Any:
        """Compare every customer's stack (customers, or bare customer ids) with the live API, changing
        nothing: a :class:`~akua_pulumi.automation.drift_report.DriftReport` (no engine run; see :mod:`.drift`).
        ``on_result`` gets each customer's :class:`~akua_pulumi.automation.drift_report.CustomerDrift`."""
        from akua_pulumi.automation.drift import pipeline_drift

        return pipeline_drift(self, customers, only, on_result)

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
        # In-process check of the program's input: no engine, no write. On Temporal the worker
        # checks it with the program it allows under that name.
        local = self.engine == "local"
        plan = make_plan(command, customers, only, program=self.program if local else None, settings=self.settings)
        t0 = time.monotonic()
        results: dict[str, CustomerResult] = {}
        for res in plan.refused():
            self._notify(CustomerEvent(res.customer_id, "started", command))
            self._notify(CustomerEvent(res.customer_id, "finished", command, result=res))
            results[res.customer_id] = res
        valid = plan.runnable
        if valid and not local:
            assert isinstance(self.program, str)
            requests = [WorkflowInput(c, command, self.program, self.force) for c in valid]
            results.update(self._execute_temporal(command, requests))
        elif valid:
            bin_dir = str(find_pulumi_bin())  # fail fast on a missing Pulumi CLI too
            self.state_dir.mkdir(parents=True, exist_ok=True)
            context = worker_context(self.program)  # the fork server starts while the stacks are listed
            # Listed only for local workers, which share this process's view of the backend.
            listed = self._listed_stacks(bin_dir) if command == "up" else None
            jobs = [self._job(command, c, bin_dir, None if listed is None else c.id in listed) for c in valid]
            results.update(run_local(jobs, context, parallelism=self.parallelism, notify=self._notify))
        return PipelineReport(command=command, results=plan.order(results), duration_s=round(time.monotonic() - t0, 3))

    def _listed_stacks(self, bin_dir: str) -> set[str] | None:
        """This project's stack names in the backend (None when the listing fails)."""
        return listed_stacks(PulumiEnvironment.for_store(self, bin_dir=bin_dir, extra=self.env), self.project_name)

    def _job(self, command: str, customer: Customer, bin_dir: str | None, stack_exists: bool | None = None) -> Job:
        config = {k: ((v.value, True) if isinstance(v, Secret) else (v, False)) for k, v in self.config.items()}
        preview_first = self.preview_first
        if preview_first is None:
            preview_first = not has_validator(self.program)
        return Job.on_store(
            self,
            self.program,
            customer,
            command,
            config=config,
            env=self.env,
            settings=self.settings,
            bin_dir=bin_dir,
            preview_first=preview_first,
            force=self.force,
            stack_exists=stack_exists,
        )

    def _notify(self, event: CustomerEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _execute_temporal(self, command: str, requests: Sequence[WorkflowInput]) -> dict[str, CustomerResult]:
        from akua_pulumi.automation.executors.temporal import run_on_temporal

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

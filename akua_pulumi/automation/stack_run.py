"""One stack run: one command on one customer's stack, the unit of work of every executor.

:func:`run_job` never raises: whatever happens becomes a :class:`CustomerResult`, and the full
engine output goes to ``<state_dir>/logs/<customer>.<command>.log``. Each command is one function
(:func:`up`, :func:`preview`, :func:`refresh`, :func:`destroy`).

What one ``up`` costs (see docs/performance.md):

* **a new customer** (the pipeline's one ``stack ls`` says its stack does not exist): two CLI
  calls, ``stack init`` and one engine run (``pulumi up --skip-preview``);
* **input unchanged since the last successful up** (same customer entry, settings, config, program
  and akua_pulumi version, recorded by the up itself as the stack output ``akua:input``, see
  :mod:`.fingerprint`): one CLI call (read the outputs), no engine run. ``force=True`` runs the
  engine anyway (drift);
* **changed input**: read the outputs, then one engine run.

Config whose key has an environment variable standing in for it (``akua:token`` and
``AKUA_API_TOKEN``...) reaches the engine, the providers and the program through the environment
of the run, so it is never stored in a stack's config (no ``config set-all``, no copy of the
token per stack). Other keys are set as stack config. Invalid input is rejected before any write
in-process (the customers file and the program's ``validate``); ``preview_first`` adds a preview
for programs that have no ``validate``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from akua_pulumi.automation import cli_messages
from akua_pulumi.automation.diagnostics import backend_problem, error_from_output, last_meaningful, shorten
from akua_pulumi.automation.engine_stack import EventStreamStack, ExistingStackWorkspace, StackInitMode, op_name
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.fingerprint import FINGERPRINT_OUTPUT, fingerprint, forget_fingerprint
from akua_pulumi.automation.job import Job, split_config
from akua_pulumi.automation.program_ref import resolve_program
from akua_pulumi.automation.results import CustomerResult
from akua_pulumi.automation.stack_lock import lock_holders, settle

__all__ = ["COMMANDS", "Emit", "destroy", "preview", "refresh", "run_job", "up"]

#: ``emit(kind, customer_id, command, message)``: progress out of a run (a queue, a heartbeat...).
Emit = Callable[[str, str, str, str], None]


def run_job(job: Job, emit: Emit | None = None) -> CustomerResult:
    """Run one command on one customer's stack; never raises."""
    cid, command = job.customer.id, job.command
    logs = Path(job.state_dir) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{cid}.{command}.log"
    started = time.monotonic()

    def send(kind: str, message: str = "") -> None:
        if emit is not None:
            with contextlib.suppress(Exception):  # progress must never break a run
                emit(kind, cid, command, message)

    send("started")
    result = CustomerResult(customer_id=cid, command=command, ok=False, log_path=str(log_path))
    with log_path.open("w", encoding="utf-8") as log, _redirect_fds(log), _settings_environment(job):
        log.write(f"# akua-onboard {command} {cid} at {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n")
        log.flush()
        run = _Run(job, log, result, send)
        try:
            if job.retry:  # the dead attempt's lock and pending operations (never a live run's lock)
                run.adoptions = settle(run, break_older_than=job.break_locks_older_than, wait_s=job.lock_wait_s)
            if command not in COMMANDS:  # pragma: no cover - guarded by the plan and the workflow input
                raise ValueError(f"unknown command {command!r}")
            COMMANDS[command](run)
            if run.prior_changes:
                _add_earlier_changes(run)
            result.ok = True
        except BaseException as exc:
            log.write("\n# ---- failure ----\n")
            log.write("".join(traceback.format_exception(exc)))
            if run.program_errors:
                message = run.program_errors[-1]
            else:
                found = [m for m in (last_meaningful(d) for d in run.diagnostics) if m]
                message = found[-1] if found else error_from_output(str(exc))
            problem = backend_problem(f"{message}\n{exc}")
            if problem:
                message = problem
            elif cli_messages.is_locked(str(exc)):
                holders = "; ".join(map(str, lock_holders(str(exc)))) or "a lock the CLI did not describe"
                message = f"stack {cid} is locked by another run ({holders})"
            result.error = shorten(message)
            if isinstance(exc, KeyboardInterrupt):
                result.error = "interrupted"
        finally:
            result.duration_s = round(time.monotonic() - started, 3)
            outcome = "ok" if result.ok else f"FAILED: {result.error}"
            log.write(f"\n# result: {outcome} ({result.duration_s}s)\n")
    return result


@dataclass
class _Run:
    """One run in progress: its job, log, engine environment and what the engine reported."""

    job: Job
    log: TextIO
    result: CustomerResult
    send: Callable[[str, str], None]
    diagnostics: list[str] = field(default_factory=list)
    program_errors: list[str] = field(default_factory=list)
    #: The dead run's in-flight creates to adopt, ``{akua_seed: id}`` (a retried ``up``).
    adoptions: dict[str, str] = field(default_factory=dict)
    #: What earlier attempts of a retried run changed (:func:`.stack_lock.earlier_changes`).
    prior_changes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        job = self.job
        env_settings, self.stack_config = split_config(job.config)
        self.penv = PulumiEnvironment.for_store(job, bin_dir=job.bin_dir, extra={**job.env, **env_settings})
        self.cid = job.customer.id
        self.qualified = f"organization/{job.project_name}/{self.cid}"
        self.work_dir = Path(job.state_dir) / "workspaces" / job.project_name / self.cid
        self.digest = fingerprint(job) if job.command in ("up", "preview") else ""

    def cli(self, *args: str) -> Any:
        """One CLI call on this run's stack, logged; never raises on a non-zero exit."""
        proc = self.penv.run(*args, "--stack", self.qualified, cwd=self.penv.state_dir, check=False)
        self.log.write(f"# pulumi {' '.join(a for a in args if a != '--show-secrets')}: exit {proc.returncode}\n")
        if proc.returncode and proc.stderr.strip():
            self.log.write("#   " + proc.stderr.strip().replace("\n", "\n#   ") + "\n")
        return proc

    def note(self, line: str) -> None:
        self.log.write(f"# {line}\n")

    def engine_options(self, on_event: Callable[[Any], None] | None = None) -> dict[str, Any]:
        """Keyword arguments of every engine command: output to the log, events to :meth:`on_event`."""
        common: dict[str, Any] = {"on_output": self.on_output, "on_event": on_event or self.on_event, "color": "never"}
        if self.job.engine_parallel:
            common["parallel"] = self.job.engine_parallel
        return common

    def on_output(self, line: str) -> None:
        self.log.write(line if line.endswith("\n") else line + "\n")
        self.log.flush()

    def on_event(self, ev: Any) -> None:
        """Errors for the one-line failure; each of the program's own resources as progress."""
        if ev.diagnostic_event is not None and ev.diagnostic_event.severity == "error":
            self.diagnostics.append(ev.diagnostic_event.message)
        step = ev.res_outputs_event or ev.res_op_failed_event
        if _own_step(step):
            failed = " failed" if ev.res_op_failed_event is not None else ""
            name = step.metadata.urn.rsplit("::", 1)[-1]
            self.send("resource", f"{op_name(step.metadata.op)}{failed} {step.metadata.type} {name}")

    def on_preview_event(self, ev: Any) -> None:
        """A preview's errors; its plan size as progress (its resource events are not progress)."""
        if ev.diagnostic_event is not None and ev.diagnostic_event.severity == "error":
            self.diagnostics.append(ev.diagnostic_event.message)
        if ev.summary_event is not None:
            steps = sum(int(v) for k, v in (ev.summary_event.resource_changes or {}).items())
            self.send("plan", str(max(steps - 1, 0)))  # minus the Stack itself

    def finish(self, changes: Mapping[Any, int], outputs: Mapping[str, Any] | None = None) -> None:
        self.result.changes = {op_name(k): int(v) for k, v in changes.items()}
        self.result.resources_changed = sum(v for k, v in self.result.changes.items() if k != "same")
        if outputs is not None:
            self.result.outputs = _own_outputs(outputs)


# --------------------------------------------------------------------------- the commands


def up(run: _Run) -> None:
    """Create or update the customer's resources; skipped when the input is unchanged."""
    job = run.job
    exists = job.stack_exists  # None: not known
    if not job.force and exists is not False:
        exists = _read_recorded_input(run)
        if run.result.skipped:
            return
    stack = _open(run, _program(run, run.adoptions), exists, create=True)
    assert stack is not None
    if job.preview_first:
        # For programs without an in-process `validate`: invalid input fails every resource's
        # check here, before anything is written (dependents are checked only after their
        # parents are created during an update).
        stack.preview(**run.engine_options(run.on_preview_event))
    try:
        done = stack.up_from_events(**run.engine_options())
    except Exception as exc:
        if not cli_messages.is_locked(str(exc)):  # a run of ours reached the engine, maybe a part of it
            forget_fingerprint(run.cli, run.work_dir, run.log)
        raise
    # The event stream shows secret outputs as "[secret]", as the report of an up does.
    run.finish(done.summary.resource_changes or {}, {k: v.value for k, v in done.outputs.items()})


def preview(run: _Run) -> None:
    """Show what ``up`` would change (an empty stack is created for a new customer)."""
    stack = _open(run, _program(run, {}), run.job.stack_exists, create=True)
    assert stack is not None
    run.finish(stack.preview(**run.engine_options()).change_summary or {})


def refresh(run: _Run) -> None:
    """Bring the stack's state in line with the real resources; drift makes the next up run the engine."""
    stack = _open(run, _program(run, {}), run.job.stack_exists, create=False)
    if stack is None:
        raise RuntimeError(f"stack {run.cid!r} does not exist; run 'up' first")
    changes = stack.refresh(**run.engine_options()).summary.resource_changes or {}
    if any(int(v) for k, v in changes.items() if op_name(k) != "same"):
        forget_fingerprint(run.cli, run.work_dir, run.log)  # drift found: the next up must run the engine
    run.finish(changes)


def destroy(run: _Run) -> None:
    """Delete the customer's resources, then the stack; a missing stack is success (idempotent)."""
    stack = _open(run, _program(run, {}), run.job.stack_exists, create=False)
    if stack is None:
        run.note(f"stack {run.cid} does not exist; nothing to destroy")
        shutil.rmtree(run.work_dir, ignore_errors=True)
        return
    changes = stack.destroy(**run.engine_options()).summary.resource_changes or {}
    stack.workspace.remove_stack(run.cid)
    shutil.rmtree(run.work_dir, ignore_errors=True)
    run.finish(changes)


#: One function per command.
COMMANDS: dict[str, Callable[[_Run], None]] = {"up": up, "preview": preview, "refresh": refresh, "destroy": destroy}


# --------------------------------------------------------------------------- the parts of a command


def _read_recorded_input(run: _Run) -> bool | None:
    """Read the stack's outputs: whether the stack exists (None: not known), and when the recorded
    input is this run's, mark the result skipped with the last up's outputs."""
    # Without --show-secrets secret outputs read "[secret]", as in the report of an up.
    out = run.cli("stack", "output", "--json")
    if out.returncode != 0:
        return False if cli_messages.is_no_such_stack(out.stderr) else None
    recorded_outputs = json.loads(out.stdout or "{}")
    recorded, _, count = str(recorded_outputs.get(FINGERPRINT_OUTPUT, "")).partition(":")
    if count.isdigit():
        run.send("plan", count)  # the last up's resource count: a good estimate for a changed input
    if recorded == run.digest:
        run.note("input unchanged since the last successful up: nothing to do")
        run.result.outputs = _own_outputs(recorded_outputs)
        run.result.changes = {"same": int(count)} if count.isdigit() else {}
        run.result.resources_changed = 0
        run.result.skipped = True
    return True


def _program(run: _Run, adoptions: Mapping[str, str]) -> Callable[[], None]:
    """The inline program: the factory, plus the recorded input (``up``/``preview``) and adoptions."""
    factory = resolve_program(run.job.program)
    customer, settings, digest = run.job.customer, run.job.settings, run.digest

    def program() -> None:
        import pulumi

        if adoptions:

            def adopt(args: Any) -> Any:
                found = adoptions.get(str(args.props.get("akua_seed") or ""))
                if found is None:
                    return None
                return pulumi.ResourceTransformationResult({**args.props, "adopt_id": found}, args.opts)

            pulumi.runtime.register_stack_transformation(adopt)
        declared: list[Any] = []
        if digest:

            def collect(args: Any) -> None:
                declared.append(args.resource)

            pulumi.runtime.register_stack_transformation(collect)
        try:
            factory(customer, settings)
        except Exception as exc:
            run.program_errors.append(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            raise
        if digest:
            # Resolves when every declared resource is registered (created, updated or the same);
            # a failed step rejects it, so the stack keeps no record of an input it did not reach.
            done = pulumi.Output.all(*(r.urn for r in declared))
            pulumi.export(FINGERPRINT_OUTPUT, done.apply(lambda _: f"{digest}:{len(declared)}"))

    return program


def _open(run: _Run, program: Callable[[], None], exists: bool | None, *, create: bool) -> EventStreamStack | None:
    """The customer's stack with its config current; None when it does not exist and ``create`` is
    false. ``exists`` (None: not known) spares the CLI calls that would find out."""
    from pulumi import automation as auto
    from pulumi.automation import ConfigValue, ProjectSettings

    job, cid = run.job, run.cid
    run.work_dir.mkdir(parents=True, exist_ok=True)
    opts = run.penv.workspace_options(
        work_dir=str(run.work_dir),
        program=program,
        # An inline program's project runs from here (as the SDK's create_stack sets it).
        project_settings=ProjectSettings(name=job.project_name, runtime="python", main=os.getcwd()),
    )
    stack: EventStreamStack | None = None
    if exists is False and create:  # `stack init` alone: create-or-select would first try `stack select`
        try:
            stack = EventStreamStack(cid, auto.LocalWorkspace(**opts.__dict__), StackInitMode.CREATE)
        except auto.StackAlreadyExistsError:  # created since the caller listed the stacks
            exists = True
    if stack is None and exists:
        stack = EventStreamStack(cid, ExistingStackWorkspace(**opts.__dict__), StackInitMode.SELECT)
    elif stack is None and create:
        stack = EventStreamStack(cid, auto.LocalWorkspace(**opts.__dict__), StackInitMode.CREATE_OR_SELECT)
    elif stack is None:
        try:
            stack = EventStreamStack(cid, auto.LocalWorkspace(**opts.__dict__), StackInitMode.SELECT)
        except auto.StackNotFoundError:
            return None
    if run.stack_config:
        # `config set-all` is a CLI call: only when this worker's stack config file is not current.
        config_digest = hashlib.sha256(json.dumps(sorted(run.stack_config.items())).encode()).hexdigest()
        marker = run.work_dir / ".akua-config"
        stack_file = run.work_dir / f"Pulumi.{cid}.yaml"
        if not stack_file.exists() or not marker.exists() or marker.read_text() != config_digest:
            stack.set_all_config({k: ConfigValue(value=v, secret=s) for k, (v, s) in run.stack_config.items()})
            marker.write_text(config_digest)
    return stack


def _add_earlier_changes(run: _Run) -> None:
    """A retried run reports what the whole workflow changed: the earlier attempts' creates and
    updates (seen as ``same`` by this attempt) are added to this attempt's summary."""
    res, earlier = run.result, run.prior_changes
    changes = dict(res.changes)
    for op, n in earlier.items():
        changes[op] = changes.get(op, 0) + n
    if "same" in changes:
        changes["same"] = max(0, changes["same"] - sum(earlier.values()))
    res.changes = changes
    res.resources_changed = sum(v for k, v in changes.items() if k != "same")
    res.skipped = False  # the engine ran, in an earlier attempt
    run.note("earlier attempts changed: " + ", ".join(f"{k} {v}" for k, v in sorted(earlier.items())))


def _own_step(step: Any) -> bool:
    """Only the program's own resources: not the Stack, not default providers."""
    return step is not None and not step.metadata.type.startswith(("pulumi:pulumi:", "pulumi:providers:"))


def _own_outputs(values: Mapping[str, Any]) -> dict[str, Any]:
    """The program's outputs, without the run's own (``akua:input``)."""
    return {k: v for k, v in values.items() if not k.startswith("akua:")}


@contextlib.contextmanager
def _settings_environment(job: Job) -> Iterator[None]:
    """The job's environment-borne settings in ``os.environ`` for the run (the inline program and
    lookups read them there), restored afterwards."""
    env, _ = split_config(job.config)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _redirect_fds(log: TextIO) -> Iterator[None]:
    """Send anything written straight to fd 1/2 (gRPC, subprocesses) to the log, not the terminal."""
    saved = [os.dup(1), os.dup(2)]
    try:
        log.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)

"""Run one command on one customer's stack: the unit of work of every executor (process pool, Temporal).

:func:`run_job` never raises: whatever happens becomes a :class:`CustomerResult`, and the full
engine output goes to ``<state_dir>/logs/<customer>.<command>.log``.

What one ``up`` costs (see docs/performance.md):

* **a new customer** (the pipeline's one ``stack ls`` says its stack does not exist): two CLI
  calls, ``stack init`` and one engine run (``pulumi up --skip-preview``);
* **input unchanged since the last successful up** (same customer entry, settings, config, program
  and akua_pulumi version, recorded by the up itself as the stack output ``akua:input``): one CLI
  call (read the outputs), no engine run. ``force=True`` runs the engine anyway (drift);
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
import importlib
import importlib.metadata
import json
import os
import pickle
import shutil
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TextIO

from akua_pulumi.automation.customers import Customer
from akua_pulumi.automation.diagnostics import error_from_output, last_meaningful, shorten
from akua_pulumi.automation.results import CustomerResult
from akua_pulumi.client._config import SETTING_ENV as CLIENT_SETTING_ENV
from akua_pulumi.stripe._client import SETTING_ENV as STRIPE_SETTING_ENV

__all__ = [
    "FINGERPRINT_OUTPUT",
    "SETTING_ENV",
    "Emit",
    "Job",
    "ProgramFactory",
    "fingerprint",
    "fork_server_context",
    "program_ref",
    "resolve_program",
    "run_job",
    "validate_customer",
]

ProgramFactory = str | Callable[[Customer, Mapping[str, Any]], None]
#: ``emit(kind, customer_id, command, message)``: progress out of a run (a queue, a heartbeat...).
Emit = Callable[[str, str, str, str], None]
#: Stack output holding ``<input fingerprint>:<resource count>``; it resolves only once every
#: resource the program declared was created or updated, so only a successful up records it.
FINGERPRINT_OUTPUT = "akua:input"
#: Config keys handed to a run as environment variables rather than stored as stack config.
SETTING_ENV: dict[str, str] = {**CLIENT_SETTING_ENV, **STRIPE_SETTING_ENV}


def resolve_program(program: ProgramFactory) -> Callable[[Customer, Mapping[str, Any]], None]:
    """Turn ``"package.module:function"`` (or a callable) into the factory function.

    Raises:
        ValueError: the string is malformed, the module cannot be imported or has no such attribute.
        TypeError: a callable that cannot be imported by reference in a worker process.
    """
    if callable(program):
        qualname = getattr(program, "__qualname__", "")
        if "<locals>" in qualname or "<lambda>" in qualname:
            raise TypeError(f"program {qualname!r} must be a top-level function (workers import it by name)")
        try:
            pickle.dumps(program)
        except Exception as exc:
            raise TypeError(f"program {program!r} cannot be sent to a worker process: {exc}") from exc
        return program
    if not isinstance(program, str) or ":" not in program:
        raise ValueError(f"program must be 'module:function', got {program!r}")
    module_name, _, attr_path = program.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import program module {module_name!r}: {exc}") from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"program {program!r}: {module_name} has no attribute {attr_path!r}") from None
    if not callable(obj):
        raise ValueError(f"program {program!r} is not callable")
    fn: Callable[[Customer, Mapping[str, Any]], None] = obj
    return fn


def fork_server_context(*preload: str) -> Any:
    """A ``multiprocessing`` context whose processes fork from one server that imported this runner
    and ``preload`` once (a fresh interpreter costs ~0.7 CPU s of imports per process); ``spawn``
    where there is no fork server. The server lives as long as the calling process."""
    import multiprocessing
    from multiprocessing import forkserver

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux/macOS
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, *preload])  # no effect once the server runs
    forkserver.ensure_running()  # its imports overlap with whatever the caller does next
    return ctx


def program_ref(program: ProgramFactory) -> str:
    """``"module:function"`` for a factory (what a remote worker imports)."""
    if isinstance(program, str):
        return program
    return f"{program.__module__}:{program.__qualname__}"


def validate_customer(program: ProgramFactory, customer: Customer, settings: Mapping[str, Any]) -> str | None:
    """Run the factory's in-process ``validate(customer, settings)`` hook; the error, or None.

    Returns None too when the factory has no hook (then only a preview can check its input).
    """
    hook = getattr(resolve_program(program), "validate", None)
    if hook is None:
        return None
    try:
        hook(customer, settings)
    except Exception as exc:
        return shorten(f"{exc}" or type(exc).__name__)
    return None


def has_validator(program: ProgramFactory) -> bool:
    """Whether the factory checks its input in-process (so ``up`` needs no preview)."""
    return callable(getattr(resolve_program(program), "validate", None))


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to run one command on one customer's stack; must pickle."""

    program: ProgramFactory
    customer: Customer
    command: str
    project_name: str
    state_dir: str
    backend_url: str | None
    config: dict[str, tuple[str, bool]]
    env: dict[str, str]
    settings: dict[str, Any]
    passphrase: str | None
    engine_parallel: int | None
    bin_dir: str | None
    preview_first: bool = False
    force: bool = False
    #: ``up`` clears a stale lock of a dead run first (``pulumi cancel``): set on a retried attempt.
    clear_lock: bool = False
    #: Whether the stack exists, when the caller listed the backend's stacks (None: not known).
    stack_exists: bool | None = None

    # The customer travels as plain data and is validated again on arrival, so a job pickles
    # (process pool) and serialises (Temporal) whatever classes the customers file derives.
    def __getstate__(self) -> dict[str, Any]:
        return self.to_wire()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(Job.from_wire(state).__dict__)

    def to_wire(self) -> dict[str, Any]:
        """JSON-able form (the program as ``"module:function"``)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["customer"] = self.customer.model_dump(mode="json", exclude_unset=True)
        data["program"] = program_ref(self.program)
        data["config"] = {k: [v, s] for k, (v, s) in self.config.items()}
        return data

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Job:
        """The inverse of :meth:`to_wire`."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["customer"] = Customer.model_validate(data["customer"])
        values["config"] = {k: (v, bool(s)) for k, (v, s) in data.get("config", {}).items()}
        return cls(**values)


def fingerprint(job: Job) -> str:
    """A digest of everything an ``up`` of this job depends on (secret values only as a digest)."""
    try:
        version = importlib.metadata.version("akua-pulumi")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        version = "0"
    blob = json.dumps(
        {
            "program": program_ref(job.program),
            "customer": job.customer.model_dump(mode="json"),
            "settings": job.settings,
            "config": {k: [v, s] for k, (v, s) in sorted(job.config.items())},
            "env": dict(sorted(job.env.items())),
            "project": job.project_name,
            "akua_pulumi": version,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


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
        diagnostics: list[str] = []
        program_errors: list[str] = []
        try:
            _run_stack(job, log, diagnostics, program_errors, result, send)
            result.ok = True
        except BaseException as exc:
            log.write("\n# ---- failure ----\n")
            log.write("".join(traceback.format_exception(exc)))
            if program_errors:
                message = program_errors[-1]
            else:
                found = [m for m in (last_meaningful(d) for d in diagnostics) if m]
                message = found[-1] if found else error_from_output(str(exc))
            result.error = shorten(message)
            if isinstance(exc, KeyboardInterrupt):
                result.error = "interrupted"
        finally:
            result.duration_s = round(time.monotonic() - started, 3)
            outcome = "ok" if result.ok else f"FAILED: {result.error}"
            log.write(f"\n# result: {outcome} ({result.duration_s}s)\n")
    return result


def split_config(config: Mapping[str, tuple[str, bool]]) -> tuple[dict[str, str], dict[str, tuple[str, bool]]]:
    """``(environment variables, stack config)``: keys in :data:`SETTING_ENV` go to the environment."""
    env = {SETTING_ENV[k]: v for k, (v, _) in config.items() if k in SETTING_ENV}
    return env, {k: v for k, v in config.items() if k not in SETTING_ENV}


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


def _op_name(op: Any) -> str:
    return str(op.value if hasattr(op, "value") else op)


def _own_step(step: Any) -> bool:
    """Only the program's own resources: not the Stack, not default providers."""
    return step is not None and not step.metadata.type.startswith(("pulumi:pulumi:", "pulumi:providers:"))


def _run_stack(
    job: Job,
    log: TextIO,
    diagnostics: list[str],
    program_errors: list[str],
    result: CustomerResult,
    send: Callable[[str, str], None],
) -> None:
    from pulumi import automation as auto
    from pulumi.automation import ConfigValue, ProjectSettings

    from akua_pulumi.automation.environment import PulumiEnvironment

    factory = resolve_program(job.program)
    customer, settings, cid, command = job.customer, job.settings, job.customer.id, job.command
    env_settings, stack_config = split_config(job.config)
    kw: dict[str, Any] = {"bin_dir": Path(job.bin_dir) if job.bin_dir else None}
    if job.passphrase is not None:
        kw["passphrase"] = job.passphrase
    penv = PulumiEnvironment(
        state_dir=Path(job.state_dir), backend_url=job.backend_url, extra={**job.env, **env_settings}, **kw
    )
    qualified = f"organization/{job.project_name}/{cid}"
    digest = fingerprint(job) if command in ("up", "preview") else ""

    def cli(*args: str) -> Any:
        proc = penv.run(*args, "--stack", qualified, cwd=penv.state_dir, check=False)
        log.write(f"# pulumi {' '.join(args)}: exit {proc.returncode}\n")
        if proc.returncode and proc.stderr.strip():
            log.write("#   " + proc.stderr.strip().replace("\n", "\n#   ") + "\n")
        return proc

    def to_outputs(values: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if not k.startswith("akua:")}

    if job.clear_lock:
        # A retried attempt: the dead run's lock would refuse this one. For a self-managed backend
        # `pulumi cancel` deletes the stack's lock files (the engine that held them is gone).
        cli("cancel", "--yes")
    exists = job.stack_exists  # None: not known
    if command == "up" and not job.force and exists is not False:
        # Without --show-secrets secret outputs read "[secret]", as in the report of an up.
        out = cli("stack", "output", "--json")
        exists = True if out.returncode == 0 else (False if "no stack named" in out.stderr else None)
        recorded_outputs = json.loads(out.stdout or "{}") if out.returncode == 0 else {}
        recorded, _, count = str(recorded_outputs.get(FINGERPRINT_OUTPUT, "")).partition(":")
        if recorded == digest:
            log.write("# input unchanged since the last successful up: nothing to do\n")
            if count.isdigit():
                send("plan", count)
            result.outputs = to_outputs(recorded_outputs)
            result.changes = {"same": int(count)} if count.isdigit() else {}
            result.resources_changed = 0
            result.skipped = True
            return
        if count.isdigit():
            send("plan", count)  # the last up's resource count: a good estimate for a changed input

    adoptions = _pending_creates(job, penv, qualified, log) if job.clear_lock and command == "up" else {}

    def program() -> None:
        if adoptions:
            import pulumi

            def adopt(args: Any) -> Any:
                found = adoptions.get(str(args.props.get("akua_seed") or ""))
                if found is None:
                    return None
                return pulumi.ResourceTransformationResult({**args.props, "adopt_id": found}, args.opts)

            pulumi.runtime.register_stack_transformation(adopt)
        declared: list[Any] = []
        if digest:
            import pulumi

            def collect(args: Any) -> None:
                declared.append(args.resource)

            pulumi.runtime.register_stack_transformation(collect)
        try:
            factory(customer, settings)
        except Exception as exc:
            program_errors.append(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            raise
        if digest:
            # Resolves when every declared resource is registered (created, updated or the same);
            # a failed step rejects it, so the stack keeps no record of an input it did not reach.
            done = pulumi.Output.all(*(r.urn for r in declared))
            pulumi.export(FINGERPRINT_OUTPUT, done.apply(lambda _: f"{digest}:{len(declared)}"))

    def on_output(line: str) -> None:
        log.write(line if line.endswith("\n") else line + "\n")
        log.flush()

    summary: dict[str, int] = {}
    stack_outputs: dict[str, Any] = {}

    def on_event(ev: Any) -> None:
        if ev.diagnostic_event is not None and ev.diagnostic_event.severity == "error":
            diagnostics.append(ev.diagnostic_event.message)
        if ev.summary_event is not None:
            summary.update({_op_name(k): int(v) for k, v in (ev.summary_event.resource_changes or {}).items()})
        if ev.res_outputs_event is not None and ev.res_outputs_event.metadata.type == "pulumi:pulumi:Stack":
            new = ev.res_outputs_event.metadata.new
            stack_outputs.update((new.outputs if new is not None else None) or {})
        step = ev.res_outputs_event or ev.res_op_failed_event
        if _own_step(step):
            failed = " failed" if ev.res_op_failed_event is not None else ""
            name = step.metadata.urn.rsplit("::", 1)[-1]
            send("resource", f"{_op_name(step.metadata.op)}{failed} {step.metadata.type} {name}")

    def on_preview_event(ev: Any) -> None:
        if ev.diagnostic_event is not None and ev.diagnostic_event.severity == "error":
            diagnostics.append(ev.diagnostic_event.message)
        if ev.summary_event is not None:
            steps = sum(int(v) for k, v in (ev.summary_event.resource_changes or {}).items())
            send("plan", str(max(steps - 1, 0)))  # minus the Stack itself

    work_dir = Path(job.state_dir) / "workspaces" / job.project_name / cid
    work_dir.mkdir(parents=True, exist_ok=True)
    opts = penv.workspace_options(
        work_dir=str(work_dir), project_settings=ProjectSettings(name=job.project_name, runtime="python")
    )
    stack: Any = None
    if exists is False:  # `stack init` alone: create_or_select would first try `stack select`
        try:
            stack = auto.create_stack(stack_name=cid, project_name=job.project_name, program=program, opts=opts)
        except auto.StackAlreadyExistsError:  # created since the caller listed the stacks
            exists = True
    if stack is None and command == "up" and exists:
        # Known to exist: no `stack select` (every command names the stack with --stack; selecting
        # it would only record it as the workspace's current stack).
        opts.program = program
        opts.project_settings.main = opts.project_settings.main or os.getcwd()
        workspace = auto.LocalWorkspace(**opts.__dict__)
        workspace.select_stack = lambda stack_name: None  # type: ignore[method-assign]
        stack = auto.Stack.select(cid, workspace)
    if stack is None and command in ("up", "preview"):
        stack = auto.create_or_select_stack(stack_name=cid, project_name=job.project_name, program=program, opts=opts)
    elif stack is None:
        try:
            stack = auto.select_stack(stack_name=cid, project_name=job.project_name, program=program, opts=opts)
        except auto.StackNotFoundError:
            if command == "destroy":  # offboarding is idempotent: nothing there is success
                log.write(f"# stack {cid} does not exist; nothing to destroy\n")
                shutil.rmtree(work_dir, ignore_errors=True)
                return
            raise RuntimeError(f"stack {cid!r} does not exist; run 'up' first") from None
    if stack_config:
        # `config set-all` is a CLI call: only when this worker's stack config file is not current.
        config_digest = hashlib.sha256(json.dumps(sorted(stack_config.items())).encode()).hexdigest()
        marker = work_dir / ".akua-config"
        stack_file = work_dir / f"Pulumi.{cid}.yaml"
        if not stack_file.exists() or not marker.exists() or marker.read_text() != config_digest:
            stack.set_all_config({k: ConfigValue(value=v, secret=s) for k, (v, s) in stack_config.items()})
            marker.write_text(config_digest)

    common: dict[str, Any] = {"on_output": on_output, "on_event": on_event, "color": "never"}
    if job.engine_parallel:
        common["parallel"] = job.engine_parallel
    changes: Mapping[Any, int]
    if command == "up":
        if job.preview_first:
            # For programs without an in-process `validate`: invalid input fails every resource's
            # check here, before anything is written (dependents are checked only after their
            # parents are created during an update). Its resource events are not progress.
            stack.preview(**{**common, "on_event": on_preview_event})
        # Stack.up reads the outputs and the history after the run (two more CLI calls); the
        # event stream already carries both, so those calls are answered from it.
        stack.outputs = lambda: {}
        stack.info = lambda *a, **k: True
        try:
            stack.up(**common)
        except Exception as exc:
            if "currently locked" not in str(exc):  # a run of ours reached the engine, maybe a part of it
                _forget_fingerprint(cli, work_dir, log)
            raise
        changes = summary
        result.outputs = to_outputs(stack_outputs)  # the event stream shows secrets as "[secret]"
    elif command == "preview":
        changes = stack.preview(**common).change_summary or {}
    elif command == "refresh":
        changes = stack.refresh(**common).summary.resource_changes or {}
        if any(int(v) for k, v in changes.items() if _op_name(k) != "same"):
            _forget_fingerprint(cli, work_dir, log)  # drift found: the next up must run the engine
    elif command == "destroy":
        changes = stack.destroy(**common).summary.resource_changes or {}
        stack.workspace.remove_stack(cid)
        shutil.rmtree(work_dir, ignore_errors=True)
    else:  # pragma: no cover - guarded by OnboardingPipeline
        raise ValueError(f"unknown command {command!r}")
    result.changes = {_op_name(k): int(v) for k, v in changes.items()}
    result.resources_changed = sum(v for k, v in result.changes.items() if k != "same")


def _forget_fingerprint(cli: Callable[..., Any], work_dir: Path, log: TextIO) -> None:
    """Drop the recorded input (the Stack's ``akua:input`` output), so the next ``up`` runs the engine.

    After a failed up (the Stack keeps the outputs of the last successful one, whose input a part
    of the resources no longer has) and after a refresh that found drift. Rare, so it may cost a
    state export and import; without a recorded input there is nothing to do.
    """
    try:
        exported = cli("stack", "export")
        if exported.returncode != 0:
            return
        state = json.loads(exported.stdout)
        stacks = [
            r
            for r in (state.get("deployment") or {}).get("resources") or []
            if r.get("type") == "pulumi:pulumi:Stack" and FINGERPRINT_OUTPUT in (r.get("outputs") or {})
        ]
        if not stacks:
            return
        for res in stacks:
            del res["outputs"][FINGERPRINT_OUTPUT]
        path = work_dir / ".akua-state.json"
        path.write_text(json.dumps(state), encoding="utf-8")
        try:
            cli("stack", "import", "--file", str(path))
        finally:
            path.unlink(missing_ok=True)
        log.write("# recorded input dropped: the next up runs the engine\n")
    except Exception as exc:  # best effort: a failure here must not hide the run's own error
        log.write(f"# could not drop the recorded input: {exc}\n")


def _pending_creates(job: Job, penv: Any, qualified: str, log: TextIO) -> dict[str, str]:
    """After a dead run: the objects its in-flight creates made, ``{akua_seed: id}``, to adopt.

    A run killed during a create leaves a *pending create* in the state: the object may exist in
    the API while the state has no id for it, and a plain retry would create it again (or, for a
    natural key such as a workspace slug, fail on the conflict). Each pending create's resource is
    looked up by its natural key (the provider's own ``api_find``); the retried run adopts what it
    finds (``adopt_id``, through a stack transformation) and creates the rest as usual.
    """
    import akua_pulumi.resources  # noqa: F401  (registers every resource class: the program has not run yet)
    from akua_pulumi.resources._resource import AkuaResource

    def run(*args: str) -> Any:
        proc = penv.run(*args, "--stack", qualified, cwd=penv.state_dir, check=False)
        log.write(f"# pulumi {args[0]} {args[1] if len(args) > 1 else ''}: exit {proc.returncode}\n")
        return proc

    exported = run("stack", "export", "--show-secrets")
    if exported.returncode != 0:
        return {}
    pending = (json.loads(exported.stdout).get("deployment") or {}).get("pending_operations") or []
    log.write(f"# {len(pending)} pending operation(s) from the dead run\n")
    classes: dict[str, type[AkuaResource]] = {}
    todo: list[type[AkuaResource]] = [AkuaResource]
    while todo:
        for sub in todo.pop().__subclasses__():
            classes[sub.__name__] = sub
            todo.append(sub)
    adoptions: dict[str, str] = {}
    for op in pending:
        resource = op.get("resource") or {}
        inputs = resource.get("inputs") or {}
        seed = str(inputs.get("akua_seed") or "").split("/")
        cls = classes.get(seed[2]) if op.get("type") == "creating" and len(seed) > 3 else None
        if cls is None:
            continue
        provider = cls.provider_class()
        try:
            props = provider._inputs(inputs)
            found = provider.api_find(provider._context(props), props)
        except Exception as exc:  # the lookup is best effort: without it the create simply runs again
            log.write(f"# pending create {resource.get('urn')}: lookup failed: {exc}\n")
            continue
        if found is not None:
            adoptions[str(inputs["akua_seed"])] = provider.object_id(found)
            log.write(f"# pending create {resource.get('urn')}: adopting {provider.object_id(found)}\n")
    return adoptions

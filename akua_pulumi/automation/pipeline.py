"""Run one Pulumi stack per customer, in parallel worker processes, and report per customer.

The pipeline is deliberately dumb about *what* a customer gets: a **program factory**
(``"module:function"`` or a top-level function) declares the resources::

    def customer_program(customer: Customer, settings: Mapping[str, Any]) -> None:
        CustomerWorkspace(customer.id, CustomerWorkspaceArgs(...))

It is called inside the Pulumi inline program of that customer's stack. Each stack runs in its own
``spawn`` process (parallel inline programs in one Python process have a history of gRPC
failures, see docs notes §6), so the factory must be importable by reference.

A failed customer never stops the others. Its error is one short line (the last meaningful Pulumi
diagnostic); the full engine output goes to ``<state_dir>/logs/<customer>.<command>.log``.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import pickle
import queue as queue_mod
import re
import shutil
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from akua_pulumi.automation.customers import Customer, InvalidCustomer

if TYPE_CHECKING:
    from rich.table import Table

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

Command = Literal["up", "preview", "refresh", "destroy"]
ProgramFactory = str | Callable[[Customer, Mapping[str, Any]], None]
EventKind = Literal["started", "resource", "finished"]

_ERROR_MAX = 300
# Engine lines that say *that* something failed, never *why*.
_GENERIC_ERRORS = re.compile(
    r"^(update|preview|refresh|destroy|deployment) failed$"
    r"|^an error occurred while (advancing the preview|running the program)"
    r"|^program failed with an unhandled exception:?$"
    r"|^one or more errors occurred"
    # The engine's follow-up once a resource failed: the resource's own error is the cause.
    r"|^resource monitor has terminated",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Secret:
    """A config value stored as a Pulumi secret (encrypted in state and config, masked in repr)."""

    value: str

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass
class CustomerResult:
    """What one command did to one customer's stack."""

    customer_id: str
    command: str
    ok: bool
    changes: dict[str, int] = field(default_factory=dict)
    resources_changed: int = 0
    duration_s: float = 0.0
    error: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    log_path: str | None = None


@dataclass(frozen=True)
class CustomerEvent:
    """Progress, delivered to ``on_event`` in the parent process.

    ``started`` when a worker picks the customer up, ``resource`` each time the engine finishes
    (or fails) a resource step (``message`` is ``"<op> <type> <name>"``), ``finished`` with the
    :class:`CustomerResult`.
    """

    customer_id: str
    kind: EventKind
    command: str
    message: str = ""
    result: CustomerResult | None = None
    timestamp: float = field(default_factory=time.time)


@dataclass
class PipelineReport:
    """The results of one pipeline command, one :class:`CustomerResult` per customer in input order."""

    command: str
    results: list[CustomerResult] = field(default_factory=list)
    duration_s: float = 0.0

    def __iter__(self) -> Iterator[CustomerResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, customer_id: str) -> CustomerResult:
        for r in self.results:
            if r.customer_id == customer_id:
                return r
        raise KeyError(customer_id)

    @property
    def failed(self) -> list[CustomerResult]:
        return [r for r in self.results if not r.ok]

    @property
    def succeeded(self) -> list[CustomerResult]:
        return [r for r in self.results if r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        """0 when every customer succeeded, 1 otherwise."""
        return 1 if self.failed else 0

    def table(self) -> Table:
        """A ``rich`` table: customer, result, resources changed, duration, error."""
        from rich.table import Table
        from rich.text import Text

        verb = {"preview": "would change"}.get(self.command, "changed")
        table = Table(title=f"akua-onboard {self.command}: {len(self.succeeded)} ok, {len(self.failed)} failed")
        table.add_column("customer", no_wrap=True)
        table.add_column("result")
        table.add_column(f"resources {verb}", justify="right")
        table.add_column("duration", justify="right")
        table.add_column("error", overflow="fold")
        for r in self.results:
            table.add_row(
                r.customer_id,
                Text("ok", style="green") if r.ok else Text("failed", style="bold red"),
                str(r.resources_changed),
                f"{r.duration_s:.1f}s",
                Text(r.error or "", style="red"),
            )
        return table

    def __str__(self) -> str:
        lines = [f"{self.command}: {len(self.succeeded)} ok, {len(self.failed)} failed"]
        for r in self.results:
            status = "ok" if r.ok else "FAILED"
            tail = f"  {r.error}" if r.error else ""
            changed = f"{r.resources_changed:>4} changed"
            lines.append(f"  {r.customer_id:<24} {status:<6} {changed} {r.duration_s:6.1f}s{tail}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- programs


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


# --------------------------------------------------------------------------- worker side


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs; must pickle."""

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
    preview_first: bool = True


_events: Any = None  # the multiprocessing queue in a worker, set by _init_worker


def _init_worker(events: Any) -> None:
    global _events
    _events = events


def _emit(kind: str, customer_id: str, command: str, message: str = "", result: CustomerResult | None = None) -> None:
    if _events is not None:
        with contextlib.suppress(Exception):  # progress must never break a run
            _events.put((kind, customer_id, command, message, result, time.time()))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_MAX else text[: _ERROR_MAX - 1] + "…"


def _last_meaningful(message: str) -> str | None:
    """The line of a (possibly multi-line) diagnostic that says why: a traceback's last line, etc."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    keep = []
    for ln in lines:
        ln = re.sub(r"^(error:\s*|an unhandled error occurred:\s*|python inline source runtime error:\s*)+", "", ln)
        if not ln or _GENERIC_ERRORS.search(ln) or ln.startswith(("Traceback", "File ", "^")):
            continue
        keep.append(ln)
    return keep[-1] if keep else None


def _error_from_output(text: str) -> str:
    """Best-effort: the last ``error:`` diagnostic in the engine output, else its last line."""
    diag = text.split("Diagnostics:", 1)[1] if "Diagnostics:" in text else text
    diag = re.split(r"\n\s*(Resources|Outputs|Duration):", diag)[0]
    blocks = re.split(r"\n\s*error:\s*", "\n" + diag)
    for block in reversed(blocks[1:]):
        # A diagnostic ends at the blank line before the next resource's header.
        found = _last_meaningful(block.split("\n\n", 1)[0])
        if found:
            return found
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("error:") and not _GENERIC_ERRORS.search(line[6:].strip()):
            return line[6:].strip()
    return _last_meaningful(text) or "pulumi failed (see log)"


class _ProgramFailed(Exception):
    """The factory raised inside the inline program (kept so the report shows the real cause)."""


def _run_job(job: _Job) -> CustomerResult:
    """Worker entry point: run one command on one customer's stack; never raises."""
    cid, command = job.customer.id, job.command
    logs = Path(job.state_dir) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{cid}.{command}.log"
    started = time.monotonic()
    _emit("started", cid, command)
    result = CustomerResult(customer_id=cid, command=command, ok=False, log_path=str(log_path))
    with log_path.open("w", encoding="utf-8") as log, _redirect_fds(log):
        log.write(f"# akua-onboard {command} {cid} at {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n")
        log.flush()
        diagnostics: list[str] = []
        program_errors: list[str] = []
        try:
            _run_stack(job, log, diagnostics, program_errors, result)
            result.ok = True
        except BaseException as exc:
            log.write("\n# ---- failure ----\n")
            log.write("".join(traceback.format_exception(exc)))
            if program_errors:
                message = program_errors[-1]
            else:
                found = [m for m in (_last_meaningful(d) for d in diagnostics) if m]
                message = found[-1] if found else _error_from_output(str(exc))
            result.error = _shorten(message)
            if isinstance(exc, KeyboardInterrupt):
                result.error = "interrupted"
        finally:
            result.duration_s = round(time.monotonic() - started, 3)
            outcome = "ok" if result.ok else f"FAILED: {result.error}"
            log.write(f"\n# result: {outcome} ({result.duration_s}s)\n")
    _emit("finished", cid, command, result=result)
    return result


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


def _run_stack(
    job: _Job, log: TextIO, diagnostics: list[str], program_errors: list[str], result: CustomerResult
) -> None:
    from pulumi import automation as auto
    from pulumi.automation import ConfigValue, ProjectSettings

    from akua_pulumi.automation.environment import PulumiEnvironment

    factory = resolve_program(job.program)
    customer, settings, cid, command = job.customer, job.settings, job.customer.id, job.command

    def program() -> None:
        try:
            factory(customer, settings)
        except Exception as exc:
            program_errors.append(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            raise

    def on_output(line: str) -> None:
        log.write(line if line.endswith("\n") else line + "\n")
        log.flush()

    def on_event(ev: Any) -> None:
        if ev.diagnostic_event is not None and ev.diagnostic_event.severity == "error":
            diagnostics.append(ev.diagnostic_event.message)
        step = ev.res_outputs_event or ev.res_op_failed_event
        # Only the program's own resources: not the Stack, not default providers.
        if step is not None and not step.metadata.type.startswith(("pulumi:pulumi:", "pulumi:providers:")):
            op = step.metadata.op.value if hasattr(step.metadata.op, "value") else str(step.metadata.op)
            failed = " failed" if ev.res_op_failed_event is not None else ""
            name = step.metadata.urn.rsplit("::", 1)[-1]
            _emit("resource", cid, command, f"{op}{failed} {step.metadata.type} {name}")

    kw: dict[str, Any] = {"bin_dir": Path(job.bin_dir) if job.bin_dir else None}
    if job.passphrase is not None:
        kw["passphrase"] = job.passphrase
    penv = PulumiEnvironment(state_dir=Path(job.state_dir), backend_url=job.backend_url, extra=dict(job.env), **kw)
    work_dir = Path(job.state_dir) / "workspaces" / job.project_name / cid
    work_dir.mkdir(parents=True, exist_ok=True)
    opts = penv.workspace_options(
        work_dir=str(work_dir), project_settings=ProjectSettings(name=job.project_name, runtime="python")
    )
    if command in ("up", "preview"):
        stack = auto.create_or_select_stack(stack_name=cid, project_name=job.project_name, program=program, opts=opts)
    else:
        try:
            stack = auto.select_stack(stack_name=cid, project_name=job.project_name, program=program, opts=opts)
        except auto.StackNotFoundError:
            if command == "destroy":  # offboarding is idempotent: nothing there is success
                log.write(f"# stack {cid} does not exist; nothing to destroy\n")
                shutil.rmtree(work_dir, ignore_errors=True)
                return
            raise RuntimeError(f"stack {cid!r} does not exist; run 'up' first") from None
    if job.config:
        stack.set_all_config({k: ConfigValue(value=v, secret=s) for k, (v, s) in job.config.items()})

    common: dict[str, Any] = {"on_output": on_output, "on_event": on_event, "color": "never"}
    if job.engine_parallel:
        common["parallel"] = job.engine_parallel
    changes: Mapping[Any, int]
    if command == "up":
        if job.preview_first:
            # Like `pulumi up` without --skip-preview: invalid input fails every resource's check
            # here, before anything is written (dependents are checked only after their parents
            # are created during an update).
            # Its resource events are not progress: only the update's are reported.
            stack.preview(**{k: v for k, v in common.items() if k != "on_event"})
        up = stack.up(**common)
        changes = up.summary.resource_changes or {}
        result.outputs = {k: ("[secret]" if v.secret else v.value) for k, v in up.outputs.items()}
    elif command == "preview":
        changes = stack.preview(**common).change_summary or {}
    elif command == "refresh":
        changes = stack.refresh(**common).summary.resource_changes or {}
    elif command == "destroy":
        changes = stack.destroy(**common).summary.resource_changes or {}
        stack.workspace.remove_stack(cid)
        shutil.rmtree(work_dir, ignore_errors=True)
    else:  # pragma: no cover - guarded by OnboardingPipeline
        raise ValueError(f"unknown command {command!r}")
    result.changes = {(k.value if hasattr(k, "value") else str(k)): int(v) for k, v in changes.items()}
    result.resources_changed = sum(v for k, v in result.changes.items() if k != "same")


# --------------------------------------------------------------------------- parent side


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
        passphrase: Secrets passphrase; default ``$PULUMI_CONFIG_PASSPHRASE`` or the local default.
        engine_parallel: Resource operations at once inside one stack (Pulumi ``--parallel``).
        preview_first: Preview before each ``up`` so invalid input fails before any write (default).
    """

    def __init__(
        self,
        program: ProgramFactory,
        *,
        project_name: str = "akua-onboarding",
        state_dir: str | Path = Path(".akua/onboarding-state"),
        backend_url: str | None = None,
        parallelism: int = 4,
        config: Mapping[str, str | Secret] | None = None,
        env: Mapping[str, str] | None = None,
        settings: Mapping[str, Any] | None = None,
        on_event: Callable[[CustomerEvent], None] | None = None,
        passphrase: str | None = None,
        engine_parallel: int | None = None,
        preview_first: bool = True,
    ) -> None:
        if parallelism < 1:
            raise ValueError("parallelism must be at least 1")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", project_name):
            raise ValueError(f"project_name {project_name!r} may only contain letters, digits, '_', '.', '-'")
        if isinstance(program, str) and ":" not in program:
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
        for key, value in self.config.items():
            if not isinstance(value, (str, Secret)):
                raise TypeError(f"config[{key!r}] must be a str or Secret, got {type(value).__name__}")

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
        resolve_program(self.program)  # fail fast, in the parent, on a bad program
        t0 = time.monotonic()
        results: dict[str, CustomerResult] = {}

        for entry in entries:
            if isinstance(entry, InvalidCustomer):
                res = CustomerResult(customer_id=entry.label, command=command, ok=False, error=entry.message)
                self._notify(CustomerEvent(entry.label, "started", command))
                self._notify(CustomerEvent(entry.label, "finished", command, result=res))
                results[entry.label] = res

        valid = [e for e in entries if isinstance(e, Customer)]
        if valid:
            bin_dir = self._bin_dir()  # fail fast on a missing Pulumi CLI too
            jobs = [self._job(command, c, bin_dir) for c in valid]
            self.state_dir.mkdir(parents=True, exist_ok=True)
            results.update(self._execute(command, jobs))
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

    def _job(self, command: str, customer: Customer, bin_dir: str | None) -> _Job:
        config = {k: ((v.value, True) if isinstance(v, Secret) else (v, False)) for k, v in self.config.items()}
        return _Job(
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
            preview_first=self.preview_first,
        )

    def _notify(self, event: CustomerEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _execute(self, command: str, jobs: Sequence[_Job]) -> dict[str, CustomerResult]:
        ctx = multiprocessing.get_context("spawn")
        events = ctx.Queue()
        results: dict[str, CustomerResult] = {}
        done_at: dict[str, float] = {}  # future finished, waiting for its "finished" event
        workers = min(self.parallelism, len(jobs))
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(events,))
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

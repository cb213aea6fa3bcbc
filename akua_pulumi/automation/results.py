"""What a pipeline command reports: per-customer results, progress events, the report table."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["ByCustomer", "Command", "CustomerEvent", "CustomerResult", "EventKind", "PipelineReport", "Secret"]

Command = Literal["up", "preview", "refresh", "destroy"]
EventKind = Literal["started", "plan", "resource", "finished"]


class _Outcome(Protocol):
    @property
    def customer_id(self) -> str: ...
    @property
    def ok(self) -> bool: ...


R = TypeVar("R", bound=_Outcome)


class ByCustomer(Generic[R]):
    """A report's ``results``, one per customer in input order: iterated, counted, looked up by id,
    split into those that went through and those that failed, with the exit code that follows."""

    results: list[R]

    def __iter__(self) -> Iterator[R]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, customer_id: str) -> R:
        for r in self.results:
            if r.customer_id == customer_id:
                return r
        raise KeyError(customer_id)

    @property
    def succeeded(self) -> list[R]:
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[R]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        """Whether no customer failed."""
        return not self.failed

    @property
    def exit_code(self) -> int:
        """0 when every customer succeeded, 1 otherwise."""
        return 1 if self.failed else 0


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
    #: ``up`` found the input unchanged since the last successful up and ran no engine.
    skipped: bool = False


@dataclass(frozen=True)
class CustomerEvent:
    """Progress, delivered to ``on_event`` in the parent process.

    ``started`` when a worker picks the customer up, ``plan`` once the number of resource steps is
    known (``message`` is that number: from a preview, or the last successful up), ``resource`` each
    time the engine finishes (or fails) a resource step (``message`` is ``"<op> <type> <name>"``),
    ``finished`` with the :class:`CustomerResult`.
    """

    customer_id: str
    kind: EventKind
    command: str
    message: str = ""
    result: CustomerResult | None = None
    timestamp: float = field(default_factory=time.time)


@dataclass
class PipelineReport(ByCustomer[CustomerResult]):
    """The results of one pipeline command, one :class:`CustomerResult` per customer in input order."""

    command: str
    results: list[CustomerResult] = field(default_factory=list)
    duration_s: float = 0.0

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
                "unchanged, no engine run" if r.skipped else str(r.resources_changed),
                f"{r.duration_s:.1f}s",
                Text(r.error or "", style="red"),
            )
        return table

    def __str__(self) -> str:
        lines = [f"{self.command}: {len(self.succeeded)} ok, {len(self.failed)} failed"]
        for r in self.results:
            status = "ok" if r.ok else "FAILED"
            tail = f"  {r.error}" if r.error else ""
            changed = "unchanged, no engine run" if r.skipped else f"{r.resources_changed:>4} changed"
            lines.append(f"  {r.customer_id:<24} {status:<6} {changed} {r.duration_s:6.1f}s{tail}")
        return "\n".join(lines)

"""The plan of a pipeline run: which customers, and which of them may run at all.

A plan selects the entries (``only``), refuses duplicate or unknown ids, and checks each customer's
input in-process with the program's own ``validate`` hook (no engine, no write). An entry that
fails becomes an :class:`InvalidCustomer`; the executors run only :attr:`Plan.runnable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from akua_pulumi.automation.customers import Customer, InvalidCustomer
from akua_pulumi.automation.program_ref import ProgramFactory, resolve_program, validate_customer
from akua_pulumi.automation.results import Command, CustomerResult

__all__ = ["COMMANDS", "Plan", "make_plan"]

COMMANDS: tuple[Command, ...] = ("up", "preview", "refresh", "destroy")

Entry = Customer | InvalidCustomer


def _label(entry: Entry) -> str:
    return entry.id if isinstance(entry, Customer) else entry.label


@dataclass(frozen=True)
class Plan:
    """The selected entries of one command, in file order."""

    command: Command
    entries: tuple[Entry, ...]

    @property
    def runnable(self) -> list[Customer]:
        """The customers an executor runs."""
        return [e for e in self.entries if isinstance(e, Customer)]

    def refused(self) -> list[CustomerResult]:
        """The failed result of every invalid entry (it never reaches an executor)."""
        return [
            CustomerResult(customer_id=e.label, command=self.command, ok=False, error=e.message)
            for e in self.entries
            if isinstance(e, InvalidCustomer)
        ]

    def order(self, results: Mapping[str, CustomerResult]) -> list[CustomerResult]:
        """``results`` (by customer id or label) in the plan's order."""
        return [results[_label(e)] for e in self.entries]


def make_plan(
    command: str,
    customers: Iterable[Entry],
    only: Iterable[str] | None = None,
    *,
    program: ProgramFactory | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Plan:
    """Select ``customers`` (all, or those named in ``only``) and check their input.

    With a ``program``, ``up`` and ``preview`` run its in-process ``validate`` on each customer
    (None: the executor checks, as a Temporal worker does with the program it allows).

    Raises:
        ValueError: an unknown command, duplicate customer ids, an ``only`` id not in ``customers``,
            or a program that cannot be imported.
    """
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}")
    entries = _select(list(customers), only)
    if program is not None:
        resolve_program(program)  # fail fast, before any run, on a bad program
    if program is not None and command in ("up", "preview"):
        checked: list[Entry] = []
        for entry in entries:
            problem = validate_customer(program, entry, settings or {}) if isinstance(entry, Customer) else None
            checked.append(InvalidCustomer(index=-1, id=entry.id, errors=(problem,)) if problem else entry)
        entries = checked
    return Plan(command=command, entries=tuple(entries))


def _select(entries: list[Entry], only: Iterable[str] | None) -> list[Entry]:
    labels = [_label(e) for e in entries]
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

"""What ``akua-onboard drift`` reports: per customer, per resource, per field, stack value and live value.

The JSON form (``--json``, the Temporal schedule's workflow result) is::

    [{"customer_id": "acme", "drifted": true, "ok": true, "error": null, "unchecked": [],
      "resources": [{"type": "akua:Cluster", "name": "acme-cluster-main", "status": "changed",
                     "fields": [{"name": "name", "stack": "main", "live": "renamed"}]}]}]

``status`` is ``changed`` or ``deleted`` (gone out of band: ``fields`` is empty). A secret field shows
``"[secret]"`` for both values: that it differs, never what it holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from akua_pulumi.automation.results import ByCustomer

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "EXIT_DRIFTED",
    "SECRET_SHOWN",
    "CustomerDrift",
    "DriftReport",
    "FieldDrift",
    "ResourceDrift",
]

#: Exit code of ``akua-onboard drift`` when some customer drifted (0: none, 1: a customer failed, 2: usage).
EXIT_DRIFTED = 3
#: What a secret field shows instead of its value.
SECRET_SHOWN = "[secret]"


@dataclass(frozen=True)
class FieldDrift:
    """One field whose live value differs from the stack's."""

    name: str
    stack: Any
    live: Any

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "stack": self.stack, "live": self.live}


@dataclass(frozen=True)
class ResourceDrift:
    """One resource that changed (or was deleted) out of band."""

    type: str
    name: str
    status: Literal["changed", "deleted"]
    fields: tuple[FieldDrift, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "status": self.status,
            "fields": [f.to_json() for f in self.fields],
        }


@dataclass
class CustomerDrift:
    """One customer's stack against the live API."""

    customer_id: str
    ok: bool = True
    resources: list[ResourceDrift] = field(default_factory=list)
    error: str | None = None
    #: Resources not compared, each ``"<type> <name>: <reason>"`` (unknown type, encrypted connection).
    unchecked: list[str] = field(default_factory=list)
    #: False when the customer has no stack (never onboarded): nothing to compare.
    stack_found: bool = True
    checked: int = 0
    duration_s: float = 0.0

    @property
    def drifted(self) -> bool:
        return bool(self.resources)

    def to_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "drifted": self.drifted,
            "ok": self.ok,
            "error": self.error,
            "stack_found": self.stack_found,
            "resources_checked": self.checked,
            "resources": [r.to_json() for r in self.resources],
            "unchecked": list(self.unchecked),
        }


@dataclass
class DriftReport(ByCustomer[CustomerDrift]):
    """Every selected customer's drift, in input order."""

    results: list[CustomerDrift] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def drifted(self) -> list[CustomerDrift]:
        return [r for r in self.results if r.drifted]

    @property
    def exit_code(self) -> int:
        """1 when a customer could not be checked, else 3 when some drifted, else 0."""
        return super().exit_code or (EXIT_DRIFTED if self.drifted else 0)

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.results]

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False, default=str)

    def table(self) -> Table:
        """A ``rich`` table: one row per drifted field (or deleted resource, or failed customer)."""
        from rich.table import Table
        from rich.text import Text

        table = Table(
            title=f"akua-onboard drift: {len(self.drifted)} drifted, {len(self.failed)} failed, "
            f"{len(self.results) - len(self.drifted) - len(self.failed)} in sync"
        )
        for name in ("customer", "resource", "status", "field", "stack", "live"):
            table.add_column(name, overflow="fold")
        for r in self.results:
            if not r.ok:
                table.add_row(r.customer_id, "", Text("failed", style="bold red"), "", "", Text(r.error or "", "red"))
                continue
            if not r.drifted:
                note = "in sync" if r.stack_found else "no stack"
                table.add_row(r.customer_id, "", Text(note, style="green"), "", "", "")
            for res in r.resources:
                label = f"{res.type} {res.name}"
                if res.status == "deleted":
                    table.add_row(r.customer_id, label, Text("deleted", style="bold red"), "", "", "")
                for f in res.fields:
                    table.add_row(
                        r.customer_id, label, Text("changed", "yellow"), f.name, _show(f.stack), _show(f.live)
                    )
        return table


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)

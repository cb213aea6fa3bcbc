"""What a Temporal onboarding workflow accepts as input: the trust boundary of a worker.

Anyone who can start a workflow on a worker's task queue (self-hosted Temporal often has no auth)
controls the input, so the input chooses nothing about *where* the worker's token goes or *what*
runs: the API URL, the Stripe base, the backend, the environment and the programs are the worker's
own settings (``akua-onboard-worker`` flags and environment). The input holds only:

* ``customer``: one customers-file entry, validated with the customers-file schema;
* ``command``: ``up``, ``preview``, ``refresh`` or ``destroy``;
* ``program``: the *name* of a program the worker allows (``default`` is the stock program);
* ``force`` (optional, a boolean): ``up`` runs the engine even for an unchanged input.

Anything else (an ``env``, ``config``, ``api_url``, a module path, an unknown key) is refused with
:class:`InvalidWorkflowInput` before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from akua_pulumi.automation.customers import Customer, _format_validation
from akua_pulumi.errors import AkuaError

__all__ = [
    "COMMANDS",
    "DEFAULT_PROGRAM_NAME",
    "PROGRAM_NAME_PATTERN",
    "InvalidWorkflowInput",
    "WorkflowInput",
    "parse_workflow_input",
]

COMMANDS = ("up", "preview", "refresh", "destroy")
#: The name under which every worker allows the stock program (``programs:customer_program``).
DEFAULT_PROGRAM_NAME = "default"
#: A program name: what a workflow may send (never a module path).
PROGRAM_NAME_PATTERN = r"[a-z0-9][a-z0-9_-]{0,62}"
_REQUIRED = ("customer", "command", "program")
_OPTIONAL = ("force",)
_WORKER_SETTINGS = (
    "a worker takes the API URL, Stripe base, backend, environment, settings and programs from its own "
    "flags and environment (akua-onboard-worker), never from a workflow"
)


class InvalidWorkflowInput(AkuaError, ValueError):
    """A workflow input outside the accepted shape; the message names the key (never its value)."""


def _name(key: object) -> str:
    text = str(key)
    return repr(text if len(text) <= 40 else text[:40] + "...")


@dataclass(frozen=True)
class WorkflowInput:
    """One customer, one command, one allowed program name: all a workflow carries."""

    customer: Customer
    command: str
    program: str = DEFAULT_PROGRAM_NAME
    force: bool = False

    def to_wire(self) -> dict[str, Any]:
        """The JSON payload of the workflow."""
        wire: dict[str, Any] = {
            "customer": self.customer.model_dump(mode="json", exclude_unset=True),
            "command": self.command,
            "program": self.program,
        }
        if self.force:
            wire["force"] = True
        return wire


def check_program_name(name: object) -> str:
    """``name`` if it is a program name, else :class:`InvalidWorkflowInput`."""
    if not isinstance(name, str) or not re.fullmatch(PROGRAM_NAME_PATTERN, name):
        shown = "a module path" if isinstance(name, str) and (":" in name or "." in name) else _name(name)
        raise InvalidWorkflowInput(
            f"workflow input 'program': expected the name of a program the worker allows "
            f"(lowercase letters, digits, '-', '_'; the stock program is {DEFAULT_PROGRAM_NAME!r}), got {shown}; "
            f"programs are configured on the worker (akua-onboard-worker --program NAME=MODULE:FUNCTION)"
        )
    return name


def parse_workflow_input(data: object) -> WorkflowInput:
    """Validate a workflow's input; nothing else is read from it.

    Raises:
        InvalidWorkflowInput: not an object, an unknown or missing key, a bad command, program or
            customer entry. The message names the key and the rule, not the value.
    """
    if not isinstance(data, Mapping):
        raise InvalidWorkflowInput(
            f"workflow input: expected an object with {', '.join(_REQUIRED)}, got {type(data).__name__}"
        )
    unknown = sorted(str(k) for k in data if k not in _REQUIRED + _OPTIONAL)
    if unknown:
        shown = ", ".join(_name(k) for k in unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        raise InvalidWorkflowInput(
            f"workflow input: unknown key(s) {shown}: {_WORKER_SETTINGS}; the input holds only "
            f"{', '.join(_REQUIRED)} (and force)"
        )
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise InvalidWorkflowInput(f"workflow input: missing {', '.join(missing)}")
    command = data["command"]
    if command not in COMMANDS:
        raise InvalidWorkflowInput(f"workflow input 'command': expected one of {', '.join(COMMANDS)}")
    program = check_program_name(data["program"])
    force = data.get("force", False)
    if not isinstance(force, bool):
        raise InvalidWorkflowInput("workflow input 'force': expected true or false")
    raw = data["customer"]
    if not isinstance(raw, Mapping):
        raise InvalidWorkflowInput("workflow input 'customer': expected a customers-file entry (an object)")
    try:
        customer = Customer.model_validate(dict(raw))
    except ValidationError as exc:
        problems = "; ".join(_format_validation(exc)[:5])
        raise InvalidWorkflowInput(f"workflow input 'customer': {problems}") from None
    return WorkflowInput(customer=customer, command=str(command), program=program, force=force)

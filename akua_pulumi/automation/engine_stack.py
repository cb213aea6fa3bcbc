"""The Automation API objects of one stack run, made without the CLI calls a run does not need.

Two SDK methods would cost CLI calls the run can answer itself; the SDK offers no option to skip
them, so each is overridden in a subclass (never replaced on an instance):

* :class:`ExistingStackWorkspace`: the SDK's ``Stack`` runs ``stack select`` when it is made;
  every command of a run names its stack (``--stack``), so a stack known to exist needs none.
* :class:`EventStreamStack`: ``Stack.up`` reads the outputs (``stack output``, twice) and the
  summary (``stack history``) back after the run; :meth:`EventStreamStack.up_from_events` answers
  both from the run's own event stream.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from pulumi import automation as auto
from pulumi.automation._stack import StackInitMode  # what Stack() takes; not re-exported by the SDK

__all__ = ["EventStreamStack", "ExistingStackWorkspace", "StackInitMode", "op_name"]

#: How the event stream shows a secret output (the CLI's ``[secret]``, as without --show-secrets).
_SECRET = "[secret]"


def op_name(op: Any) -> str:
    """An operation (``OpType`` or its string) as its name: ``create``, ``same``..."""
    return str(op.value if hasattr(op, "value") else op)


# Subclassed: the SDK's Stack() always runs `stack select` (or init), and offers no way to skip it.
class ExistingStackWorkspace(auto.LocalWorkspace):
    """A ``LocalWorkspace`` for a stack known to exist: making its ``Stack`` runs no CLI command."""

    def select_stack(self, stack_name: str) -> None:
        """Nothing to run: the SDK's ``Stack`` calls this when made, and every command names the stack."""


class _Events:
    """The Stack's outputs and the change summary of one up, as its event stream showed them."""

    def __init__(self) -> None:
        self.started = datetime.now(timezone.utc)
        self.outputs: dict[str, Any] = {}
        self.changes: dict[Any, int] = {}  # keyed as the event has it (OpType or its name)

    def record(self, ev: Any) -> None:
        if ev.summary_event is not None:
            self.changes.update({k: int(v) for k, v in (ev.summary_event.resource_changes or {}).items()})
        if ev.res_outputs_event is not None and ev.res_outputs_event.metadata.type == "pulumi:pulumi:Stack":
            new = ev.res_outputs_event.metadata.new
            self.outputs.update((new.outputs if new is not None else None) or {})


# Subclassed: Stack.up always reads outputs and history back (3 CLI calls); the SDK offers no option to skip them.
class EventStreamStack(auto.Stack):
    """A ``Stack`` whose :meth:`up_from_events` reads nothing back after the run (see the module)."""

    _events: _Events | None = None

    def up_from_events(self, on_event: Callable[[Any], None], **kw: Any) -> auto.UpResult:
        """``up``, with the result's outputs (secrets as ``[secret]``) and summary from the events."""
        events = _Events()

        def both(ev: Any) -> None:
            events.record(ev)
            on_event(ev)

        self._events = events
        try:
            return self.up(on_event=both, **kw)
        finally:
            self._events = None

    def outputs(self) -> auto.OutputMap:
        """During :meth:`up_from_events`: the outputs the event stream showed; else the SDK's."""
        if self._events is None:
            return super().outputs()
        return {k: auto.OutputValue(value=v, secret=v == _SECRET) for k, v in self._events.outputs.items()}

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary | None:
        """During :meth:`up_from_events`: the summary the event stream showed; else the SDK's."""
        if self._events is None:
            return super().info(show_secrets)
        return auto.UpdateSummary(
            kind="update",
            start_time=self._events.started,
            message="",
            environment={},
            config={},
            result="succeeded",
            end_time=datetime.now(timezone.utc),
            resource_changes=dict(self._events.changes),
        )

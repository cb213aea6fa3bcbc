"""A retried run's first step: make sure no live run holds the stack, then clear what the dead run left.

A self-managed backend (``file://``, ``s3://``) locks a stack for an update with a lock object; a
killed update leaves it behind, and its in-flight steps as *pending operations* in the state.
:func:`settle` runs on a retried attempt only (the worker decides, :mod:`.worker`):

* **the lock** is broken (``pulumi cancel``) only when every lock on the stack is older than
  ``break_older_than`` seconds (the worker passes Temporal's heartbeat timeout; ``None`` when
  Temporal shows another live run of the customer: then neither the lock nor the state is
  touched) and at least ``fence_s`` after this attempt started (a superseded worker that still
  reaches Temporal ends its run within that time);
  otherwise it waits, at most ``wait_s``, then fails naming the lock;
* **pending operations** are dropped the way docs/operations.md recommends (``stack export``, drop
  ``pending_operations``, ``stack import``) after the objects of the dead run's in-flight creates
  have been found for adoption (``up``); another command leaves a stack with pending creates as it
  is (``stack import`` drops all pending operations) for the next ``up`` to adopt them.

The lock's creation time is the time of the machine that took it: workers' clocks must agree to a
few seconds (NTP).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from akua_pulumi.automation import cli_messages

__all__ = ["LockHolder", "earlier_changes", "lock_holders", "settle"]

#: ``  s3://.../locks/organization/p/s/<uuid>.json: created by user@host (pid 12) at 2026-12-06T05:00:00Z``
_HOLDER = re.compile(r"created by (?P<who>\S+) \(pid (?P<pid>\d+)\) at (?P<at>\S+)")


class LockHolder:
    """One lock on a stack, as the CLI's "currently locked" message describes it."""

    def __init__(self, who: str, pid: int, created: float) -> None:
        self.who, self.pid, self.created = who, pid, created

    def __str__(self) -> str:
        return f"{self.who} (pid {self.pid}) at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(self.created))}"


def lock_holders(text: str) -> list[LockHolder]:
    """The locks a "the stack is currently locked" message lists (empty when it lists none it can parse)."""
    found = []
    for m in _HOLDER.finditer(text):
        try:
            created = datetime.fromisoformat(m["at"].replace("Z", "+00:00")).timestamp()
        except ValueError:
            continue
        found.append(LockHolder(m["who"], int(m["pid"]), created))
    return found


def settle(
    run: Any,
    *,
    break_older_than: float | None,
    wait_s: float,
    fence_s: float = 5.0,
    poll_s: float = 3.0,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Wait for or break a dead run's lock, then drop the stack's pending operations (see the module).
    Returns the adoptions of the dead run's in-flight creates (``up`` only), ``{akua_seed: id}``.

    Raises:
        RuntimeError: the stack stays locked by a run not known to be dead; its state cannot be read.
    """
    started = clock()
    deadline = started + wait_s
    broken = False
    while True:
        exported = run.cli("stack", "export")
        if exported.returncode != 0:
            if cli_messages.is_no_such_stack(exported.stderr):
                return {}
            raise RuntimeError(f"could not read the state of stack {run.cid}: {exported.stderr.strip()[-300:]}")
        state = json.loads(exported.stdout)
        deployment = state.get("deployment") or {}
        if run.job.changed_since is not None:
            run.prior_changes = earlier_changes(deployment, run.job.changed_since)
        pending = deployment.get("pending_operations") or []
        adoptions = _pending_creates(run) if run.job.command == "up" and pending else {}
        if break_older_than is None:  # another run may be live: touch neither its lock nor the state
            run.note("another run of this customer may be live: leaving the lock and pending operations")
            return adoptions
        if run.job.command != "up" and any(op.get("type") == "creating" for op in pending):
            # `stack import` drops every pending operation: keep the creates for the next up to adopt.
            run.note("pending creates of a dead run are left for the next up to adopt")
            return adoptions
        # Also the probe of the lock: an import takes it, and reports who holds it.
        imported = _import_without(run, state)
        if imported.returncode == 0:
            if pending:
                run.note(f"dropped {len(pending)} pending operation(s) of the dead run")
            return adoptions
        if not cli_messages.is_locked(imported.stderr):
            raise RuntimeError(f"could not clear the pending operations of stack {run.cid}: {imported.stderr.strip()}")
        holders = lock_holders(imported.stderr)
        now = clock()
        dead = bool(holders) and all(now - h.created > break_older_than for h in holders)
        if dead and not broken:
            sleep(max(0.0, started + fence_s - now))
            run.note("breaking the lock of a dead run: " + "; ".join(map(str, holders)))
            run.cli("cancel", "--yes")
            broken = True
            continue
        if now >= deadline:
            who = "; ".join(map(str, holders)) or "a lock the CLI did not describe"
            raise RuntimeError(
                f"stack {run.cid} is locked by a run that may still be live ({who}); not breaking it. "
                "Retry once that run has ended, or run 'pulumi cancel' after making sure it is dead"
            )
        run.note("the stack is locked by a run that may still be live: waiting")
        sleep(poll_s)


def earlier_changes(deployment: dict[str, Any], since: float) -> dict[str, int]:
    """What earlier attempts of this workflow changed, from the state's resource timestamps: the
    resources created (``create``) or else modified (``update``) at or after ``since``, counted as
    the engine's summary counts them (the Stack included, default providers not), so a retried
    customer reports what a run in one go would have."""
    counts: dict[str, int] = {}
    for res in deployment.get("resources") or []:
        if str(res.get("type", "")).startswith("pulumi:providers:"):
            continue
        for key, op in (("created", "create"), ("modified", "update")):
            stamp = res.get(key)
            try:
                when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp() if stamp else None
            except ValueError:
                when = None
            if when is not None and when >= since:
                counts[op] = counts.get(op, 0) + 1
                break
    return counts


def _import_without(run: Any, state: dict[str, Any]) -> Any:
    """``stack import`` of ``state`` without its pending operations (secrets stay encrypted)."""
    state["deployment"].pop("pending_operations", None)
    path = run.work_dir / ".akua-import.json"
    run.work_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(state, out)
    try:
        return run.cli("stack", "import", "--file", str(path))
    finally:
        path.unlink(missing_ok=True)


def _pending_creates(run: Any) -> dict[str, str]:
    """After a dead run: the objects its in-flight creates made, ``{akua_seed: id}``, to adopt
    (:func:`akua_pulumi.resources._pending.pending_create_adoptions`)."""
    from akua_pulumi.resources._pending import pending_create_adoptions

    exported = run.cli("stack", "export", "--show-secrets")  # the lookups need the plain inputs; in memory only
    if exported.returncode != 0:
        return {}
    pending = (json.loads(exported.stdout).get("deployment") or {}).get("pending_operations") or []
    run.note(f"{len(pending)} pending operation(s) from the dead run")
    return pending_create_adoptions(pending, run.note)

"""What the clock retires among machines (API.md §7.1, §6.5), run after each ``/_local/clock:advance``.

* **Lifetime** (``compute.managed_machine_ttl_days``: Free 7 days, Pro and Enterprise unlimited, a
  ``/_local`` override wins): an ``ACTIVE`` machine on a ``system`` config whose ``created_at`` is at least that
  many days ago is deleted. byom machines have no lifetime (§6.5). A suspended machine is not touched by it:
  its snapshot's own ``expires_at`` governs it, so a downgrade's 90-day promise holds.
* **Snapshot expiry**: a ``SUSPENDED`` machine whose ``current_suspension.expires_at`` has passed lost the
  snapshot it would resume from, so it is deleted too, on every tier and config (the object states the date).

Both run as a real delete does: the machine goes ``DELETING`` (so it stops counting toward quotas and
``ClusterComputeSettings.machines`` at once) under a ``machine.delete`` Operation started by ``system``,
and is gone when that Operation completes (after ``operation_delay``; a failure puts the state back and the
next advance tries again). Machines with an Operation in flight (``PROVISIONING``, ``SUSPENDING``,
``RESUMING``, ``DELETING``) wait for the next advance.
"""

from __future__ import annotations

from ..db import Obj, Tx
from ..util import canonical, now, sha256
from . import Runtime, bump
from .entitlements import limit
from .operations import begin

__all__ = ["TTL_FEATURE", "expire_machines", "why_expired"]

TTL_FEATURE = "compute.managed_machine_ttl_days"
DAY = 86400


def why_expired(tx: Tx, m: Obj, at: int) -> str | None:
    """``lifetime``, ``snapshot_expired`` or None: why machine ``m`` is retired at ``at`` (Unix seconds)."""
    if m["state"] == "SUSPENDED":
        expires = (m.get("current_suspension") or {}).get("expires_at")
        if isinstance(expires, bool) or not isinstance(expires, (int, float)):
            return None  # no date (drift through /_local): nothing to expire
        return "snapshot_expired" if expires <= at else None
    if m["state"] != "ACTIVE" or not m.get("_managed"):
        return None
    days = limit(tx, str(m["workspace_id"]), TTL_FEATURE)
    return "lifetime" if days is not None and int(m["created_at"]) + days * DAY <= at else None


def expire_machines(tx: Tx, rt: Runtime) -> list[Obj]:
    """Start a ``machine.delete`` for every machine :func:`why_expired` names, oldest first; one row each."""
    at, rows = now(), []
    for m in reversed(tx.find("machine")):  # find() is newest first
        reason = why_expired(tx, m, at)
        if reason is None:
            continue
        m["_before"] = m["state"]
        m.update(state="DELETING", reconciling=True)
        tx.save(bump(m))
        meta = {
            "workspace_id": m["workspace_id"],
            "machine_id": m["id"],
            "request_fingerprint": sha256(canonical({"expired": reason, "machine": m["id"], "at": at})),
        }
        op = begin(tx, rt, "machine.delete", "machine", m["id"], meta, m["workspace_id"], by="system")
        rows.append(
            {"machine_id": m["id"], "workspace_id": m["workspace_id"], "operation_id": op["id"], "reason": reason}
        )
    return rows

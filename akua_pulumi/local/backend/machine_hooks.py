"""What machines change in the older families (API.md §7.1, §6.5), attached through :mod:`.hooks`.

``clusters.delete`` and ``computeConfigs.delete`` refuse while machines use them, the compute settings count
them, ``/quotas?cluster_id=`` reports the launches in flight, a workspace back on Free suspends its system
machines, and advancing the ``/_local`` clock retires expired machines (:mod:`.machine_expiry`).
"""

from __future__ import annotations

from typing import Any

from ..db import Obj, Tx
from ..errors import LocalConflict
from ..util import canonical, new_id, now, sha256
from . import Req, bump
from .clock import on_advance
from .hooks import after, after_effect, before
from .machine_expiry import expire_machines
from .machines import launching, on_cluster
from .operations import finish

# -- what machines change elsewhere ------------------------------------------------------------------


def _cluster_without_machines(r: Req) -> None:
    held = on_cluster(r.tx, r.path["id"])
    if held:
        names = ", ".join(m["id"] for m in held[:5])
        raise LocalConflict(f"cluster {r.path['id']} still has {len(held)} machine(s): {names}; delete them first")


def _config_unused(r: Req) -> None:
    held = [m["id"] for m in r.tx.find("machine", workspace_id=r.ws) if m["compute_config_id"] == r.path["id"]]
    if held:
        raise LocalConflict(f"compute config {r.path['id']} is used by machine(s): {', '.join(held[:5])}")


def _settings_count(r: Req, status: int, body: Any) -> None:
    if status == 200 and isinstance(body, dict):
        body["machines"] = len([m for m in on_cluster(r.tx, r.path["id"]) if m["state"] != "DELETING"])


def _launch_usage(r: Req, status: int, body: Any) -> None:
    """``/quotas?cluster_id=`` reports the creates holding a launch slot (the other ``compute/*`` usage comes
    from :func:`.quotas.usage`, which asks :func:`.machines.usage`)."""
    if status != 200 or not isinstance(body, dict) or not r.query.get("cluster_id"):
        return
    for row in body.get("data", []):
        if isinstance(row, dict) and row.get("metric") == "compute/machine_launches":
            row["usage"] = len([o for o in launching(r.tx, r.query["cluster_id"]) if not o.get("_queued")])
            row["remaining"] = max(0, row["limit"] - row["usage"])


def _downgraded(tx: Tx, op: Obj) -> None:
    """A workspace back on Free: its active machines on system configs are suspended with reason
    ``downgrade`` (§6.5, §7.1), each through a ``machine.suspend`` Operation completed at once."""
    if op["metadata"].get("tier") != "free":
        return
    ws_id = op["metadata"]["workspace_id"]
    for m in tx.find("machine", workspace_id=ws_id):
        if not m.get("_managed") or m["state"] != "ACTIVE":
            continue
        m.update(state="SUSPENDING", reconciling=True, _before="ACTIVE", _reason="downgrade")
        tx.save(bump(m))
        ts = now()
        child: Obj = {
            "id": new_id("op"),
            "workspace_id": ws_id,
            "organization_id": None,
            "owner_type": "machine",
            "owner_id": m["id"],
            "parent_operation_id": op["id"],
            "state": "RUNNING",
            "done": False,
            "html_url": "https://app.akua.local/operations/",
            "metadata": {
                "type": "machine.suspend",
                "workspace_id": ws_id,
                "machine_id": m["id"],
                "request_fingerprint": sha256(canonical({"downgrade": op["id"], "machine": m["id"]})),
            },
            "response": None,
            "error": None,
            "last_error": None,
            "started_at": ts,
            "completed_at": None,
            "steps": [],
            "_by": op.get("_by"),
        }
        child["html_url"] += child["id"]
        tx.insert("operation", child, workspace_id=ws_id)
        finish(tx, child)


before("clusters.delete", _cluster_without_machines)
after_effect("workspace.subscription.change_tier", _downgraded)
before("computeConfigs.delete", _config_unused)
after("clusters.getComputeSettings", _settings_count)
after("clusters.updateComputeSettings", _settings_count)
after("quotas.list", _launch_usage)
on_advance(expire_machines)

"""The input fingerprint: what lets an ``up`` of an unchanged input skip the engine.

An ``up`` records ``<fingerprint>:<resource count>`` as the stack output :data:`FINGERPRINT_OUTPUT`;
it resolves only once every declared resource was created or updated, so only a successful up
records it. A failed up, or a refresh that found drift, drops it (:func:`forget_fingerprint`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from akua_pulumi.automation.job import Job
from akua_pulumi.automation.program_ref import program_ref

__all__ = ["FINGERPRINT_OUTPUT", "fingerprint", "forget_fingerprint"]

#: Stack output holding ``<input fingerprint>:<resource count>``.
FINGERPRINT_OUTPUT = "akua:input"


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


def forget_fingerprint(cli: Callable[..., Any], work_dir: Path, log: TextIO) -> None:
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

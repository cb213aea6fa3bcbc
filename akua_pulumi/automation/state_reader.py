"""Read a stack's last deployment straight from the backend, without running the engine.

``akua-onboard drift`` needs every customer's recorded resources, and an engine run per customer
costs about a CPU second. The state is a JSON document the backend stores per stack:

* a **file backend** (``file://<dir>``, the pipeline's default ``<state_dir>``) keeps it at
  ``<dir>/.pulumi/stacks/<project>/<stack>.json`` (``.json.gz`` when Pulumi gzips state); it is read
  directly;
* any **other backend** (S3-compatible, Pulumi Cloud...) is read with ``pulumi stack export`` (one
  CLI call, no engine, no plugins): still a fraction of an engine run, and it goes through the
  backend's own credentials.

Only what drift compares is kept: custom resources with their type, name, id and outputs. Secret
values stay ciphertext here (the ``4dabf18193072939515e22adb298388d`` envelope); nothing is
decrypted.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from akua_pulumi.automation.environment import PulumiEnvironment, is_file_backend
from akua_pulumi.errors import AkuaError

__all__ = [
    "SECRET_SIG",
    "StackState",
    "StateReadError",
    "StateResource",
    "is_secret_value",
    "list_stacks",
    "read_stack_state",
]

#: The key Pulumi marks a secret value with in serialized state.
SECRET_SIG = "4dabf18193072939515e22adb298388d"


class StateReadError(AkuaError):
    """A stack's state could not be read (missing, unreadable, or not a Pulumi deployment)."""


def is_secret_value(value: Any) -> bool:
    """Whether ``value`` is a serialized secret (ciphertext envelope) from state."""
    return isinstance(value, Mapping) and SECRET_SIG in value


@dataclass(frozen=True)
class StateResource:
    """One custom resource as the state records it."""

    urn: str
    type: str
    id: str
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The resource's logical name (the URN's last part)."""
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class StackState:
    """A stack's custom resources (None: the stack does not exist in the backend)."""

    stack: str
    resources: list[StateResource] = field(default_factory=list)


def _file_root(backend_url: str | None, state_dir: Path) -> Path:
    if backend_url is None:
        return state_dir
    parts = urlsplit(backend_url)
    return (
        Path(unquote(parts.netloc + parts.path)) if parts.netloc not in ("", "localhost") else Path(unquote(parts.path))
    )


def _parse_deployment(doc: Mapping[str, Any], stack: str) -> StackState:
    """Custom resources of a checkpoint (file format) or a ``stack export`` document."""
    deployment = doc.get("checkpoint", {}).get("latest") if "checkpoint" in doc else doc.get("deployment")
    if deployment is None:  # a stack that was initialised but never updated
        return StackState(stack)
    if not isinstance(deployment, Mapping):
        raise StateReadError(f"stack {stack}: the state is not a Pulumi deployment")
    out: list[StateResource] = []
    for res in deployment.get("resources") or ():
        if not res.get("custom") or res.get("delete") or not res.get("id"):
            continue
        kind = str(res.get("type", ""))
        if kind.startswith("pulumi:providers:"):
            continue
        outputs = dict(res.get("outputs") or {})
        out.append(StateResource(urn=str(res["urn"]), type=kind, id=str(res["id"]), outputs=outputs))
    return StackState(stack, out)


def read_stack_state(
    project: str,
    stack: str,
    *,
    state_dir: Path,
    backend_url: str | None = None,
    penv: PulumiEnvironment | None = None,
) -> StackState | None:
    """The recorded resources of ``project``/``stack``; None when the stack does not exist.

    File backends are read directly; other backends through ``pulumi stack export`` with ``penv``
    (the pipeline's environment: backend URL, passphrase, ``PULUMI_HOME``).

    Raises:
        StateReadError: the state exists but cannot be read or parsed.
    """
    if is_file_backend(backend_url):
        base = _file_root(backend_url, state_dir) / ".pulumi" / "stacks" / project
        for path, opener in ((base / f"{stack}.json", open), (base / f"{stack}.json.gz", gzip.open)):
            if path.exists():
                try:
                    with opener(path, "rt", encoding="utf-8") as fh:
                        doc = json.load(fh)
                except (OSError, ValueError) as exc:
                    raise StateReadError(f"stack {stack}: cannot read {path.name}: {exc}") from None
                return _parse_deployment(doc, stack)
        return None
    if penv is None:
        raise StateReadError(f"stack {stack}: reading a {urlsplit(backend_url or '').scheme} backend needs the CLI")
    proc = penv.run("stack", "export", "--stack", f"organization/{project}/{stack}", cwd=penv.state_dir, check=False)
    if proc.returncode != 0:
        text = (proc.stderr or "") + (proc.stdout or "")
        if "no stack named" in text or "not found" in text:
            return None
        last = next((line for line in reversed(text.strip().splitlines()) if line.strip()), "unknown error")
        raise StateReadError(f"stack {stack}: pulumi stack export failed: {last.strip()}")
    try:
        return _parse_deployment(json.loads(proc.stdout or "{}"), stack)
    except ValueError as exc:
        raise StateReadError(f"stack {stack}: pulumi stack export printed no JSON: {exc}") from None


def list_stacks(
    project: str, *, state_dir: Path, backend_url: str | None = None, penv: PulumiEnvironment | None = None
) -> list[str]:
    """Every stack of ``project`` in the backend, sorted (file backend: its directory; else ``stack ls``).

    Raises:
        StateReadError: the backend cannot be listed.
    """
    if is_file_backend(backend_url):
        base = _file_root(backend_url, state_dir) / ".pulumi" / "stacks" / project
        if not base.is_dir():
            return []
        names = {p.name.removesuffix(".gz").removesuffix(".json") for p in base.iterdir()}
        return sorted(n for n in names if (base / f"{n}.json").exists() or (base / f"{n}.json.gz").exists())
    if penv is None:
        raise StateReadError("listing a non-file backend needs the Pulumi CLI environment")
    from akua_pulumi.automation.executors.local import listed_stacks

    found = listed_stacks(penv, project)
    if found is None:
        raise StateReadError(f"cannot list the stacks of project {project} in the backend")
    return sorted(found)

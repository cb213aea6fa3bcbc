"""The options ``akua-onboard`` and ``akua-onboard-worker`` share, declared once.

Each command passes what differs: its defaults (the worker reads ``$AKUA_API_URL`` and
``$AKUA_WORKSPACE`` when its parser is built; ``akua-onboard`` leaves them unset, reads them only on
the local engine, and refuses them on ``--engine temporal``) and a note added to the help of the
options that only apply on its side. Stdlib only: ``akua-onboard`` must start without ``temporalio``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = [
    "DEFAULT_PROJECT",
    "DEFAULT_TASK_QUEUE",
    "STACK_OPTIONS",
    "add_repeatable",
    "add_stack_options",
    "add_temporal_options",
]

DEFAULT_PROJECT = "akua-onboarding"
#: The task queue the workers poll and the client starts workflows on when neither names one.
DEFAULT_TASK_QUEUE = "akua-onboarding"

#: The options that say how a stack runs (argparse dest -> flag): a worker holds them, never a workflow.
STACK_OPTIONS = {
    "api_url": "--api-url",
    "workspace": "--workspace",
    "backend": "--backend",
    "project": "--project",
    "setting": "--setting",
    "secrets_provider": "--secrets-provider",
}


def add_repeatable(p: argparse.ArgumentParser, flag: str, metavar: str, help: str) -> None:
    """An option given any number of times (``KEY=VALUE`` pairs, say): a list, empty when never given."""
    p.add_argument(flag, action="append", default=[], metavar=metavar, help=help)


def add_stack_options(
    p: argparse.ArgumentParser,
    *,
    state_dir: Path,
    project: str | None = None,
    api_url: str | None = None,
    workspace: str | None = None,
    note: str = "",
) -> None:
    """``--state-dir`` and the :data:`STACK_OPTIONS`, with these defaults; ``note`` ends each help text."""
    tail = f"; {note}" if note else ""
    p.add_argument("--state-dir", type=Path, default=state_dir, metavar="DIR")
    p.add_argument(
        "--backend",
        metavar="URL",
        help=f"Pulumi backend URL, e.g. s3://bucket?endpoint=... (default: file backend in --state-dir{tail})",
    )
    p.add_argument(
        "--project", default=project, help=f"Pulumi project of every stack (default {DEFAULT_PROJECT}{tail})"
    )
    p.add_argument("--api-url", default=api_url, metavar="URL", help=f"akua:apiUrl (default $AKUA_API_URL{tail})")
    p.add_argument(
        "--workspace", default=workspace, metavar="WS", help=f"akua:workspace (default $AKUA_WORKSPACE{tail})"
    )
    add_repeatable(p, "--setting", "KEY=VALUE", f"a setting passed to the program factory (repeatable{tail})")
    p.add_argument(
        "--secrets-provider",
        metavar="URL",
        help="secrets provider of new stacks: passphrase (default) or a key URL (awskms://KEY?region=..., gcpkms://, "
        f"azurekeyvault://, hashivault://), which needs no passphrase{tail}",
    )


def add_temporal_options(p: argparse.ArgumentParser, *, address_required: bool, task_queue: str | None) -> None:
    """``--address``, ``--namespace`` and ``--task-queue`` (``task_queue`` None: the executor's default,
    the same ``akua-onboarding``). An optional address is the one ``--engine temporal`` needs."""
    when = "" if address_required else " (with --engine temporal)"
    p.add_argument("--address", required=address_required, metavar="HOST:PORT", help=f"Temporal frontend address{when}")
    p.add_argument("--namespace", default="default", help="Temporal namespace (default: default)")
    p.add_argument("--task-queue", default=task_queue, help=f"Temporal task queue (default {DEFAULT_TASK_QUEUE})")

"""``python -m akua_pulumi.automation.temporal`` and the ``akua-onboard-worker`` entry point.

The Temporal executor lives in :mod:`akua_pulumi.automation.executors.temporal`, the worker in
:mod:`akua_pulumi.automation.worker`; this module keeps their public names where they were.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from akua_pulumi.automation.executors.temporal import (
    DEFAULT_TASK_QUEUE,
    HEARTBEAT_TIMEOUT,
    OnboardCustomer,
    run_on_temporal,
    workflow_id,
)

__all__ = [
    "DEFAULT_TASK_QUEUE",
    "HEARTBEAT_TIMEOUT",
    "OnboardCustomer",
    "main_worker",
    "run_on_temporal",
    "workflow_id",
]


def main_worker(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``akua-onboard-worker`` (:func:`akua_pulumi.automation.worker.main`)."""
    from akua_pulumi.automation.executors.temporal import exit_now_if_temporal_loaded
    from akua_pulumi.automation.worker import main

    code = main(argv)
    return exit_now_if_temporal_loaded(code) if argv is None else code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main_worker())

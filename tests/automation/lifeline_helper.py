"""A stand-in worker for tests/automation/test_lifeline.py: a fork server, and one job process that
leads its run like a real one and starts an engine-like tree (a child in its own process group, as
Pulumi starts its plugins, and a grandchild). Prints one JSON line of pids, then waits to be killed.
``python -m tests.automation.lifeline_helper PIDS_FILE [DELAY]``: the job waits DELAY s before it
leads its run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any


def job(pids_path: str, delay: float = 0.0) -> None:
    """The job process: lead the run (after ``delay``: a slow start, such as unpickling a large job,
    during which the worker may die), start the tree, record the pids."""
    from akua_pulumi.automation.lifeline import lead_run

    time.sleep(delay)
    lead_run()
    plugin = subprocess.Popen(["sleep", "300"], start_new_session=True)
    engine = subprocess.Popen(["sh", "-c", "sleep 300 & sleep 300 & wait"])
    time.sleep(0.5)
    with open(pids_path + ".tmp", "w") as out:
        json.dump({"job": os.getpid(), "plugin": plugin.pid, "engine": engine.pid}, out)
    os.replace(pids_path + ".tmp", pids_path)
    time.sleep(300)


def main() -> None:
    from multiprocessing import forkserver

    from akua_pulumi.automation.fork_server import fork_server_context

    ctx: Any = fork_server_context()
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    proc = ctx.Process(target=job, args=(sys.argv[1], delay))
    proc.start()
    server = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    print(json.dumps({"worker": os.getpid(), "fork_server": server, "job": proc.pid}), flush=True)
    time.sleep(300)


if __name__ == "__main__":
    main()


def empty_program(customer: Any, settings: Any) -> None:
    """A program that declares nothing (tests/automation/test_stack_lock.py)."""

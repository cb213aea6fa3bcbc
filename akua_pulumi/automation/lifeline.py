"""Tie a run's processes to the worker that started them, so a worker's death ends its runs.

The chain on Linux (see docs/onboarding.md, "A worker that dies"):

* the **fork server** gets ``PR_SET_PDEATHSIG`` (SIGKILL) relative to the worker:
  :func:`tie_fork_server` runs when the fork server imports this module (a preload), and acts only
  in the process whose parent is the pid in ``AKUA_FORK_SERVER_PARENT`` (set by the worker);
* each **job process** (:func:`lead_run`) gets its own session, becomes a child subreaper (orphans of
  its run, such as providers of a killed ``pulumi``, are re-parented to it, not to pid 1) and
  ``PR_SET_PDEATHSIG`` (SIGTERM) relative to the fork server, checked right after it is set: the
  parent must still be the fork server whose parent is the worker (:func:`fork_server_of_this_job`),
  else the worker died since the fork and the run ends at once. SIGTERM, or a watchdog thread that
  sees its parent change, ends the run: every descendant is SIGKILLed (:func:`end_run`), then the
  job process exits.

Elsewhere (macOS) there is no parent-death signal and no ``/proc``: the watchdog thread alone ends
the job's process group when its parent changes; processes that left the group may outlive it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path

__all__ = [
    "FORK_SERVER_PARENT_ENV",
    "descendants",
    "end_run",
    "fork_server_of_this_job",
    "kill_session",
    "lead_run",
    "parent_of",
    "stat_fields",
    "tie_fork_server",
    "tie_to_parent",
]

#: The pid whose child (the fork server) must die with it.
FORK_SERVER_PARENT_ENV = "AKUA_FORK_SERVER_PARENT"
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_LINUX = sys.platform.startswith("linux")


def _prctl(option: int, arg: int) -> None:
    if _LINUX:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, arg, 0, 0, 0)


def tie_to_parent(expected_parent: int, sig: int = signal.SIGKILL) -> bool:
    """Ask for ``sig`` when the parent dies; False when the parent is already not ``expected_parent``
    (it died before the request took effect: the caller must exit)."""
    _prctl(_PR_SET_PDEATHSIG, int(sig))
    return os.getppid() == expected_parent


def tie_fork_server() -> None:
    """In the fork server (imported as a preload): die with the worker that started it."""
    expected = os.environ.get(FORK_SERVER_PARENT_ENV, "")
    in_fork_server = sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules
    if not expected.isdigit() or int(expected) == os.getpid() or not in_fork_server:
        return
    if not tie_to_parent(int(expected)):  # the worker died before the fork server got here
        os._exit(1)


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (``[state, ppid, pgrp, session,
    ...]``), or None when it cannot be read (the process is gone, or there is no ``/proc``)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def parent_of(pid: int | str) -> int | None:
    """``pid``'s parent from ``/proc`` (None when it cannot be read)."""
    fields = stat_fields(pid)
    try:
        return int(fields[1]) if fields else None
    except (IndexError, ValueError):
        return None


def _stats() -> list[tuple[int, list[str]]]:
    """``(pid, fields after the command name)`` of every process in ``/proc`` (none elsewhere)."""
    out = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
        fields = stat_fields(entry.name) if entry.name.isdigit() else None
        if fields is not None:
            out.append((int(entry.name), fields))
    return out


def kill_session(sid: int) -> int:
    """SIGKILL every live process of session ``sid`` (a job's run: plugins change their process group,
    not their session); how many there were."""
    members = [pid for pid, f in _stats() if len(f) > 3 and f[0] != "Z" and f[3] == str(sid)]
    for pid in members:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return len(members)


def descendants(root: int) -> list[int]:
    """Every live (non-zombie) descendant of ``root``, from ``/proc`` (empty where there is none)."""
    children: dict[int, list[int]] = {}
    for pid, fields in _stats():
        if len(fields) >= 2 and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(pid)
    found: list[int] = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def end_run(timeout: float = 5.0) -> None:
    """SIGKILL every descendant of this process (again, as orphans are re-parented to it), then exit."""
    me = os.getpid()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = descendants(me)
        if not left:
            break
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    with contextlib.suppress(OSError):
        os.killpg(me, signal.SIGKILL)  # what /proc cannot show (non-Linux), and this process
    os._exit(137)


def fork_server_of_this_job() -> int:
    """The parent this job process must die with: its fork server, checked (Linux) to be still the
    child of the worker that started it; -1 when the chain already broke (the worker or the fork
    server died between the fork and this call, when ``os.getppid()`` names whoever adopted the
    job). Elsewhere, or without a recorded worker, the current parent."""
    parent = os.getppid()
    worker = os.environ.get(FORK_SERVER_PARENT_ENV, "")
    if worker.isdigit() and Path("/proc/self/stat").exists() and parent_of(parent) != int(worker):
        return -1
    return parent


def lead_run(poll: float = 0.2) -> None:
    """In a job process: lead its own session, gather its orphans, end the run when the parent
    (:func:`fork_server_of_this_job`) dies, or at once when it is already gone."""
    expected_parent = fork_server_of_this_job()
    os.setsid()
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGTERM, lambda *_: end_run())
    if not tie_to_parent(expected_parent, signal.SIGTERM):
        end_run()

    def watch() -> None:  # also where no signal comes (non-Linux) or the main thread is stuck in C
        while os.getppid() == expected_parent:
            time.sleep(poll)
        end_run()

    threading.Thread(target=watch, name="akua-lifeline", daemon=True).start()


if os.environ.get(FORK_SERVER_PARENT_ENV):  # cheap; acts only in the fork server (see tie_fork_server)
    tie_fork_server()

"""Run the dynamic provider server (``python -m pulumi.dynamic``, or the launcher's
``akua_pulumi.toolchain.dynamic``) under cProfile (all threads), dumping to $AKUA_BENCH_PROFILE_DIR.

Used by ``bench/profiled_python.sh`` as ``provider_profile.py MODULE ARGS...``; the engine stops the
provider with a signal, so the dump is written from the signal handler too. Each dump is named
``provider-<pid>-<thread>.prof`` and the process's wall and CPU time at exit go to
``provider-<pid>.txt`` (with the kinds of resources it served, to tell the fleets apart). With
``AKUA_BENCH_PROFILE_CPU_ONLY=1`` nothing is profiled: only the ``.txt`` is written (the CPU a
provider process costs, without the profiler's overhead).
"""

from __future__ import annotations

import cProfile
import os
import resource
import runpy
import signal
import sys
import threading
import time

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_started = time.perf_counter()


def _dump(*_: object) -> None:
    out = os.environ.get("AKUA_BENCH_PROFILE_DIR", ".")
    with _lock:
        for i, prof in enumerate(_profiles):
            prof.disable()
            prof.dump_stats(os.path.join(out, f"provider-{os.getpid()}-{i}.prof"))
        _profiles.clear()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        kinds = sorted({m for m in sys.modules if m.startswith(("akua_pulumi.resources.", "null_fleet"))})
        with open(os.path.join(out, f"provider-{os.getpid()}.txt"), "w") as fh:
            fh.write(f"wall {time.perf_counter() - _started:.3f} cpu {usage.ru_utime + usage.ru_stime:.3f}\n")
            fh.write(" ".join(kinds) + "\n")
    os._exit(0)


def _trace(frame, event, arg):  # type: ignore[no-untyped-def]
    # Profile every thread: the gRPC pool threads are where provider calls run.
    sys.setprofile(None)
    prof = cProfile.Profile()
    with _lock:
        _profiles.append(prof)
    prof.enable()


def main() -> None:
    module, *args = sys.argv[1:]
    if module == "akua_pulumi.toolchain.dynamic":
        from akua_pulumi.toolchain._watchdog import exit_when_orphaned

        exit_when_orphaned()
    signal.signal(signal.SIGTERM, _dump)
    signal.signal(signal.SIGINT, _dump)
    if not os.environ.get("AKUA_BENCH_PROFILE_CPU_ONLY"):
        threading.setprofile(_trace)
        main_profile = cProfile.Profile()
        with _lock:
            _profiles.append(main_profile)
        main_profile.enable()
    sys.argv = ["pulumi.dynamic", *args]
    try:
        runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
    finally:
        _dump()


if __name__ == "__main__":
    main()

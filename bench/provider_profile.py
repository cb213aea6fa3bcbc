"""Run ``python -m pulumi.dynamic`` under cProfile (all threads), dumping to $AKUA_BENCH_PROFILE_DIR.

Used by ``bench/profiled_python.sh``; the engine stops the provider with a signal, so the dump is
written from the signal handler too.
"""

from __future__ import annotations

import cProfile
import os
import runpy
import signal
import sys
import threading

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _dump(*_: object) -> None:
    out = os.environ.get("AKUA_BENCH_PROFILE_DIR", ".")
    with _lock:
        for i, prof in enumerate(_profiles):
            prof.disable()
            prof.dump_stats(os.path.join(out, f"provider-{os.getpid()}-{i}.prof"))
        _profiles.clear()
    os._exit(0)


def _trace(frame, event, arg):  # type: ignore[no-untyped-def]
    # Profile every thread: the gRPC pool threads are where provider calls run.
    prof = cProfile.Profile()
    with _lock:
        _profiles.append(prof)
    prof.enable()


def main() -> None:
    signal.signal(signal.SIGTERM, _dump)
    signal.signal(signal.SIGINT, _dump)
    threading.setprofile(_trace)
    sys.argv = ["pulumi.dynamic", *sys.argv[1:]]
    try:
        runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
    finally:
        _dump()


if __name__ == "__main__":
    main()

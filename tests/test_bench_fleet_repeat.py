"""``bench/bench_fleet.py --repeat N``: declaring thousands of dynamic resources in one process works.

pulumi's ``serialize_provider`` (one call per dynamic resource declared) wraps
``pickle._Pickler._batch_setitems`` around the current one and never restores it, so the N-th call pickles
every dict through N nested wrappers; a provider with instance state hit RecursionError in the second
null-fleet round. ``keep_pickle_unpatched`` puts the pickler back after each call.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_serialize_provider_leaves_the_pickler_as_it_found_it() -> None:
    script = textwrap.dedent(
        """
        import pickle, sys
        sys.path.insert(0, "bench")
        import pulumi.dynamic.dynamic as dyn
        from bench_fleet import keep_pickle_unpatched
        from null_fleet import NullWorkspaceProvider

        keep_pickle_unpatched()
        keep_pickle_unpatched()  # idempotent: one wrapper
        provider = NullWorkspaceProvider(("etag", "created_at"))  # instance state: pickles a dict
        first = dyn.serialize_provider(provider)
        before = pickle._Pickler._batch_setitems, pickle._Pickler.save_dict
        for _ in range(3 * sys.getrecursionlimit()):  # three null fleets of 140 resources x 4 programs, and more
            assert dyn.serialize_provider(provider) == first  # still deterministic
        assert (pickle._Pickler._batch_setitems, pickle._Pickler.save_dict) == before
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]

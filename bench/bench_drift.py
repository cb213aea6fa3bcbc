"""Drift benchmark: CPU seconds per customer of ``akua-onboard drift`` against ``refresh``, in one run.

Onboards ``--customers`` customers (the default program: workspace, two members, region, cluster,
install, API token) into akua-local, renames the cluster of every fourth one out of band, then runs,
each in a fresh child process (as a new ``akua-onboard`` process would):

1. ``drift``: the state read from the file backend, every resource read back through its provider;
2. ``refresh``: one engine run per customer (what ``akua-onboard refresh`` costs).

The CPU figure is the child's own CPU plus its reaped descendants' (engine, language host,
providers, the fork server's workers); akua-local runs in this parent process and is not counted
for either. Both runs must find the same drifted customers.

Reproduce: ``.venv/bin/python bench/bench_drift.py --customers 20 --parallelism 4``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROGRAM = "akua_pulumi.automation.programs:customer_program"


def _phase(args: argparse.Namespace) -> int:
    """The child: run one phase, print ``{"cpu_s", "seconds", "drifted"}`` as JSON on the last line."""
    sys.path.insert(0, str(HERE))
    from bench_onboarding import stop_fork_server
    from onboarding_temporal import become_subreaper, reap_orphans

    from akua_pulumi.automation.customers import parse_customers_file
    from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret

    become_subreaper()
    doc = json.loads(Path(args.customers_file).read_text())
    entries = parse_customers_file(doc).entries
    pipeline = OnboardingPipeline(
        PROGRAM,
        state_dir=args.state_dir,
        parallelism=args.parallelism,
        config={"akua:apiUrl": args.api_url, "akua:token": Secret(os.environ["AKUA_API_TOKEN"])},
    )

    def cpu_now() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    c0 = cpu_now()
    t0 = time.perf_counter()
    if args.phase == "drift":
        report = pipeline.drift(entries)
        drifted = sorted(r.customer_id for r in report.drifted)
        ok = not report.failed
    else:
        refreshed = pipeline.refresh(entries)
        drifted = sorted(r.customer_id for r in refreshed if r.resources_changed)
        ok = refreshed.ok
        stop_fork_server()
    seconds = time.perf_counter() - t0
    reap_orphans()
    cpu = cpu_now()
    out = {"cpu_s": round(cpu, 3), "command_cpu_s": round(cpu - c0, 3), "seconds": round(seconds, 3)}
    print(json.dumps({**out, "drifted": drifted, "ok": ok}))
    return 0


def _run_child(phase: str, state_dir: Path, customers_file: Path, api_url: str, token: str, parallelism: int) -> Any:
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            phase,
            "--state-dir",
            str(state_dir),
            "--customers-file",
            str(customers_file),
            "--api-url",
            api_url,
            "--parallelism",
            str(parallelism),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "AKUA_API_TOKEN": token},
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", type=int, default=20)
    p.add_argument("--parallelism", type=int, default=4)
    p.add_argument("--out", type=Path, help="also write the JSON result here")
    p.add_argument("--no-refresh", action="store_true", help="drift only (for large fleets)")
    # The child process's arguments.
    p.add_argument("--phase", choices=["drift", "refresh"], help=argparse.SUPPRESS)
    p.add_argument("--state-dir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--customers-file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--api-url", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.phase:
        return _phase(args)

    sys.path.insert(0, str(HERE))
    from bench_fleet import arrange
    from bench_onboarding import customers_file
    from bench_support import rename_every_fourth_cluster

    from akua_pulumi.automation.customers import parse_customers_file
    from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
    from akua_pulumi.local import LocalServer

    with tempfile.TemporaryDirectory(prefix="akua-bench-drift-") as tmp, LocalServer(db=f"{tmp}/akua.db") as srv:
        seller = arrange(srv)
        doc = customers_file("d", args.customers, seller)
        path = Path(tmp) / "customers.json"
        path.write_text(json.dumps(doc))
        state_dir = Path(tmp) / "state"
        pipeline = OnboardingPipeline(
            PROGRAM,
            state_dir=state_dir,
            parallelism=args.parallelism,
            config={"akua:apiUrl": srv.api_url, "akua:token": Secret(srv.owner_token)},
        )
        up = pipeline.up(parse_customers_file(doc).entries)
        if not up.ok:
            raise SystemExit(f"onboarding failed:\n{up}")
        expected = rename_every_fourth_cluster(srv, up)
        srv.admin.reset_counters()
        drift = _run_child("drift", state_dir, path, srv.api_url, srv.owner_token, args.parallelism)
        drift_writes = srv.admin.counters()["writes"]
        refresh = None
        if not args.no_refresh:
            refresh = _run_child("refresh", state_dir, path, srv.api_url, srv.owner_token, args.parallelism)
    n = args.customers
    result = {
        "customers": n,
        "parallelism": args.parallelism,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
        "drift": {**drift, **_per_customer(drift, n), "writes": drift_writes},
        "expected_drifted": sorted(expected),
    }
    if refresh is not None:
        result["refresh"] = {**refresh, **_per_customer(refresh, n)}
        result["cpu_ratio_refresh_over_drift"] = round(refresh["cpu_s"] / max(drift["cpu_s"], 1e-9), 1)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    agree = drift["drifted"] == sorted(expected) and (refresh is None or refresh["drifted"] == drift["drifted"])
    return 0 if agree and drift["ok"] and (refresh is None or refresh["ok"]) and drift_writes == 0 else 1


def _per_customer(phase: dict[str, Any], n: int) -> dict[str, float]:
    """Per customer: the whole process (start-up and imports included) and the command alone."""
    return {
        "cpu_s_per_customer": round(phase["cpu_s"] / n, 3),
        "command_cpu_s_per_customer": round(phase["command_cpu_s"] / n, 3),
    }


if __name__ == "__main__":
    sys.exit(main())

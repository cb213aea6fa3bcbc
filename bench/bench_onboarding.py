"""Onboarding benchmark: customers per minute through OnboardingPipeline at parallelism 1, 2, 4.

Each customer is the default program (``akua_pulumi.automation.programs:customer_program``: a
CustomerWorkspace with two members, a region, a cluster, a product install and an API token), one
stack per customer, one worker process per stack, against akua-local with ``latency_ms`` injected
on every API request. The figure that matters is the speed-up over parallelism 1, measured in the
same run; ``--repeat`` alternates the order of the parallelism levels and reports medians.

At scale (docs/performance.md, "At a thousand customers"): ``--backend s3`` keeps the state in moto's
S3 server on loopback; ``--drift`` scans the last level's customers for drift after the no-change
re-run (every fourth renamed out of band); every run reports the peak RSS of its whole process tree.

Reproduce: ``.venv/bin/python bench/bench_onboarding.py --customers 8 --latency-ms 50``
Scale: ``.venv/bin/python bench/bench_onboarding.py --customers 1000 --parallelism 4 --drift --backend file``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.local import LocalServer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fleet import arrange, cpu_seconds
from bench_support import Scale, TreeRss, cpu_delta, run_drift, s3_state
from onboarding_temporal import become_subreaper, run_engine_level

HERE = Path(__file__).resolve().parent
PROGRAM = "akua_pulumi.automation.programs:customer_program"


def customers_file(prefix: str, n: int, seller: dict[str, Any]) -> dict[str, Any]:
    return {
        "defaults": {"region": {"name": "eu-west"}},
        "customers": [
            {
                "id": f"{prefix}-{i}",
                "name": f"Customer {prefix} {i}",
                "slug": f"{prefix}-{i}",
                "members": [{"user_id": u, "role": "member"} for u in seller["users"]],
                "cluster": {"name": f"{prefix}-{i}-main"},
                "installs": [{"product_id": seller["product_id"], "name": "app"}],
                "api_token": {"name": "ci"},
            }
            for i in range(n)
        ],
    }


def entries_of(tag: str, n: int, seller: dict[str, Any]) -> list[Any]:
    """The parsed customers of :func:`customers_file`."""
    return list(parse_customers_file(customers_file(tag, n, seller)).entries)


def stop_fork_server() -> None:
    """Stop the pipeline's fork server: it reaps the workers it forked, so their CPU (and its own)
    reaches this process's children only once it exits. The next run starts a new one, as a new
    ``akua-onboard`` process would."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # CPython's own (private) shutdown
    if stop is not None:
        stop()


def run_level(
    srv: LocalServer,
    state_dir: Path,
    program: str,
    parallelism: int,
    n: int,
    seller: dict[str, Any],
    tag: str,
    rerun: bool = False,
    scale: Scale | None = None,
) -> dict[str, Any]:
    """Onboard ``n`` new customers at ``parallelism``; with ``rerun``, then run ``up`` on them again
    (and with ``scale.drift``, change some out of band and scan the fleet for drift)."""
    scale = scale or Scale()
    entries = parse_customers_file(customers_file(tag, n, seller)).entries
    pipeline = OnboardingPipeline(
        program,
        state_dir=state_dir,
        backend_url=scale.backend_url,
        passphrase="bench-passphrase" if scale.backend_url else None,
        parallelism=parallelism,
        config={"akua:apiUrl": srv.api_url, "akua:token": Secret(srv.owner_token)},
    )
    srv.admin.reset_counters()
    scale.mark(f"p{parallelism} up")
    cpu0, s3_0 = cpu_seconds(), scale.s3_cpu()
    t0 = time.perf_counter()
    report = pipeline.up(entries)
    seconds = time.perf_counter() - t0
    stop_fork_server()
    cpu = cpu_delta(cpu0, cpu_seconds())
    s3_cpu = scale.s3_cpu() - s3_0
    counters = srv.admin.counters()
    if not report.ok:
        raise SystemExit(f"onboarding failed at parallelism {parallelism}:\n{report}")
    again: dict[str, Any] = {}
    if rerun:  # the same customers, nothing changed: what a nightly re-run costs
        srv.admin.reset_counters()
        scale.mark("rerun")
        c0, t1, s3_1 = cpu_seconds(), time.perf_counter(), scale.s3_cpu()
        second = pipeline.up(entries)
        rerun_s = time.perf_counter() - t1
        stop_fork_server()
        c1 = cpu_seconds()
        if not second.ok or any(r.resources_changed for r in second):
            raise SystemExit(f"no-change re-run changed something:\n{second}")
        again = {
            "rerun_seconds": round(rerun_s, 3),
            "rerun_ratio": round(rerun_s / seconds, 3),
            "rerun_cpu_s_per_customer": round(cpu_delta(c0, c1) / n, 3),
            "rerun_writes": srv.admin.counters()["writes"],
            "rerun_s3_server_cpu_s": round(scale.s3_cpu() - s3_1, 1),
        }
        if scale.rss is not None:
            again["rerun_peak_rss_mb"] = scale.rss.peak_mb("rerun")
        if scale.drift:
            again["drift"] = run_drift(srv, pipeline, report, entries, scale)
    out = {
        "parallelism": parallelism,
        "customers": n,
        "seconds": round(seconds, 3),
        "customers_per_minute": round(n / seconds * 60, 2),
        "median_customer_s": round(statistics.median(r.duration_s for r in report.results), 2),
        "requests": counters["total"],
        # CPU seconds per customer (workers, engines, language hosts, providers, akua-local), not the S3 stand-in.
        "cpu_s_per_customer": round(cpu / n, 3),
        "s3_server_cpu_s": round(s3_cpu, 1),
        **again,
    }
    if scale.rss is not None:
        out["peak_rss_mb"] = scale.rss.peak_mb(f"p{parallelism} up")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=8)
    ap.add_argument(
        "--parallelism",
        default="1,2,4",
        help="comma-separated levels; the first is the baseline",
    )
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--program", default=PROGRAM)
    ap.add_argument(
        "--engine-workers",
        default="",
        help="also onboard through Temporal with these worker counts (e.g. 1,2; needs scripts/temporal-toolchain)",
    )
    ap.add_argument(
        "--backend",
        choices=["file", "s3"],
        default="file",
        help="s3: moto's S3 server on loopback",
    )
    ap.add_argument(
        "--drift",
        action="store_true",
        help="after the re-run, a drift scan of the last level's customers",
    )
    ap.add_argument("--out", default=str(HERE / "results" / "onboarding.json"))
    args = ap.parse_args(argv)
    command = "bench/bench_onboarding.py " + " ".join(argv if argv is not None else sys.argv[1:])
    levels = [int(x) for x in args.parallelism.split(",")]

    runs: dict[int, list[dict[str, Any]]] = {p: [] for p in levels}
    if args.engine_workers:
        become_subreaper()
    load_before = os.getloadavg()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="akua-bench-onboarding-"))
        env = PulumiEnvironment(state_dir=Path(tmp) / "state").prepare()
        scale = Scale(rss=stack.enter_context(TreeRss()), drift=args.drift)
        if args.backend == "s3":
            scale.backend_url, s3 = stack.enter_context(s3_state(Path(tmp) / "moto.log"))
            scale.s3_pid = s3.pid
            scale.rss.exclude.add(s3.pid)  # type: ignore[union-attr]
        with LocalServer(db=str(Path(tmp) / "akua.db"), operation_delay=0.0) as srv:
            seller = arrange(srv)
            srv.admin.set_faults(latency_ms=args.latency_ms)
            for rep in range(args.repeat):
                order = levels if rep % 2 == 0 else list(reversed(levels))
                for p in order:
                    print(
                        f"round {rep + 1}/{args.repeat}: parallelism {p}, {args.customers} customers...",
                        flush=True,
                    )
                    tag = f"r{rep}p{p}"
                    rerun = p == levels[-1]
                    runs[p].append(
                        run_level(
                            srv,
                            env.state_dir,
                            args.program,
                            p,
                            args.customers,
                            seller,
                            tag,
                            rerun,
                            scale,
                        )
                    )
            engine_rows = []
            for w in [int(x) for x in args.engine_workers.split(",") if x.strip()]:
                print(
                    f"temporal: {w} worker(s), {args.customers} customers...",
                    flush=True,
                )
                engine_rows.append(
                    run_engine_level(
                        srv,
                        Path(tmp),
                        args.program,
                        w,
                        entries_of(f"t{w}", args.customers, seller),
                        f"t{w}",
                    )
                )
            srv.admin.clear_faults()

    base = levels[0]
    rows = []
    for p in levels:
        pairs = zip(runs[p], runs[base], strict=True)
        speedups = [r["customers_per_minute"] / b["customers_per_minute"] for r, b in pairs]
        rows.append(
            {
                "parallelism": p,
                "seconds": round(statistics.median(r["seconds"] for r in runs[p]), 2),
                "customers_per_minute": round(statistics.median(r["customers_per_minute"] for r in runs[p]), 2),
                "speedup": round(statistics.median(speedups), 2),
                "speedups": [round(s, 2) for s in speedups],
                "median_customer_s": round(statistics.median(r["median_customer_s"] for r in runs[p]), 2),
                "requests_per_customer": round(
                    statistics.median(r["requests"] for r in runs[p]) / args.customers,
                    1,
                ),
                "cpu_s_per_customer": round(statistics.median(r["cpu_s_per_customer"] for r in runs[p]), 2),
            }
        )
    # With C cores and c CPU seconds per customer, no parallelism beats C/c customers per second.
    cores = os.cpu_count() or 1
    cpu_ceiling = cores / statistics.median(r["cpu_s_per_customer"] for lv in runs.values() for r in lv) * 60
    base_cpm = rows[0]["customers_per_minute"]
    print()
    print(f"onboarding: {args.customers} customers, {args.latency_ms} ms latency, repeat {args.repeat}")
    print(
        f"{'parallel':>8} {'seconds':>8} {'cust/min':>9} {'speed-up':>9} {'s/customer':>11} {'req/customer':>13} "
        f"{'cpu s/customer':>15}"
    )
    for r in rows:
        print(
            f"{r['parallelism']:>8} {r['seconds']:>8.2f} {r['customers_per_minute']:>9.2f} {r['speedup']:>9.2f} "
            f"{r['median_customer_s']:>11.2f} {r['requests_per_customer']:>13.1f} {r['cpu_s_per_customer']:>15.2f}"
        )
    print(
        f"CPU ceiling: {cores} cores / {cpu_ceiling and cores * 60 / cpu_ceiling:.1f} CPU s per customer = "
        f"{cpu_ceiling:.1f} customers/min = {cpu_ceiling / base_cpm:.2f}x parallelism {base}"
    )
    last = runs[levels[-1]]
    rerun_ratio = statistics.median(r["rerun_ratio"] for r in last)
    print(
        f"no-change re-run of {args.customers} customers at parallelism {levels[-1]}: "
        f"{statistics.median(r['rerun_seconds'] for r in last):.2f} s = {rerun_ratio:.2f}x the first onboarding, "
        f"{statistics.median(r['rerun_cpu_s_per_customer'] for r in last):.2f} CPU s per customer, "
        f"{max(r['rerun_writes'] for r in last)} writes"
    )
    memory = {k: scale.rss.peak_mb(k) for k in scale.rss.peaks} if scale.rss else {}
    print(f"peak RSS of the process tree, MB: {memory} (max {scale.rss.max_processes if scale.rss else 0} processes)")
    if args.backend == "s3":
        s3_cpu = [r["s3_server_cpu_s"] for lv in runs.values() for r in lv]
        print(
            f"S3 stand-in (moto, not counted above): CPU s per onboarding {s3_cpu}, peak RSS "
            f"{scale.rss.excluded_peak / 2**20 if scale.rss else 0:.0f} MB"
        )
    drift = [r["drift"] for r in last if "drift" in r]
    for d in drift:
        print(
            f"drift scan of {args.customers} customers at parallelism {levels[-1]}: {d['seconds']:.2f} s, "
            f"{d['cpu_s_per_customer']:.4f} CPU s per customer, {d['requests']} requests, {d['drifted']} drifted "
            f"(as expected), 0 writes"
        )
    for row in engine_rows:
        row["vs_local_parallelism_1"] = round(row["customers_per_minute"] / base_cpm, 2)
        row["vs_1_worker"] = round(row["customers_per_minute"] / engine_rows[0]["customers_per_minute"], 2)
        print(
            f"temporal, {row['workers']} worker(s) x 2 slots: {row['seconds']:.2f} s, "
            f"{row['customers_per_minute']:.2f} customers/min = {row['vs_1_worker']:.2f}x 1 worker, "
            f"{row['vs_local_parallelism_1']:.2f}x local parallelism {base}; "
            f"{row['cpu_s_per_customer']:.2f} CPU s per customer"
        )
    result = {
        "engine": engine_rows,
        "rerun_ratio": rerun_ratio,
        "command": f".venv/bin/python {command}".strip(),
        "customers": args.customers,
        "latency_ms": args.latency_ms,
        "repeat": args.repeat,
        "program": args.program,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "backend": args.backend,
        "load_avg_before": load_before,
        "load_avg_at_end": os.getloadavg(),
        "peak_rss_mb": memory,
        "drift": drift,
        "levels": rows,
        "cpu_ceiling_customers_per_minute": round(cpu_ceiling, 2),
        "cpu_ceiling_speedup": round(cpu_ceiling / base_cpm, 2),
        "runs": {str(k): v for k, v in runs.items()},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")
    print(f"reproduce: {result['command']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

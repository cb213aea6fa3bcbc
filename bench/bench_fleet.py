"""Fleet benchmark: one stack with N typical customers, against akua-local and against null providers.

A typical customer is :class:`~akua_pulumi.components.CustomerWorkspace` with a workspace, two
members, a region, a cluster, a product install and an API token (7 resources). For each phase
(``up`` from empty, no-op ``preview``, no-op ``up``, ``refresh``, ``destroy``) we time the akua
fleet (real HTTP to akua-local on a SQLite file, operations completing at once, zero latency) and
the same graph of null dynamic providers (``bench/null_fleet.py``, no I/O): the
engine's floor. Every figure that matters is a ratio measured in one run; ``--repeat`` alternates
the order (akua, null / null, akua) and reports medians. API requests per phase come from
akua-local's counters and are set next to the minimum the resources' ``call_budget`` declares.
The client's token bucket (``ClientConfig`` defaults: ``rate_limit_per_second``, ``burst``) is the other
floor at zero latency: the ``<rate>/s s`` column is ``(requests - burst) / rate``. A last pass repeats the
akua fleet with ``latency_ms`` injected, to show how far the dynamic provider process's 4-call
pool binds (``calls * latency / 4`` is the floor it imposes).

Every round declares its programs in this process, so ``--repeat`` needs :func:`keep_pickle_unpatched`
(the pulumi SDK's provider serialization otherwise nests one more pickle wrapper per resource).

Provider processes read compiled bytecode, as from an installed package (pip compiles it on install):
:func:`bytecode_cache` gives them a warmed ``PYTHONPYCACHEPREFIX``. Where ``PYTHONDONTWRITEBYTECODE``
is set and the checkout has no ``__pycache__`` (this machine's sessions), every provider process would
otherwise compile ``akua_pulumi`` from source, ~65 ms of CPU each; ``--no-bytecode-cache`` measures that.

Reproduce: ``.venv/bin/python bench/bench_fleet.py --customers 20 --repeat 2``
Profile the provider process: add ``--profile DIR`` (one cProfile dump per provider process).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.client import AkuaClient, ClientConfig
from akua_pulumi.local import LocalServer
from akua_pulumi.resources import ApiToken, Cluster, Install, Region, Workspace, WorkspaceMember
from akua_pulumi.testing.stacks import AkuaStack

PHASES = ("up", "preview", "noop_up", "refresh", "destroy")
#: The typical customer's resources (type, count), in CustomerWorkspace.
CUSTOMER = ((Workspace, 1), (WorkspaceMember, 2), (Region, 1), (Cluster, 1), (Install, 1), (ApiToken, 1))
PER_CUSTOMER = sum(n for _, n in CUSTOMER)
_BUDGET_STEP = {"up": "create", "refresh": "refresh", "destroy": "delete"}
HERE = Path(__file__).resolve().parent


def keep_pickle_unpatched() -> None:
    """Undo, after every call, the pickle patches ``pulumi.dynamic``'s ``serialize_provider`` leaves behind.

    Each call (one per dynamic resource declared) switches to the pure-Python pickler and wraps
    ``pickle._Pickler._batch_setitems`` in a dict-sorting wrapper around *the current one*, and never
    restores it (pulumi 3.272). After N resources in one process every dict pickled runs through N
    nested wrappers: each serialization gets slower, and a provider with instance state (a null
    provider keeps its output names) fails with RecursionError once N nears the recursion limit --
    the second null round of ``--repeat 2`` (Akua's providers carry no instance state, so they only
    pay the chain's memory). This wrapper saves both patched attributes before the call and puts
    them back after it, so every call sorts through exactly one wrapper. Idempotent.
    """
    import pulumi.dynamic.dynamic as dyn

    original = dyn.serialize_provider
    if getattr(original, "keeps_pickle_unpatched", False):
        return
    pickler: Any = pickle._Pickler

    @functools.wraps(original)
    def serialize_provider(provider: Any) -> str:
        saved = pickler._batch_setitems, pickler.save_dict
        try:
            return str(original(provider))
        finally:
            pickler._batch_setitems, pickler.save_dict = saved

    serialize_provider.keeps_pickle_unpatched = True  # type: ignore[attr-defined]
    dyn.serialize_provider = serialize_provider


#: What a provider process of either fleet imports (the launcher's module, the providers, the client).
_WARM_IMPORTS = (
    "pulumi.dynamic",
    "pulumi.runtime.rpc",
    "pulumi.runtime.proto",
    "grpc",
    "dill",
    "akua_pulumi.toolchain.dynamic",
    "akua_pulumi.resources",
    "akua_pulumi.client._client",
    "null_fleet",
)


def bytecode_cache(directory: Path, pythonpath: str) -> dict[str, str]:
    """Variables that let provider processes cache compiled bytecode in ``directory``, warmed now by
    importing what a provider process of either fleet imports (both fleets get the same treatment)."""
    variables = {"PYTHONPYCACHEPREFIX": str(directory), "PYTHONDONTWRITEBYTECODE": ""}
    env = {**os.environ, **variables, "PYTHONPATH": pythonpath}
    subprocess.run([sys.executable, "-c", "import " + ", ".join(_WARM_IMPORTS)], env=env, check=True)
    return variables


def limiter_floor(requests: int) -> float:
    """Seconds the client's token bucket alone needs for ``requests`` (``ClientConfig`` defaults)."""
    rate = ClientConfig.model_fields["rate_limit_per_second"].default
    burst = ClientConfig.model_fields["burst"].default
    return max(0, requests - burst) / rate if rate else 0.0


def contract_minimum(phase: str) -> int:
    """API requests one typical customer needs in ``phase``, from the declared call budgets."""
    step = _BUDGET_STEP.get(phase)
    if step is None:
        return 0  # preview and a no-op up need no API call
    total = 0
    for res, count in CUSTOMER:
        budget = res.provider_class.call_budget.get(step)
        total += count * (budget.reads + budget.writes if budget else 0)
    return total


# -- arranging the seller side -------------------------------------------------------------------


def arrange(srv: LocalServer) -> dict[str, Any]:
    """A seller workspace with a marketplace-published product, and two users to add as members."""
    with AkuaClient(api_url=srv.api_url, token=srv.owner_token) as api:
        seller = api.post("/workspaces", json={"name": "Seller", "slug": "seller"})["id"]
        srv.admin.publish_artifact("oci://registry.local/app", "1.0.0", "sha256:app", {"type": "object"})
        scoped = api.for_workspace(seller)
        pkg = scoped.post(
            "/packages:import",
            json={
                "name": "app",
                "oci_ref": "oci://registry.local/app",
                "version": {"semver": "1.0.0", "ref": "sha256:app", "input_schema": {"type": "object"}},
            },
        )
        product = scoped.post(
            "/products",
            json={
                "name": "App",
                "package_id": pkg["id"],
                "package_version_pin": {"kind": "latest"},
                "marketplace": {"published": True},
            },
        )["id"]
    users = [srv.admin.create_user(f"User {i}", f"user{i}@example.com")["id"] for i in range(2)]
    return {"product_id": product, "users": users}


# -- the two programs ----------------------------------------------------------------------------


def akua_program(customers: int, tag: str, seller: dict[str, Any]) -> Callable[[], None]:
    def program() -> None:
        from akua_pulumi.components import (
            ApiTokenArgs,
            ClusterArgs,
            CustomerWorkspace,
            CustomerWorkspaceArgs,
            InstallArgs,
            MemberArgs,
            RegionArgs,
        )

        for i in range(customers):
            CustomerWorkspace(
                f"c{i}",
                CustomerWorkspaceArgs(
                    name=f"Fleet customer {i}",
                    slug=f"fleet-{tag}-{i}",
                    members=[MemberArgs(u) for u in seller["users"]],
                    region=RegionArgs("eu-west"),
                    cluster=ClusterArgs(f"c{i}-main"),
                    installs=[InstallArgs("app", product_id=seller["product_id"])],
                    api_token=ApiTokenArgs("ci"),
                ),
            )

    return program


def null_program(customers: int, tag: str, seller: dict[str, Any]) -> Callable[[], None]:
    def program() -> None:
        from null_fleet import NullCustomerWorkspace

        for i in range(customers):
            NullCustomerWorkspace(
                f"c{i}",
                display_name=f"Fleet customer {i}",
                slug=f"fleet-{tag}-{i}",
                member_ids=seller["users"],
                region="eu-west",
                cluster=f"c{i}-main",
                product_id=seller["product_id"],
                token_name="ci",
            )

    return program


# -- one fleet run ---------------------------------------------------------------------------------


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds so far: (this process: the inline program and akua-local, reaped children: the engine
    and the provider processes)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _changes(summary: Any) -> dict[str, int]:
    return {(k.value if hasattr(k, "value") else str(k)): int(v) for k, v in (summary or {}).items()}


def run_fleet(
    kind: str, env: PulumiEnvironment, srv: LocalServer, seller: dict[str, Any], customers: int, tag: str
) -> dict[str, Any]:
    """Run the five phases on a fresh stack; time each and count API requests on akua-local."""
    make = akua_program if kind == "akua" else null_program
    stack = AkuaStack(
        env, make(customers, tag, seller), api_url=srv.api_url, token=srv.owner_token, project="fleet", stack=tag
    )
    out: dict[str, Any] = {}

    def phase(name: str, fn: Callable[[], Any], summarize: Callable[[Any], dict[str, int]]) -> None:
        srv.admin.reset_counters()
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
        cpu1 = cpu_seconds()
        counters = srv.admin.counters()
        out[name] = {
            "seconds": round(seconds, 3),
            "cpu_self_s": round(cpu1[0] - cpu0[0], 3),
            "cpu_children_s": round(cpu1[1] - cpu0[1], 3),
            "requests": counters["total"],
            "reads": counters["reads"],
            "writes": counters["writes"],
            "by_operation": counters["by_operation"],
            "changes": summarize(result),
        }

    phase("up", stack.up, lambda r: _changes(r.summary.resource_changes))
    phase("preview", stack.preview, lambda r: _changes(r.change_summary))
    phase("noop_up", stack.up, lambda r: _changes(r.summary.resource_changes))
    phase("refresh", stack.refresh, lambda r: _changes(r.summary.resource_changes))
    phase("destroy", stack.destroy, lambda r: _changes(r.summary.resource_changes))
    stack.stack.workspace.remove_stack(tag)
    for name in ("preview", "noop_up"):
        changed = {k: v for k, v in out[name]["changes"].items() if k != "same"}
        if changed:
            raise SystemExit(f"{kind} {name} was not a no-op: {out[name]['changes']}")
    return out


def _median(runs: list[dict[str, Any]], phase: str, key: str) -> float:
    return float(statistics.median(r[phase][key] for r in runs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=1, help="alternating akua/null rounds (medians are reported)")
    ap.add_argument("--latency-ms", type=int, default=50, help="latency for the last pass (0: skip it)")
    ap.add_argument("--out", default=str(HERE / "results" / "fleet.json"))
    ap.add_argument("--profile", default=None, help="write a cProfile dump per provider process into DIR")
    ap.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="leave PYTHONDONTWRITEBYTECODE as it is (provider processes may compile akua_pulumi from source)",
    )
    args = ap.parse_args(argv)
    command = "bench/bench_fleet.py " + " ".join(argv if argv is not None else sys.argv[1:])
    resources = args.customers * PER_CUSTOMER
    load_at_start = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="akua-bench-fleet-") as tmp:
        # The provider process loads the null providers by reference from bench/null_fleet.py.
        pythonpath = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
        extra: dict[str, str] = {"PYTHONPATH": pythonpath}
        if not args.no_bytecode_cache:
            extra.update(bytecode_cache(Path(tmp) / "pycache", pythonpath))
        python = sys.executable
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            extra["AKUA_BENCH_PROFILE_DIR"] = str(Path(args.profile).resolve())
            python = str(HERE / "profiled_python.sh")
            extra["AKUA_BENCH_PYTHON"] = sys.executable
        keep_pickle_unpatched()  # both programs run in this process, round after round
        # Warm this process's imports (both programs run in it) so the first round pays no import.
        import null_fleet  # noqa: F401

        import akua_pulumi.components  # noqa: F401

        env = PulumiEnvironment(state_dir=Path(tmp) / "state", python=python, extra=extra).prepare()
        with LocalServer(db=str(Path(tmp) / "akua.db"), operation_delay=0.0) as srv:
            seller = arrange(srv)
            runs: dict[str, list[dict[str, Any]]] = {"akua": [], "null": [], "akua_latency": []}
            for rep in range(args.repeat):
                order = ("akua", "null") if rep % 2 == 0 else ("null", "akua")
                for kind in order:
                    print(f"round {rep + 1}/{args.repeat}: {kind} fleet ({resources} resources)...", flush=True)
                    runs[kind].append(run_fleet(kind, env, srv, seller, args.customers, f"{kind}-{rep}"))
            if args.latency_ms:
                print(f"akua fleet with {args.latency_ms} ms latency...", flush=True)
                srv.admin.set_faults(latency_ms=args.latency_ms)
                try:
                    runs["akua_latency"].append(run_fleet("akua", env, srv, seller, args.customers, "akua-lat"))
                finally:
                    srv.admin.clear_faults()

    rows = []
    for phase in PHASES:
        ratios = [a[phase]["seconds"] / n[phase]["seconds"] for a, n in zip(runs["akua"], runs["null"], strict=True)]
        akua_s, null_s = _median(runs["akua"], phase, "seconds"), _median(runs["null"], phase, "seconds")
        requests = _median(runs["akua"], phase, "requests")
        row: dict[str, Any] = {
            "phase": phase,
            "akua_s": round(akua_s, 2),
            "null_s": round(null_s, 2),
            "ratio_to_floor": round(statistics.median(ratios), 2),
            "ratios": [round(r, 2) for r in ratios],
            "requests": int(requests),
            "akua_cpu_s": round(
                _median(runs["akua"], phase, "cpu_self_s") + _median(runs["akua"], phase, "cpu_children_s"), 2
            ),
            "null_cpu_s": round(
                _median(runs["null"], phase, "cpu_self_s") + _median(runs["null"], phase, "cpu_children_s"), 2
            ),
            "requests_per_resource": round(requests / resources, 2),
            "limiter_floor_s": round(limiter_floor(int(requests)), 2),
            "minimum_per_resource": round(contract_minimum(phase) / PER_CUSTOMER, 2),
            "by_operation": runs["akua"][-1][phase]["by_operation"],
        }
        if runs["akua_latency"]:
            lat = runs["akua_latency"][0][phase]
            ceiling = lat["requests"] * args.latency_ms / 1000 / 4
            row.update(
                latency_s=round(lat["seconds"], 2),
                latency_ratio_to_zero=round(lat["seconds"] / akua_s, 2),
                pool_floor_s=round(ceiling, 2),
                latency_ratio_to_floor=round(lat["seconds"] / null_s, 2),
            )
        rows.append(row)

    print()
    print(f"fleet: {args.customers} customers x {PER_CUSTOMER} resources = {resources} resources, repeat {args.repeat}")
    start, end = ("/".join(f"{x:.1f}" for x in load) for load in (load_at_start, os.getloadavg()))
    print(f"load average (1/5/15 min): {start} at start, {end} at end; bytecode cache: {not args.no_bytecode_cache}")
    head = f"{'phase':<9} {'akua s':>7} {'null s':>7} {'ratio':>6} {'cpu a/n':>11} "
    rate = ClientConfig.model_fields["rate_limit_per_second"].default
    head += f"{'req/res':>8} {'min/res':>8} {f'{rate:g}/s s':>7}"
    if args.latency_ms:
        head += f" {'@' + str(args.latency_ms) + 'ms s':>9} {'x zero':>7} {'calls*lat/4':>11}"
    print(head)
    for r in rows:
        line = (
            f"{r['phase']:<9} {r['akua_s']:>7.2f} {r['null_s']:>7.2f} {r['ratio_to_floor']:>6.2f} "
            f"{r['akua_cpu_s']:>5.1f}/{r['null_cpu_s']:<5.1f} "
            f"{r['requests_per_resource']:>8.2f} {r['minimum_per_resource']:>8.2f} {r['limiter_floor_s']:>7.2f}"
        )
        if "latency_s" in r:
            line += f" {r['latency_s']:>9.2f} {r['latency_ratio_to_zero']:>7.2f} {r['pool_floor_s']:>11.2f}"
        print(line)
    result = {
        "command": f".venv/bin/python {command}".strip(),
        "customers": args.customers,
        "resources": resources,
        "repeat": args.repeat,
        "latency_ms": args.latency_ms,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_avg_at_start": load_at_start,
        "load_avg_at_end": os.getloadavg(),
        "bytecode_cache": not args.no_bytecode_cache,
        "phases": rows,
        "runs": runs,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")
    print(f"reproduce: {result['command']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark scripts run end to end at tiny sizes (they prove they work; timings are not checked)."""

from __future__ import annotations

import contextvars
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


class _Recorder(pulumi.runtime.Mocks):
    """Records (type name, resource name, parent name) of every registered resource."""

    def __init__(self) -> None:
        self.graph: list[tuple[str, str]] = []
        self.props: dict[str, set[str]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        kind = args.typ.rsplit(":", 1)[-1]
        self.graph.append((kind, args.name))
        self.props[f"{kind}/{args.name}"] = set(args.inputs) - {"__provider"}
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def _record(program: Callable[[], None]) -> _Recorder:
    mocks = _Recorder()

    def body() -> None:
        pulumi.runtime.set_mocks(mocks, project="bench", stack="test", preview=False)
        pulumi.runtime.test(program)()

    contextvars.copy_context().run(body)
    return mocks


def test_null_fleet_mirrors_the_declarations_and_the_layout() -> None:
    """Same property names and secrets as each declared resource, same graph as CustomerWorkspace."""
    from akua_pulumi.components import (
        ApiTokenArgs,
        ClusterArgs,
        CustomerWorkspace,
        CustomerWorkspaceArgs,
        InstallArgs,
        MemberArgs,
        RegionArgs,
    )
    from akua_pulumi.resources import ApiToken, Cluster, Install, Region, Workspace, WorkspaceMember
    from akua_pulumi.resources._fields import Kind
    from bench.null_fleet import NullCustomerWorkspace, shape

    for res in (Workspace, WorkspaceMember, Region, Cluster, Install, ApiToken):
        fields = res.provider_class.all_fields()
        assert shape(res.__name__) == (
            tuple(f.name for f in fields),
            tuple(f.name for f in fields if f.kind is Kind.OUTPUT),
            tuple(res.provider_class.secret_outputs()),
        )

    real = _record(
        lambda: CustomerWorkspace(
            "c0",
            CustomerWorkspaceArgs(
                name="Fleet customer 0",
                slug="fleet-0",
                members=[MemberArgs("usr_a"), MemberArgs("usr_b")],
                region=RegionArgs("eu-west"),
                cluster=ClusterArgs("c0-main"),
                installs=[InstallArgs("app", product_id="prd_x")],
                api_token=ApiTokenArgs("ci"),
            ),
        )
    )
    null = _record(
        lambda: NullCustomerWorkspace(
            "c0",
            display_name="Fleet customer 0",
            slug="fleet-0",
            member_ids=["usr_a", "usr_b"],
            region="eu-west",
            cluster="c0-main",
            product_id="prd_x",
            token_name="ci",
        )
    )
    assert sorted(null.graph) == sorted(real.graph)
    # Every property the real layout sets, the null one sets too (it may set more, e.g. defaults).
    for key, names in real.props.items():
        assert names <= null.props[key], (key, names - null.props[key])


@pytest.mark.e2e
@pytest.mark.slow
def test_fleet_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "fleet.json"
    proc = _run("bench_fleet.py", "--customers", "2", "--repeat", "1", "--latency-ms", "20", "--out", str(out))
    assert "reproduce: .venv/bin/python bench/bench_fleet.py --customers 2" in proc.stdout
    data = json.loads(out.read_text())
    phases = {p["phase"]: p for p in data["phases"]}
    assert set(phases) == {"up", "preview", "noop_up", "refresh", "destroy"}
    assert data["resources"] == 14
    for p in phases.values():
        assert p["akua_s"] > 0 and p["null_s"] > 0 and p["ratio_to_floor"] > 0
        assert "latency_s" in p and "pool_floor_s" in p
    # The request counts are exact (not timings): no-op phases make no API call.
    assert phases["preview"]["requests"] == 0
    assert phases["noop_up"]["requests"] == 0


@pytest.mark.e2e
@pytest.mark.slow
def test_onboarding_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "onboarding.json"
    _run("bench_onboarding.py", "--customers", "2", "--parallelism", "1,2", "--latency-ms", "10", "--out", str(out))
    data = json.loads(out.read_text())
    assert [lv["parallelism"] for lv in data["levels"]] == [1, 2]
    assert all(lv["customers_per_minute"] > 0 for lv in data["levels"])
    assert data["levels"][0]["speedup"] == 1.0


@pytest.mark.e2e
@pytest.mark.slow
def test_onboarding_benchmark_on_s3_with_a_drift_scan(tmp_path: Path) -> None:
    """``--backend s3`` (moto on loopback) and ``--drift``: the re-run, the scan and peak memory are reported."""
    out = tmp_path / "scale.json"
    args = ["--customers", "2", "--parallelism", "2", "--latency-ms", "0", "--backend", "s3", "--drift"]
    proc = _run("bench_onboarding.py", *args, "--out", str(out))
    assert "drift scan of 2 customers at parallelism 2" in proc.stdout
    data = json.loads(out.read_text())
    assert data["backend"] == "s3"
    [run] = data["runs"]["2"]
    assert run["rerun_writes"] == 0 and run["rerun_seconds"] > 0
    assert run["drift"]["drifted"] == 1 and run["drift"]["requests"] > 0  # the first of every four was renamed
    assert run["peak_rss_mb"] > 0 and data["peak_rss_mb"]["drift"] > 0


@pytest.mark.e2e
@pytest.mark.slow
def test_drift_benchmark_agrees_with_refresh(tmp_path: Path) -> None:
    """``bench_drift.py``: the scan and ``refresh`` find the same renamed customer; the scan writes nothing."""
    out = tmp_path / "drift.json"
    _run("bench_drift.py", "--customers", "2", "--parallelism", "2", "--out", str(out))
    data = json.loads(out.read_text())
    assert data["expected_drifted"] == ["d-0"]
    assert data["drift"]["ok"] and data["refresh"]["ok"] and data["drift"]["writes"] == 0
    assert data["cpu_ratio_refresh_over_drift"] > 0

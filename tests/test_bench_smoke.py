"""The benchmark scripts run end to end at tiny sizes (they prove they work; timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_null_fleet_mirrors_the_real_properties() -> None:
    from akua_pulumi.resources import ApiToken, Cluster, Install, Region, Workspace, WorkspaceMember
    from akua_pulumi.resources._fields import Kind
    from akua_pulumi.testing.null_fleet import SHAPES

    for res in (Workspace, WorkspaceMember, Region, Cluster, Install, ApiToken):
        fields = res.provider_class.all_fields()
        assert SHAPES[res.__name__] == (
            tuple(f.name for f in fields),
            tuple(f.name for f in fields if f.kind is Kind.OUTPUT),
            tuple(res.provider_class.secret_outputs()),
        ), f"null_fleet.SHAPES[{res.__name__!r}] is out of date"


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

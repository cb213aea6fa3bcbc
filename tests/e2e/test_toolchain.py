"""scripts/pulumi-toolchain: a version-stamped CLI, reused from the cache on the next run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from akua_pulumi.automation.environment import find_pulumi_bin

ROOT = Path(__file__).resolve().parents[2]


def test_toolchain_is_cached_and_stamped() -> None:
    env = {k: v for k, v in os.environ.items() if k != "AKUA_PULUMI_BIN"}
    proc = subprocess.run(
        [str(ROOT / "scripts" / "pulumi-toolchain")], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    bin_dir = Path(proc.stdout.strip().splitlines()[-1])
    if "using pulumi" in proc.stderr:
        pytest.skip("a pulumi on PATH is used instead of the cached build")
    assert "cached" in proc.stderr and "building" not in proc.stderr  # the second run builds nothing
    for name in ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python"):
        assert os.access(bin_dir / name, os.X_OK), name
    version = subprocess.run(
        [str(bin_dir / "pulumi"), "version"],
        capture_output=True,
        text=True,
        env={**env, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    ).stdout.strip()
    assert version == f"v{bin_dir.parent.name.removeprefix('pulumi-v')}"
    assert find_pulumi_bin() == bin_dir or os.environ.get("AKUA_PULUMI_BIN")

"""The Temporal dev server (the ``temporal`` CLI), built from Go modules into the toolchain cache.

Only what runs Temporal needs it: ``tests/automation/test_temporal_fleet.py``, ``bench/bench_onboarding.py
--engine-workers`` and a developer's own ``temporal server start-dev``; ``scripts/demo`` does not.
``python -m akua_pulumi.toolchain --temporal-only`` (``scripts/temporal-toolchain``) builds it on first
use and prints its bin directory; a second run finds the ``.complete`` marker and builds nothing.

Why 1.5.1: newer tags (1.9.x) require ``github.com/temporalio/cli/cliext`` through a local ``replace``
(a nested module the module proxy does not serve), so ``go install`` refuses them; 1.5.1 is the newest
served tag without that replace. ``AKUA_TEMPORAL_CLI_VERSION`` overrides it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from ._common import ToolchainError, build_note, cache_root, go_env, log, run

__all__ = ["TEMPORAL_VERSION", "dev_server_command", "ensure_temporal", "temporal_bin_dir", "temporal_is_cached"]

#: The temporal CLI version we build (``AKUA_TEMPORAL_CLI_VERSION`` overrides it).
TEMPORAL_VERSION = "1.5.1"
_MODULE = "github.com/temporalio/cli"
_PREFIX = "temporal-toolchain"


def _version(version: str | None) -> str:
    return version or os.environ.get("AKUA_TEMPORAL_CLI_VERSION") or TEMPORAL_VERSION


def temporal_bin_dir(version: str | None = None) -> Path:
    """Where :func:`ensure_temporal` puts ``temporal`` (it may not be built yet)."""
    return cache_root() / f"temporal-v{_version(version)}" / "bin"


def temporal_is_cached(version: str | None = None) -> bool:
    bin_dir = temporal_bin_dir(version)
    return (bin_dir / ".complete").exists() and (bin_dir / "temporal").exists()


def dev_server_command(temporal: Path, port: int, http_port: int, metrics_port: int) -> list[str]:
    """``temporal server start-dev`` on loopback only: in memory, no UI, the given free ports."""
    return [
        str(temporal),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--headless",
        "--http-port",
        str(http_port),
        "--metrics-port",
        str(metrics_port),
    ]


def ensure_temporal(version: str | None = None) -> Path:
    """The directory with ``temporal``, built from Go modules on first use."""
    version = _version(version)
    bin_dir = temporal_bin_dir(version)
    if temporal_is_cached(version):
        log(f"cached: {bin_dir}", _PREFIX)
        return bin_dir
    env = go_env("the Temporal dev server", module_flags=False)
    gobin = bin_dir.parent / "gobin"
    env["GOBIN"] = str(gobin)
    bin_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    log(
        f"building the Temporal dev server (temporal CLI) v{version} from Go modules ({build_note('temporal')})",
        _PREFIX,
    )
    ldflags = f"-s -w -X {_MODULE}/temporalcli.Version={version}"
    run(["go", "install", "-trimpath", "-ldflags", ldflags, f"{_MODULE}/cmd/temporal@v{version}"], bin_dir, env)
    (gobin / "temporal").replace(bin_dir / "temporal")
    shutil.rmtree(gobin, ignore_errors=True)
    check = subprocess.run([str(bin_dir / "temporal"), "--version"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise ToolchainError(f"the built temporal CLI does not run: {check.stderr.strip()[:200]}")
    log(check.stdout.strip(), _PREFIX)
    (bin_dir / ".complete").touch()
    log(f"built in {time.monotonic() - start:.0f} s: {bin_dir}", _PREFIX)
    return bin_dir

"""The README's main-job command works from scratch and works again on a second run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from akua_pulumi.client import AkuaClient
from tests.support.ports import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_twice_then_destroys(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "AKUA_DEMO_DIR": str(tmp_path / "demo"), "AKUA_LOCAL_PORT": str(port)}

    def demo(*args: str) -> str:
        proc = subprocess.run(
            [str(ROOT / "scripts" / "demo"), *args], env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout

    try:
        first = demo()
        assert "44 created" in first and "Second preview: no changes" in first
        token = (tmp_path / "demo" / "owner-token").read_text().strip()
        assert token not in first  # the provider token never reaches the output
        assert (tmp_path / "demo" / "akua-local.db").exists()  # SQLite under the demo directory
        with AkuaClient(api_url=f"http://127.0.0.1:{port}/v1", token=token) as api:
            slugs = {w["slug"] for w in api.paginate("/workspaces")}
            assert slugs == {"acme-platform", "acme-prod", "acme-staging", "acme-dev", "globex", "initech", "umbrella"}

            second = demo()
            assert "44 unchanged" in second and "Second preview: no changes" in second

            demo("--destroy")
            assert list(api.paginate("/workspaces")) == []
    finally:
        demo("--stop")

"""The first hour of a Pulumi user, through the real engine and our language host (issue 11).

Clean output on success, one short message on a provider failure, the project's virtualenv honoured,
and nothing left running after the ``pulumi`` process group is SIGKILLed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.local import LocalServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1800)]

PROGRAM = """
import pulumi
from akua_pulumi import Workspace

ws = Workspace("main", name="First Hour", slug="first-hour")
pulumi.export("workspace_id", ws.id)
"""


def _project(tmp_path: Path, program: str = PROGRAM, yaml_extra: str = "") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(f"name: first-hour\nruntime:\n  name: python\n{yaml_extra}")
    (project / "__main__.py").write_text(textwrap.dedent(program))
    return project


def _cli(env: PulumiEnvironment, project: Path, *args: str, check: bool = True, **extra: str) -> str:
    proc = subprocess.run(
        [env.pulumi, *args, "--non-interactive"],
        cwd=project,
        env={**env.env(), **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, out[-4000:]
    return out


def _configure(env: PulumiEnvironment, project: Path, akua: LocalServer, token: str | None = None) -> None:
    _cli(env, project, "stack", "init", "dev")
    _cli(env, project, "config", "set", "akua:apiUrl", akua.api_url)
    _cli(env, project, "config", "set", "--secret", "akua:token", token or akua.owner_token)


def test_full_cycle_prints_no_traceback(pulumi_env: PulumiEnvironment, akua: LocalServer, tmp_path: Path) -> None:
    project = _project(tmp_path)
    _configure(pulumi_env, project, akua)
    outputs = [
        _cli(pulumi_env, project, "preview"),
        _cli(pulumi_env, project, "up", "--yes"),
        _cli(pulumi_env, project, "preview", "--expect-no-changes"),
        _cli(pulumi_env, project, "refresh", "--yes"),
        _cli(pulumi_env, project, "destroy", "--yes"),
    ]
    assert "+ 2 created" in outputs[1] or "2 created" in outputs[1], outputs[1]
    for out in outputs:
        assert "Traceback" not in out and "KeyboardInterrupt" not in out, out


def test_provider_error_is_one_short_message(pulumi_env: PulumiEnvironment, akua: LocalServer, tmp_path: Path) -> None:
    project = _project(tmp_path)
    _configure(pulumi_env, project, akua, token="sk_akua_not_a_real_token")
    out = _cli(pulumi_env, project, "up", "--yes", "--skip-preview", check=False)
    assert "akua:token" in out and "AKUA_API_TOKEN" in out, out
    assert "Workspace" in out  # the engine names the resource
    assert "Traceback" not in out, out
    assert "sk_akua_not_a_real_token" not in out

    verbose = _cli(pulumi_env, project, "up", "--yes", "--skip-preview", check=False, AKUA_PULUMI_TRACEBACKS="1")
    assert "Traceback" in verbose  # the full traceback, on request
    assert "sk_akua_not_a_real_token" not in verbose


def test_virtualenv_option_is_honoured(pulumi_env: PulumiEnvironment, akua: LocalServer, tmp_path: Path) -> None:
    """``runtime.options.virtualenv`` (relative to the project) wins over a broken PULUMI_PYTHON_CMD."""
    import sys

    project = _project(tmp_path, yaml_extra="  options:\n    virtualenv: venv\n")
    (project / "venv").symlink_to(Path(sys.prefix))  # a virtualenv that has akua-pulumi
    _configure(pulumi_env, project, akua)
    broken = {"PULUMI_PYTHON_CMD": str(tmp_path / "no-such-python")}
    out = _cli(pulumi_env, project, "up", "--yes", "--skip-preview", **broken)
    assert "Traceback" not in out
    _cli(pulumi_env, project, "destroy", "--yes", "--skip-preview", **broken)

    (project / "venv").unlink()
    missing = _cli(pulumi_env, project, "preview", check=False, **broken)
    assert "runtime.options.virtualenv" in missing and "python3 -m venv" in missing, missing


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_sigkill_of_pulumi_up_leaves_nothing_running(
    pulumi_env: PulumiEnvironment, akua: LocalServer, tmp_path: Path
) -> None:
    """The language host, the program and the dynamic provider all exit once the engine is gone."""
    started = tmp_path / "started"
    program = PROGRAM + textwrap.dedent(
        f"""
        import time
        from pathlib import Path

        def hang(ws_id):
            Path({str(started)!r}).write_text(ws_id or "")
            time.sleep(600)
            return ws_id

        pulumi.export("slow", ws.id.apply(hang))
        """
    )
    project = _project(tmp_path, program)
    _configure(pulumi_env, project, akua)
    marker = f"AKUA_TEST_RUN={uuid.uuid4().hex}"
    key, value = marker.split("=")
    proc = subprocess.Popen(
        [pulumi_env.pulumi, "up", "--yes", "--skip-preview", "--non-interactive"],
        cwd=project,
        env={**pulumi_env.env(), key: value},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not started.exists():  # the workspace is created: provider, host and program all run
            assert proc.poll() is None, "pulumi up ended early"
            assert time.monotonic() < deadline, "the program never reached its slow part"
            time.sleep(0.5)
        assert len(_processes_with(marker)) >= 4  # pulumi, language host, program, dynamic provider
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(10)
    left = _processes_with(marker)
    names = []
    for pid in left:
        try:
            names.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200])
            os.kill(pid, signal.SIGKILL)  # leave nothing behind even when the test fails
        except OSError:
            continue
    assert left == [], names


def test_cluster_deleted_in_dashboard_then_up_refresh(make_stack: Any, api: Any) -> None:
    """docs/operations.md: after an out-of-band delete, `pulumi up --refresh` creates the cluster again."""
    from akua_pulumi import Cluster, Region, Workspace

    def program() -> None:
        ws = Workspace("main", name="Dashboard", slug="dashboard")
        region = Region("eu", name="eu-west", workspace_id=ws.id)
        Cluster("prod", name="prod", region_id=region.id, workspace_id=ws.id)

    stack = make_stack(program)
    stack.up()
    old = stack.state_of("Cluster")["id"]
    ws_id = stack.state_of("Workspace")["id"]
    etag = api.request("GET", f"/clusters/{old}", workspace=ws_id)["etag"]
    api.request("DELETE", f"/clusters/{old}", workspace=ws_id, if_match=etag)  # "deleted in the dashboard"
    for _ in range(60):  # the delete may be a long-running operation
        try:
            api.request("GET", f"/clusters/{old}", workspace=ws_id)
        except Exception:
            break
        time.sleep(0.5)
    stack.up(refresh=True)
    new = stack.state_of("Cluster")["id"]
    assert new != old
    assert api.request("GET", f"/clusters/{new}", workspace=ws_id)["id"] == new
    stack.destroy()

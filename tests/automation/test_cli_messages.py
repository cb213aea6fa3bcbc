"""Each CLI message the onboarding run acts on, provoked from the real Pulumi CLI and matched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from akua_pulumi.automation import cli_messages
from akua_pulumi.automation.environment import PulumiEnvironment

pytestmark = [pytest.mark.e2e]

PROJECT = "akua-messages"


def _project(pulumi_env: PulumiEnvironment, tmp_path: Path) -> Path:
    work = tmp_path / "project"
    work.mkdir()
    (work / "Pulumi.yaml").write_text(f"name: {PROJECT}\nruntime: python\n")
    return work


def _matchers_of(text: str) -> set[str]:
    found = {
        "is_no_such_stack": cli_messages.is_no_such_stack(text),
        "is_stack_already_exists": cli_messages.is_stack_already_exists(text),
        "is_locked": cli_messages.is_locked(text),
    }
    return {name for name, hit in found.items() if hit}


def test_no_such_stack(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    work = _project(pulumi_env, tmp_path)
    proc = pulumi_env.run("stack", "output", "--json", "--stack", f"organization/{PROJECT}/nope", cwd=work, check=False)
    assert proc.returncode != 0
    assert _matchers_of(proc.stderr) == {"is_no_such_stack"}, proc.stderr


def test_stack_already_exists(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    work = _project(pulumi_env, tmp_path)
    assert pulumi_env.run("stack", "init", "twice", cwd=work, check=False).returncode == 0
    proc = pulumi_env.run("stack", "init", "twice", cwd=work, check=False)
    assert proc.returncode != 0
    assert _matchers_of(proc.stderr) == {"is_stack_already_exists"}, proc.stderr


def test_locked(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    """A lock file left by a dead run (as a killed worker leaves it) refuses the next engine run."""
    work = _project(pulumi_env, tmp_path)
    assert pulumi_env.run("stack", "init", "held", cwd=work, check=False).returncode == 0
    backend = Path(pulumi_env.backend.removeprefix("file://"))
    locks = backend / ".pulumi" / "locks" / "organization" / PROJECT / "held"
    locks.mkdir(parents=True, exist_ok=True)
    lock = {"pid": 1, "username": "dead", "hostname": "gone", "timestamp": "2020-01-01T00:00:00Z"}
    (locks / "00000000-0000-0000-0000-000000000001.json").write_text(json.dumps(lock))
    proc = pulumi_env.run("refresh", "--yes", "--run-program=false", "--stack", "held", cwd=work, check=False)
    assert proc.returncode != 0
    assert _matchers_of(proc.stderr) == {"is_locked"}, proc.stderr
    # `pulumi cancel` (what a retried attempt runs first) clears it: the message is gone.
    assert pulumi_env.run("cancel", "--yes", "--stack", "held", cwd=work, check=False).returncode == 0
    again = pulumi_env.run("refresh", "--yes", "--run-program=false", "--stack", "held", cwd=work, check=False)
    assert not cli_messages.is_locked(again.stderr), again.stderr


def test_other_failures_match_nothing() -> None:
    assert _matchers_of("error: update failed") == set()
    assert _matchers_of("error: stack name 'x' is not valid") == set()

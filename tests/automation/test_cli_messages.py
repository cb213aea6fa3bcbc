"""Each CLI message the onboarding run acts on, provoked from the real Pulumi CLI.

The run matches two messages itself (:mod:`akua_pulumi.automation.cli_messages`) and takes two
more as the Automation API's typed errors; each is checked against what the CLI really prints.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi import automation as auto

from akua_pulumi.automation import cli_messages
from akua_pulumi.automation.environment import PulumiEnvironment

pytestmark = [pytest.mark.e2e]

PROJECT = "akua-messages"


def _matchers_of(text: str) -> set[str]:
    found = {"is_no_such_stack": cli_messages.is_no_such_stack(text), "is_locked": cli_messages.is_locked(text)}
    return {name for name, hit in found.items() if hit}


def _workspace(pulumi_env: PulumiEnvironment, tmp_path: Path) -> auto.LocalWorkspace:
    """A workspace made as a stack run makes it, with a program that declares nothing."""
    opts = pulumi_env.workspace_options(
        work_dir=str(tmp_path),
        program=lambda: None,
        project_settings=auto.ProjectSettings(name=PROJECT, runtime="python", main=str(tmp_path)),
    )
    return auto.LocalWorkspace(**opts.__dict__)


def test_no_such_stack(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    """``stack output`` (the read of the recorded input) names a missing stack."""
    proc = pulumi_env.run("stack", "output", "--json", "--stack", f"organization/{PROJECT}/nope", check=False)
    assert proc.returncode != 0
    assert _matchers_of(proc.stderr) == {"is_no_such_stack"}, proc.stderr
    with pytest.raises(auto.StackNotFoundError):  # the same, through `stack select` (refresh, destroy)
        auto.Stack.select("nope", _workspace(pulumi_env, tmp_path))


def test_stack_already_exists(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    """``stack init`` of a stack created since the backend was listed."""
    workspace = _workspace(pulumi_env, tmp_path)
    auto.Stack.create("twice", workspace)
    with pytest.raises(auto.StackAlreadyExistsError) as raised:
        auto.Stack.create("twice", workspace)
    assert _matchers_of(str(raised.value)) == set()


def test_locked(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    """A lock file left by a dead run (as a killed worker leaves it) refuses the next up."""
    stack = auto.Stack.create("held", _workspace(pulumi_env, tmp_path))
    locks = Path(pulumi_env.backend.removeprefix("file://")) / ".pulumi" / "locks" / "organization" / PROJECT / "held"
    locks.mkdir(parents=True, exist_ok=True)
    lock = {"pid": 1, "username": "dead", "hostname": "gone", "timestamp": "2020-01-01T00:00:00Z"}
    (locks / "00000000-0000-0000-0000-000000000001.json").write_text(json.dumps(lock))
    with pytest.raises(auto.CommandError) as raised:
        stack.up(color="never")
    assert _matchers_of(str(raised.value)) == {"is_locked"}, str(raised.value)
    # `pulumi cancel` (what a retried attempt runs first) clears it: the stack takes updates again.
    qualified = f"organization/{PROJECT}/held"
    assert pulumi_env.run("cancel", "--yes", "--stack", qualified, check=False).returncode == 0
    again = pulumi_env.run("refresh", "--yes", "--run-program=false", "--stack", qualified, cwd=tmp_path, check=False)
    assert again.returncode == 0, again.stderr


def test_other_failures_match_nothing() -> None:
    assert _matchers_of("error: update failed") == set()
    assert _matchers_of("error: stack 'organization/p/acme' already exists") == set()

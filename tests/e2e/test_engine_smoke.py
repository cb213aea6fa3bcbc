"""The real Pulumi engine works here, offline: up, preview --expect-no-changes, destroy.

Two modes: a project directory (``runtime: python``, run by the language host) and an Automation
API inline program. The resource is ``tests.support.echo.Echo``, whose provider writes a
journal line per call, so the test sees that the engine really ran our provider.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.environment import PulumiEnvironment

pytestmark = pytest.mark.e2e


def _echo_resources(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in deployment.get("resources") or [] if r["type"].endswith("akua-testing:Echo")]


def _journal(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_project_directory_mode(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    journal = tmp_path / "journal.jsonl"
    (project / "Pulumi.yaml").write_text("name: echo-smoke\nruntime: python\n")
    (project / "__main__.py").write_text(
        textwrap.dedent(
            f"""
            import pulumi
            from tests.support.echo import Echo

            value = pulumi.Config().get("value") or "hello"
            echo = Echo("greeting", value=value, journal={str(journal)!r})
            pulumi.export("length", echo.length)
            """
        )
    )

    def cli(*args: str) -> str:
        return pulumi_env.run(*args, cwd=project).stdout

    def export() -> dict[str, Any]:
        return json.loads(cli("stack", "export"))["deployment"]

    cli("stack", "init", "dev")
    cli("up", "--yes", "--skip-preview")
    [res] = _echo_resources(export())
    assert res["outputs"]["value"] == "hello"
    assert res["outputs"]["length"] == 5
    assert [e["call"] for e in _journal(journal)] == ["create"]

    cli("preview", "--expect-no-changes")
    assert [e["call"] for e in _journal(journal)] == ["create"]  # preview never creates

    cli("config", "set", "value", "hello, world")
    cli("up", "--yes", "--skip-preview")
    [res] = _echo_resources(export())
    assert res["outputs"]["length"] == 12
    assert [e["call"] for e in _journal(journal)] == ["create", "update"]
    assert json.loads(cli("stack", "output", "--json"))["length"] == 12

    cli("destroy", "--yes", "--skip-preview")
    assert _echo_resources(export()) == []
    assert [e["call"] for e in _journal(journal)] == ["create", "update", "delete"]


def test_automation_inline_mode(pulumi_env: PulumiEnvironment, tmp_path: Path) -> None:
    from pulumi import automation as auto

    from tests.support.echo import Echo

    journal = tmp_path / "journal.jsonl"

    def program() -> None:
        Echo("greeting", value="inline", journal=str(journal))

    stack = auto.create_or_select_stack(
        stack_name="dev", project_name="echo-inline", program=program, opts=pulumi_env.workspace_options()
    )
    up = stack.up()
    assert up.summary.result == "succeeded"
    assert up.summary.resource_changes == {"create": 2}  # the stack plus the Echo
    [res] = _echo_resources(stack.export_stack().deployment)
    assert res["outputs"]["value"] == "inline"

    preview = stack.preview(expect_no_changes=True)
    assert preview.change_summary == {"same": 2}

    stack.destroy()
    assert _echo_resources(stack.export_stack().deployment) == []
    assert [e["call"] for e in _journal(journal)] == ["create", "delete"]

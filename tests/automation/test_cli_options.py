"""akua-onboard and akua-onboard-worker declare their shared options once (cli_options), each with its defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from akua_pulumi.automation.cli import WORKER_ONLY_OPTIONS, build_parser
from akua_pulumi.automation.cli_options import DEFAULT_PROJECT, STACK_OPTIONS
from akua_pulumi.automation.executors.temporal import DEFAULT_TASK_QUEUE
from akua_pulumi.automation.worker import WorkerSettings, build_worker_parser


def _flags(parser: object) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}  # type: ignore[attr-defined]


def test_both_commands_have_every_stack_option() -> None:
    assert WORKER_ONLY_OPTIONS is STACK_OPTIONS
    shared = {*STACK_OPTIONS.values(), "--state-dir", "--address", "--namespace", "--task-queue"}
    assert shared <= _flags(build_parser())
    assert shared <= _flags(build_worker_parser())


def test_each_command_keeps_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKUA_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AKUA_WORKSPACE", "ops")
    cli = build_parser().parse_args(["up", "--customers", "c.yaml"])
    # akua-onboard reads the environment only on the local engine, and refuses these on --engine temporal.
    assert (cli.api_url, cli.workspace, cli.project, cli.task_queue, cli.address) == (None, None, None, None, None)
    assert cli.state_dir == Path(".akua/onboarding-state")
    worker = build_worker_parser().parse_args(["--address", "localhost:7233"])
    assert (worker.api_url, worker.workspace) == ("http://127.0.0.1:9", "ops")
    assert (worker.project, worker.task_queue) == (DEFAULT_PROJECT, DEFAULT_TASK_QUEUE)
    assert worker.project == WorkerSettings(state_dir=Path(".")).project_name
    assert worker.state_dir == Path(".akua/onboarding-worker")
    for parsed in (cli, worker):
        assert (parsed.namespace, parsed.setting, parsed.backend) == ("default", [], None)
        assert parsed.secrets_provider is None


def test_the_worker_needs_an_address_and_the_help_names_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # no wrapping inside "akua-onboarding"
    with pytest.raises(SystemExit):
        build_worker_parser().parse_args([])
    for parser in (build_parser(), build_worker_parser()):
        text = " ".join(parser.format_help().split())
        assert f"Temporal task queue (default {DEFAULT_TASK_QUEUE})" in text
        assert f"Pulumi project of every stack (default {DEFAULT_PROJECT}" in text
    assert "set it on akua-onboard-worker" in build_parser().format_help()
    assert "set it on akua-onboard-worker" not in build_worker_parser().format_help()

"""The onboarding trust boundary without a server: what a workflow may carry, what only a worker sets,
and no silent passphrase (the pipeline, the CLI and the worker refuse before any backend or API call).

The end-to-end proof on a real Temporal server is tests/automation/test_temporal_trust.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.cli import main
from akua_pulumi.automation.environment import (
    DEFAULT_PASSPHRASE,
    MissingPassphraseError,
    PulumiEnvironment,
    is_loopback_url,
)
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.automation.worker import main as worker_main
from akua_pulumi.automation.workflow_input import InvalidWorkflowInput, parse_workflow_input
from tests.automation.conftest import RecordingListener

PROGRAM = "tests.support.echo_program:echo_program"
CUSTOMER = {"id": "acme", "name": "Acme", "region": {"name": "eu"}}
EVIL = "http://evil.example:9/v1"


@pytest.fixture(autouse=True)
def _no_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "AKUA_API_URL", "PULUMI_BACKEND_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``pulumi`` that only records that it ran (in the returned file); AKUA_PULUMI_BIN points at it."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    ran = tmp_path / "pulumi-ran"
    script = bin_dir / "pulumi"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{ran}"\nexit 1\n')
    script.chmod(0o755)
    monkeypatch.setenv("AKUA_PULUMI_BIN", str(bin_dir))
    return ran


def _customers(tmp_path: Path) -> Path:
    path = tmp_path / "customers.json"
    path.write_text(json.dumps({"customers": [CUSTOMER]}))
    return path


# --------------------------------------------------------------------------- workflow input


def test_a_workflow_input_is_a_customer_a_command_and_a_program_name() -> None:
    parsed = parse_workflow_input({"customer": CUSTOMER, "command": "up", "program": "default"})
    assert (parsed.customer.id, parsed.command, parsed.program, parsed.force) == ("acme", "up", "default", False)
    assert parse_workflow_input(parsed.to_wire()) == parsed
    assert parse_workflow_input({**parsed.to_wire(), "force": True}).force


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"api_url": EVIL}, "'api_url'"),
        ({"config": {"akua:apiUrl": [EVIL, False]}}, "'config'"),
        ({"env": {"PATH": "/tmp/evil", "PULUMI_PYTHON_CMD": "/tmp/evil/python"}}, "'env'"),
        ({"backend_url": "s3://evil"}, "'backend_url'"),
        ({"state_dir": "/"}, "'state_dir'"),
        ({"something": 1}, "'something'"),
    ],
)
def test_any_other_key_is_refused_by_name(extra: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidWorkflowInput) as err:
        parse_workflow_input({"customer": CUSTOMER, "command": "up", "program": "default", **extra})
    message = str(err.value)
    assert named in message and "unknown key" in message and "own flags and environment" in message
    assert "evil" not in message  # the key is named, its value never shown


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"customer": CUSTOMER, "command": "up", "program": "tests.support.echo_program:echo_program"}, "'program'"),
        ({"customer": CUSTOMER, "command": "up", "program": "os:system"}, "module path"),
        ({"customer": CUSTOMER, "command": "up", "program": ["default"]}, "'program'"),
        ({"customer": CUSTOMER, "command": "rm -rf", "program": "default"}, "'command'"),
        ({"customer": CUSTOMER, "command": "up", "program": "default", "force": "yes"}, "'force'"),
        ({"customer": {**CUSTOMER, "shell": "x"}, "command": "up", "program": "default"}, "shell: unknown field"),
        ({"customer": {"id": "../etc", "name": "x"}, "command": "up", "program": "default"}, "'customer'"),
        ({"command": "up", "program": "default"}, "missing customer"),
        (["up"], "expected an object"),
    ],
)
def test_bad_values_are_refused(data: Any, named: str) -> None:
    with pytest.raises(InvalidWorkflowInput, match="workflow input") as err:
        parse_workflow_input(data)
    assert named in str(err.value)


# --------------------------------------------------------------------------- the client on Temporal


@pytest.mark.parametrize(
    "kw",
    [
        {"config": {"akua:apiUrl": EVIL}},
        {"config": {"akua:token": Secret("t")}},
        {"env": {"PATH": "/tmp/evil"}},
        {"backend_url": "s3://bucket"},
        {"settings": {"tier": "pro"}},
        {"project_name": "other"},
        {"passphrase": "p"},
    ],
)
def test_the_temporal_client_refuses_worker_settings(kw: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be sent to the workers") as err:
        OnboardingPipeline("default", state_dir=tmp_path, engine="temporal", address="127.0.0.1:1", **kw)
    assert next(iter(kw)) in str(err.value)


def test_the_temporal_client_sends_a_program_name_not_a_module(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="name of a program the workers allow"):
        OnboardingPipeline(PROGRAM, state_dir=tmp_path, engine="temporal", address="127.0.0.1:1")


@pytest.mark.parametrize(
    "flags",
    [
        ["--api-url", EVIL],
        ["--backend", "s3://bucket"],
        ["--workspace", "ws"],
        ["--setting", "tier=pro"],
        ["--project", "other"],
        ["--program", PROGRAM],
    ],
)
def test_the_cli_on_temporal_refuses_worker_options_before_connecting(
    flags: list[str], tmp_path: Path, recorder: RecordingListener, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["up", "--customers", str(_customers(tmp_path)), "--engine", "temporal", "--address"]
    argv += [f"127.0.0.1:{recorder.port}", "--state-dir", str(tmp_path / "state"), "--no-progress", *flags]
    assert main(argv) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert flags[0] in err and ("set on the workers" in err or "workers allow" in err), err
    assert recorder.seen == []  # Temporal was never contacted


# --------------------------------------------------------------------------- no silent passphrase


@pytest.mark.parametrize("backend", ["s3", "file"])
def test_the_cli_refuses_without_a_passphrase_before_any_call(
    backend: str,
    tmp_path: Path,
    recorder: RecordingListener,
    fake_pulumi: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # s3: a loopback API but a shared backend; file: a local backend but an API that is not loopback
    # (an unroutable address: a connection attempt would hang, so the time shows none was made).
    if backend == "s3":
        flags = ["--backend", f"s3://state?endpoint={recorder.url}&region=us-east-1", "--api-url", recorder.url]
    else:
        flags = ["--api-url", "http://192.0.2.1:9/v1"]
    argv = ["up", "--customers", str(_customers(tmp_path)), "--program", PROGRAM, "--no-progress"]
    started = time.monotonic()
    assert main([*argv, "--state-dir", str(tmp_path / "state"), *flags]) == 2
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err.replace("\n", " ")
    assert "set PULUMI_CONFIG_PASSPHRASE" in err, err
    assert recorder.seen == [] and not fake_pulumi.exists()  # no backend, API or engine call


def test_a_local_file_backend_and_loopback_api_may_use_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = OnboardingPipeline(PROGRAM, state_dir=tmp_path, config={"akua:apiUrl": "http://localhost:8765/v1"})
    assert pipeline.passphrase == DEFAULT_PASSPHRASE
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "PULUMI_CONFIG_PASSPHRASE is not set" in line and "public default passphrase" in line


def test_a_configured_passphrase_is_used_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(tmp_path / "passphrase"))
    pipeline = OnboardingPipeline(PROGRAM, state_dir=tmp_path, backend_url="s3://bucket", config={"akua:apiUrl": EVIL})
    assert pipeline.passphrase is None  # the engine reads the file itself
    assert OnboardingPipeline(PROGRAM, state_dir=tmp_path, passphrase="mine").passphrase == "mine"
    assert capsys.readouterr().err == ""


def test_the_pipeline_without_an_api_url_means_production(tmp_path: Path) -> None:
    with pytest.raises(MissingPassphraseError, match="PULUMI_CONFIG_PASSPHRASE"):
        OnboardingPipeline(PROGRAM, state_dir=tmp_path)


def test_pulumi_environment_keeps_the_default_to_file_backends(tmp_path: Path) -> None:
    with pytest.raises(MissingPassphraseError, match="PULUMI_CONFIG_PASSPHRASE"):
        PulumiEnvironment(state_dir=tmp_path, backend_url="s3://bucket?region=x", bin_dir=tmp_path)
    env = PulumiEnvironment(state_dir=tmp_path, bin_dir=tmp_path)
    assert env.variables()["PULUMI_CONFIG_PASSPHRASE"] == DEFAULT_PASSPHRASE


@pytest.mark.parametrize("flags", [["--backend", "s3://bucket"], ["--api-url", "https://api.akua.dev/v1"], []])
def test_the_worker_refuses_without_a_passphrase_before_connecting(
    flags: list[str], tmp_path: Path, recorder: RecordingListener, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--address", f"127.0.0.1:{recorder.port}", "--state-dir", str(tmp_path / "w"), *flags]
    if "--api-url" not in flags:
        argv += ["--api-url", recorder.url]
    if flags == []:
        argv[-1] = "http://10.1.2.3:9/v1"
    assert worker_main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("akua-onboard-worker: set PULUMI_CONFIG_PASSPHRASE"), err
    assert recorder.seen == []


def test_the_worker_refuses_a_bad_program_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--address", "127.0.0.1:1", "--state-dir", str(tmp_path / "w"), "--api-url", "http://127.0.0.1:1"]
    assert worker_main([*base, "--program", "Bad Name=tests.support.echo_program:echo_program"]) == 2
    assert "'program'" in capsys.readouterr().err
    assert worker_main([*base, "--program", "echo=akua_pulumi.nope:fn"]) == 2
    assert "cannot import program module" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8765/v1", True),
        ("http://127.9.9.9/v1", True),
        ("http://[::1]:80/", True),
        ("http://localhost/v1", True),
        ("http://localhost.evil.example/v1", False),
        ("http://127.0.0.1.evil.example/", False),
        ("https://api.akua.dev/v1", False),
        ("http://10.0.0.1/", False),
        (None, False),
        ("not a url", False),
    ],
)
def test_loopback(url: str | None, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback

"""What one customer costs in Pulumi CLI runs, and when an up may be skipped.

A logging ``pulumi`` in a version-stamped toolchain directory records every CLI run the pipeline
makes, so these tests fail if a call that was cut comes back (``config set-all``, a tag read or
write, ``pulumi version``, ``stack select``). The skip for an unchanged input must never hide a
partly applied up: after a failed run, going back to the old input runs the engine again.
"""

from __future__ import annotations

import json
import os
import shlex
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.customers import Customer, parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.automation.stack_run import run_job

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROGRAM = "tests.support.echo_program:echo_program"
PROJECT = "akua-calls-test"
TOKEN = "t0ken-only-in-the-environment"


def _customers(**extra: dict[str, Any]) -> list[Customer]:
    entries = [{"id": cid, "name": cid.capitalize(), "extra": extra.get(cid, {})} for cid in ("acme", "globex")]
    parsed = parse_customers_file({"defaults": {"region": {"name": "eu"}}, "customers": entries})
    assert not parsed.invalid, parsed.invalid
    return parsed.customers


@pytest.fixture
def logged_calls(pulumi_env: PulumiEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a logging ``pulumi`` first: same version stamp, every run appended to the returned file."""
    real = Path(pulumi_env.pulumi)
    stamped = tmp_path / real.parent.parent.name / "bin"
    stamped.mkdir(parents=True)
    log = tmp_path / "pulumi-calls.log"
    wrapper = stamped / "pulumi"
    script = f'printf "%s\\n" "$*" >> {shlex.quote(str(log))}\nexec {shlex.quote(str(real))} "$@"\n'
    wrapper.write_text("#!/bin/sh\n" + script)
    wrapper.chmod(0o755)
    for tool in real.parent.iterdir():
        if tool.name != "pulumi":
            (stamped / tool.name).symlink_to(tool)
    monkeypatch.setenv("AKUA_PULUMI_BIN", str(stamped))
    return log


def _calls(log: Path) -> dict[str, list[str]]:
    """``{customer id or "*": [command, ...]}`` from the log, emptied after reading."""
    calls: dict[str, list[str]] = defaultdict(list)
    for line in log.read_text().splitlines() if log.exists() else []:
        words = [w for w in line.split() if w != "--non-interactive"]
        command = " ".join(words[:2]) if words[0] in ("stack", "config") else words[0]
        if command == "stack init":
            owner = words[2]
        elif "--stack" in words:
            owner = words[words.index("--stack") + 1]
        else:
            owner = "*"
        calls[owner.rsplit("/", 1)[-1]].append(command)
    log.unlink(missing_ok=True)
    return dict(calls)


def _pipeline(state_dir: Path, journals: Path) -> OnboardingPipeline:
    journals.mkdir(exist_ok=True)
    return OnboardingPipeline(
        PROGRAM,
        project_name=PROJECT,
        state_dir=state_dir,
        parallelism=2,
        config={"akua:apiUrl": "http://127.0.0.1:9", "akua:token": Secret(TOKEN)},
        settings={"journal_dir": str(journals)},
        preview_first=False,  # as for a program with an in-process `validate` (the default program)
    )


def test_cli_runs_per_customer(pulumi_env: PulumiEnvironment, logged_calls: Path, tmp_path: Path) -> None:
    pipeline = _pipeline(pulumi_env.state_dir, tmp_path / "journals")

    first = pipeline.up(_customers())
    assert first.exit_code == 0, str(first)
    # One listing for the run; a new customer is `stack init` and one engine run, nothing else.
    assert _calls(logged_calls) == {"*": ["stack ls"], "acme": ["stack init", "up"], "globex": ["stack init", "up"]}
    assert first["acme"].outputs == {"value": "Acme", "length": 4}  # the recorded input is not an output of ours

    again = pipeline.up(_customers())
    assert all(r.ok and r.skipped for r in again), str(again)
    assert again["acme"].outputs == first["acme"].outputs
    assert _calls(logged_calls) == {"*": ["stack ls"], "acme": ["stack output"], "globex": ["stack output"]}

    changed = pipeline.up(_customers(acme={"value": "Acme 2"}))
    assert changed["acme"].resources_changed == 1 and changed["globex"].skipped, str(changed)
    assert _calls(logged_calls) == {"*": ["stack ls"], "acme": ["stack output", "up"], "globex": ["stack output"]}

    # The token went to the runs through their environment: no stack config, state or log holds it.
    holders = [p for p in pulumi_env.state_dir.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert holders == []
    assert [p.name for p in pulumi_env.state_dir.rglob("Pulumi.*.yaml") if "akua:" in p.read_text()] == []
    assert os.environ.get("AKUA_API_TOKEN") != TOKEN  # the runs' environment was not left behind

    destroyed = pipeline.destroy(_customers())
    assert destroyed.exit_code == 0, str(destroyed)


def test_failed_up_is_never_skipped(pulumi_env: PulumiEnvironment, logged_calls: Path, tmp_path: Path) -> None:
    journals = tmp_path / "journals"
    pipeline = _pipeline(pulumi_env.state_dir, journals)

    def journal() -> list[tuple[str, Any]]:
        lines = (journals / "acme.jsonl").read_text().splitlines()
        return [(e["call"], e.get("value")) for e in map(json.loads, lines)]

    assert pipeline.up(_customers()).exit_code == 0
    # A changed input that fails half-way: the main Echo is updated, the one after it fails.
    failed = pipeline.up(_customers(acme={"value": "Half", "fail_after": True}))
    assert not failed["acme"].ok and "asked to fail" in (failed["acme"].error or ""), str(failed)
    assert journal()[-1] == ("update", "Half")
    _calls(logged_calls)

    # Back to the input of the last successful up: the resources no longer match it, so the engine runs.
    back = pipeline.up(_customers())
    assert back["acme"].ok and not back["acme"].skipped and back["acme"].resources_changed == 1, str(back)
    assert journal()[-1] == ("update", "Acme")
    assert _calls(logged_calls)["acme"] == ["stack output", "up"]
    assert pipeline.up(_customers())["acme"].skipped

    # A listing that went stale (the stack was created since): init fails, the run selects it instead.
    [acme, _] = _customers()
    stale = run_job(pipeline._job("up", acme, str(pulumi_env.bin_dir), stack_exists=False))
    assert stale.ok and stale.resources_changed == 0, stale
    assert pipeline.destroy(_customers()).exit_code == 0


def test_workers_see_the_environment_of_each_run(
    pulumi_env: PulumiEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers fork from a fork server that outlives the run: each run's workers still take the
    # caller's environment as it is then (the Echo program reads its journal dir from it).
    pipeline = OnboardingPipeline(
        PROGRAM,
        project_name=PROJECT,
        state_dir=pulumi_env.state_dir,
        config={"akua:apiUrl": "http://127.0.0.1:9"},  # loopback and a file backend: the default passphrase may do
        preview_first=False,
    )
    for run, value in enumerate(("First", "Second")):
        journals = tmp_path / f"journals-{run}"
        journals.mkdir()
        monkeypatch.setenv("AKUA_ECHO_JOURNAL_DIR", str(journals))
        report = pipeline.up(_customers(acme={"value": value}), only=["acme"])
        assert report.exit_code == 0, str(report)
        assert [json.loads(line)["value"] for line in (journals / "acme.jsonl").read_text().splitlines()] == [value]
    monkeypatch.setenv("AKUA_ECHO_JOURNAL_DIR", str(tmp_path / "journals-0"))
    assert pipeline.destroy(_customers(), only=["acme"]).exit_code == 0

"""``akua-onboard``: exit codes, the summary table, the token never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from akua_pulumi.automation.cli import main

PROGRAM = "tests.support.echo_program:echo_program"
TOKEN = "akua-token-that-must-never-be-printed"


def _write(path: Path, customers: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"defaults": {"region": {"name": "eu"}}, "customers": customers}))
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["up"], "--customers"),
        (["launch", "--customers", "x.json"], "invalid choice"),
        (["up", "--customers", "{missing}"], "cannot read"),
        (["up", "--customers", "{dupes}"], "duplicate of customers[0]"),
        (["up", "--customers", "{good}", "--only", "nobody"], "unknown customers: nobody"),
        (["up", "--customers", "{good}", "--program", "akua_pulumi.nope:fn"], "cannot import program module"),
        (["up", "--customers", "{good}", "--parallelism", "0"], "--parallelism must be at least 1"),
        (["up", "--customers", "{good}", "--setting", "novalue"], "expected KEY=VALUE"),
    ],
)
def test_usage_and_input_errors_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "missing": str(tmp_path / "missing.json"),
        "dupes": str(_write(tmp_path / "dupes.json", [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}])),
        "good": str(_write(tmp_path / "good.json", [{"id": "a", "name": "A"}])),
    }
    argv = [a.format(**files) for a in argv]
    # A loopback API and the file backend: the default passphrase may be used, so these get as far as
    # their own error.
    assert main([*argv, "--state-dir", str(tmp_path / "state"), "--api-url", "http://127.0.0.1:9"]) == 2
    assert message in capsys.readouterr().err.replace("\n", " ")


@pytest.mark.e2e
@pytest.mark.slow
def test_up_then_destroy(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKUA_API_TOKEN", TOKEN)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    journals = tmp_path / "journals"
    journals.mkdir()
    customers = _write(
        tmp_path / "customers.json",
        [
            {"id": "alpha", "name": "Alpha"},
            {"id": "beta", "name": "Beta", "members": [{"user_id": "u1", "role": "owner"}]},  # invalid role
            {"id": "gamma", "name": "Gamma"},
        ],
    )
    common = [
        "--customers",
        str(customers),
        "--state-dir",
        str(tmp_path / "state"),
        "--program",
        PROGRAM,
        "--parallelism",
        "2",
        "--api-url",
        "http://127.0.0.1:9",
        "--workspace",
        "ws_test",
        "--setting",
        f"journal_dir={journals}",
        "--no-progress",
    ]

    assert main(["up", *common]) == 1  # beta is invalid; alpha and gamma still converge
    out, err = capsys.readouterr()
    assert (out + err).count("invalid customer") == 1  # the errors are printed once, in the table
    assert "failed beta (0 changed, 0.0s): error in the table below" in err
    # A file backend and a loopback API: the public default passphrase may be used, and that is said once.
    assert err.count("PULUMI_CONFIG_PASSPHRASE is not set: using the public default passphrase") == 1
    assert "2 ok, 1 failed" in out
    for cid in ("alpha", "gamma"):
        assert cid in out
        assert [json.loads(x)["call"] for x in (journals / f"{cid}.jsonl").read_text().splitlines()] == ["create"]
    assert not (journals / "beta.jsonl").exists()
    assert TOKEN not in out + err
    assert TOKEN not in "".join(p.read_text() for p in (tmp_path / "state" / "logs").iterdir())

    assert main(["destroy", *common, "--only", "alpha,gamma"]) == 0
    out, err = capsys.readouterr()
    assert "2 ok, 0 failed" in out
    for cid in ("alpha", "gamma"):
        calls = [json.loads(x)["call"] for x in (journals / f"{cid}.jsonl").read_text().splitlines()]
        assert calls == ["create", "delete"]
    assert TOKEN not in out + err


def test_progress_is_determinate_once_the_steps_are_known() -> None:
    from rich.console import Console

    from akua_pulumi.automation.cli import _progress_handler
    from akua_pulumi.automation.results import CustomerEvent, CustomerResult

    console = Console(record=True, width=120, force_terminal=False)
    on_event, progress = _progress_handler(console, False, 2, ["a-long-customer-id", "b"])
    on_event(CustomerEvent("b", "started", "up"))
    [task] = [t for t in progress.tasks if t.description == "b"]
    assert task.total is None  # indeterminate until the number of steps is known
    on_event(CustomerEvent("b", "plan", "up", "4"))
    on_event(CustomerEvent("b", "resource", "up", "create akua:Workspace b"))
    assert (task.total, task.completed, task.fields["last"]) == (4, 1, "create akua:Workspace b")
    for i in range(4):  # more steps than planned: the total grows, never below what is done
        on_event(CustomerEvent("b", "resource", "up", f"create x {i}"))
    assert task.total == 5 and task.completed == 5
    on_event(CustomerEvent("b", "finished", "up", result=CustomerResult("b", "up", False, error="boom")))
    assert [t.description for t in progress.tasks] == ["customers"]
    assert "boom" not in console.export_text()  # the error goes to the report table, once

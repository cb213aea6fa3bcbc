"""OnboardingPipeline behaviour that needs no engine run: selection, invalid input, programs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.customers import Customer, InvalidCustomer, parse_customers_file
from akua_pulumi.automation.pipeline import (
    CustomerEvent,
    CustomerResult,
    OnboardingPipeline,
    PipelineReport,
    Secret,
    resolve_program,
)


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    """These pipelines name no API URL (the production default): they need a passphrase to start."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "unit-test-passphrase")


def top_level_program(customer: Customer, settings: Mapping[str, Any]) -> None:
    """A factory the pipeline accepts as a callable."""


def _entries() -> list[Customer | InvalidCustomer]:
    data = {
        "customers": [
            {"id": "acme", "name": "Acme", "region": {"name": "eu"}},
            {
                "id": "bad",
                "name": "Bad",
                "region": {"name": "eu"},
                "members": [{"user_id": "u", "role": "x"}],
            },
        ]
    }
    return parse_customers_file(data).entries


def test_resolve_program() -> None:
    from tests.support.echo_program import echo_program

    assert resolve_program("tests.support.echo_program:echo_program") is echo_program
    assert resolve_program(top_level_program) is top_level_program
    with pytest.raises(ValueError, match="module:function"):
        resolve_program("no_colon")
    with pytest.raises(ValueError, match="cannot import program module"):
        resolve_program("akua_pulumi.nope:fn")
    with pytest.raises(ValueError, match="has no attribute"):
        resolve_program("tests.support.echo_program:nope")

    def local(customer: Customer, settings: Mapping[str, Any]) -> None: ...

    with pytest.raises(TypeError, match="top-level function"):
        resolve_program(local)


def test_invalid_customers_fail_individually_without_running(tmp_path: Path) -> None:
    events: list[CustomerEvent] = []
    pipeline = OnboardingPipeline(top_level_program, state_dir=tmp_path, on_event=events.append)
    report = pipeline.up(_entries(), only=["bad"])
    [res] = report.results
    assert res.customer_id == "bad" and not res.ok
    # The wording of the rule comes from the resource declarations (the customers file is derived).
    assert (res.error or "").startswith("invalid customer: customers[1] (bad): members[0].role: ")
    assert "'x'" in (res.error or "")
    assert report.exit_code == 1
    assert [e.kind for e in events] == ["started", "finished"]


def test_only_rejects_unknown_ids(tmp_path: Path) -> None:
    pipeline = OnboardingPipeline(top_level_program, state_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown customers: nobody"):
        pipeline.up(_entries(), only=["acme", "nobody"])


def test_constructor_validation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="parallelism"):
        OnboardingPipeline(top_level_program, parallelism=0)
    with pytest.raises(ValueError, match="module:function"):
        OnboardingPipeline("nocolon")
    with pytest.raises(TypeError, match="str or Secret"):
        OnboardingPipeline(top_level_program, config={"akua:port": 1})  # type: ignore[dict-item]
    assert "t0ken" not in repr(Secret("t0ken"))


def test_report_table_and_exit_code() -> None:
    report = PipelineReport(
        "up",
        [
            CustomerResult("a", "up", True, {"create": 2}, 2, 1.5),
            CustomerResult("b", "up", False, error="boom", duration_s=0.2),
        ],
    )
    assert report.exit_code == 1 and [r.customer_id for r in report.failed] == ["b"]
    from rich.console import Console

    console = Console(width=120, record=True)
    console.print(report.table())
    text = console.export_text()
    assert "failed" in text and "boom" in text and "1.5s" in text
    assert "a" in str(report) and PipelineReport("up", [report["a"]]).exit_code == 0


def test_error_line_is_the_resource_cause_not_the_engine_follow_up() -> None:
    from akua_pulumi.automation.diagnostics import error_from_output as _error_from_output

    output = """Previewing update (cust-6):
Diagnostics:
  pulumi-python:dynamic/akua:Cluster (cust-6-main):
    error: pulumi-python:dynamic/akua:Cluster resource 'cust-6-main': property network_profile value {windows} \
has a problem: network_profile must be one of 'linux_cilium', 'mixed_os_calico', got 'windows'

  pulumi:pulumi:Stack (akua-onboarding-cust-6):
    error: Resource monitor has terminated, shutting down

Resources:
    + 6 to create
    2 errored
"""
    line = _error_from_output(output)
    assert "network_profile must be one of" in line and "Resource monitor" not in line


def test_in_process_validation_rejects_before_any_engine_run(tmp_path: Path) -> None:
    """The stock program's ``validate`` hook fails a customer whose values a resource would reject."""
    from akua_pulumi.automation.program_ref import has_validator, validate_customer

    program = "akua_pulumi.automation.programs:customer_program"
    data = {"id": "w", "name": "W", "region": {"name": "eu"}, "cluster": {"name": "c", "network_profile": "windows"}}
    file = parse_customers_file({"customers": [data]})
    assert file.customers == [] and "network_profile" in file.invalid[0].message  # the file rejects it already
    # A Customer built in code skips the file's checks: the program's own hook still rejects it.
    [good] = parse_customers_file({"customers": [{**data, "cluster": {"name": "c"}}]}).customers
    assert good.cluster is not None
    bad = good.model_copy(update={"cluster": good.cluster.model_copy(update={"network_profile": "windows"})})
    assert has_validator(program) and not has_validator(top_level_program)
    problem = validate_customer(program, bad, {})
    assert problem is not None and "network_profile" in problem and "windows" in problem
    events: list[CustomerEvent] = []
    report = OnboardingPipeline(program, state_dir=tmp_path, on_event=events.append).up([bad])
    assert not report["w"].ok and "network_profile" in (report["w"].error or "")
    assert [e.kind for e in events] == ["started", "finished"] and not (tmp_path / "logs").exists()  # no run

"""Drift without the engine: state reading, secret handling, the type registry, exit codes, the
workflow input of the schedule, and the report naming customers skipped as unchanged."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi.dynamic as dyn
import pytest
from rich.console import Console

from akua_pulumi.automation.drift import DriftScan, check_resource, provider_registry, select_ids
from akua_pulumi.automation.drift_report import CustomerDrift, DriftReport, FieldDrift, ResourceDrift
from akua_pulumi.automation.drift_temporal import parse_drift_input
from akua_pulumi.automation.results import CustomerResult, PipelineReport
from akua_pulumi.automation.state_reader import SECRET_SIG, StateResource, list_stacks, read_stack_state
from akua_pulumi.automation.workflow_input import InvalidWorkflowInput
from akua_pulumi.resources import ALL_RESOURCES
from akua_pulumi.resources._fields import Field
from akua_pulumi.stripe import ALL_STRIPE_RESOURCES

CIPHER = {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc:def"}


class StubProvider:
    """Reads back ``live`` (None: gone); records what it was given."""

    connection_field = Field.option("akua_connection", dict, "connection", secret=True)

    def __init__(self, live: dict[str, Any] | None) -> None:
        self.live = live
        self.seen: dict[str, Any] = {}

    def all_fields(self) -> tuple[Field, ...]:
        return (Field.output("token", str, "a secret", secret=True), self.connection_field)

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        self.seen = dict(props)
        if self.live is None:
            return dyn.ReadResult(None, {})
        return dyn.ReadResult(id_, {**props, **self.live})


def _res(outputs: Mapping[str, Any]) -> StateResource:
    return StateResource(
        urn="urn:pulumi:s::p::pulumi-python:dynamic/akua:X::x1", type="t", id="id1", outputs=dict(outputs)
    )


def test_secret_fields_show_that_they_differ_never_their_values() -> None:
    provider = StubProvider({"token": "live-plaintext-token", "name": "b"})
    found = check_resource(provider, _res({"token": CIPHER, "name": "a", "__provider": "pickle"}), {"api_url": "u"})
    assert isinstance(found, ResourceDrift)
    assert {f.name: (f.stack, f.live) for f in found.fields} == {"name": ("a", "b"), "token": ("[secret]", "[secret]")}
    assert "live-plaintext-token" not in json.dumps(found.to_json())
    assert "__provider" not in provider.seen and provider.seen["akua_connection"] == {"api_url": "u"}
    # Kept from state (write-only): no drift.
    assert check_resource(StubProvider({}), _res({"token": CIPHER, "name": "a"}), None) is None


def test_deleted_and_explicit_connection() -> None:
    gone = check_resource(StubProvider(None), _res({"name": "a"}), None)
    assert isinstance(gone, ResourceDrift) and gone.status == "deleted" and gone.fields == ()
    explicit = check_resource(StubProvider({}), _res({"name": "a", "akua_connection": CIPHER}), None)
    assert isinstance(explicit, str) and "explicit connection" in explicit


def test_registry_covers_every_resource_class() -> None:
    registry = provider_registry()
    for cls in (*ALL_RESOURCES, *ALL_STRIPE_RESOURCES):
        assert isinstance(registry[f"pulumi-python:{cls._resource_type_name}"], cls.provider_class)
    assert "pulumi-python:dynamic/akua:Cluster" in registry


def _write_state(root: Path, project: str, stack: str, resources: list[dict[str, Any]], gz: bool = False) -> None:
    doc = {"version": 3, "checkpoint": {"stack": stack, "latest": {"resources": resources}}}
    base = root / ".pulumi" / "stacks" / project
    base.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(base / f"{stack}.json.gz", "wt") as fh:
            json.dump(doc, fh)
    else:
        (base / f"{stack}.json").write_text(json.dumps(doc))


def test_state_reader_plain_gzip_missing_and_unknown_type(tmp_path: Path) -> None:
    res = {"urn": "urn:pulumi:a::p::pulumi-python:dynamic/other:Thing::t", "custom": True, "id": "i", "type": "x:T"}
    stack_res = {"urn": "urn:pulumi:a::p::pulumi:pulumi:Stack::p-a", "custom": False, "type": "pulumi:pulumi:Stack"}
    _write_state(tmp_path, "p", "a", [stack_res, {**res, "outputs": {"k": 1}}])
    _write_state(tmp_path, "p", "b", [res], gz=True)
    assert list_stacks("p", state_dir=tmp_path) == ["a", "b"]
    state = read_stack_state("p", "a", state_dir=tmp_path)
    assert state is not None and [(r.type, r.name, r.outputs) for r in state.resources] == [("x:T", "t", {"k": 1})]
    gz = read_stack_state("p", "b", state_dir=tmp_path)
    assert gz is not None and len(gz.resources) == 1
    assert read_stack_state("p", "zzz", state_dir=tmp_path) is None
    report = DriftScan(project="p", state_dir=tmp_path).run(["a", "zzz", None])
    assert report["a"].unchecked == ["x:T t: not a resource type of akua_pulumi"] and not report["a"].drifted
    assert report["zzz"].stack_found is False
    assert report.exit_code == 1 and report.failed[0].customer_id == "customers[2]"
    (tmp_path / ".pulumi" / "stacks" / "p" / "a.json").write_text("{not json")
    broken = DriftScan(project="p", state_dir=tmp_path).run(["a"])
    assert broken.exit_code == 1 and "cannot read a.json" in (broken["a"].error or "")


def test_exit_codes_and_json_shape() -> None:
    drifted = CustomerDrift("a", resources=[ResourceDrift("t", "n", "changed", (FieldDrift("f", 1, 2),))])
    assert DriftReport([CustomerDrift("b")]).exit_code == 0
    assert DriftReport([CustomerDrift("b"), drifted]).exit_code == 3
    assert DriftReport([drifted, CustomerDrift("c", ok=False, error="x")]).exit_code == 1
    [entry] = DriftReport([drifted]).to_json()
    assert {k: entry[k] for k in ("customer_id", "drifted")} == {"customer_id": "a", "drifted": True}
    assert entry["resources"] == [
        {"type": "t", "name": "n", "status": "changed", "fields": [{"name": "f", "stack": 1, "live": 2}]}
    ]


def test_select_ids() -> None:
    assert select_ids(["a", "b", "a"], None) == ["a", "b"]
    assert select_ids(["a", "b"], ["b"]) == ["b"]
    with pytest.raises(ValueError, match="'c'"):
        select_ids(["a"], ["c"])


@pytest.mark.parametrize(
    "data",
    [
        {"api_url": "http://evil"},
        {"env": {"PATH": "/tmp"}},
        {"program": "os:system"},
        {"only": "acme"},
        {"only": ["../etc"]},
        {"only": ["Acme"]},
        ["acme"],
    ],
)
def test_drift_workflow_input_refuses_anything_but_ids(data: Any) -> None:
    with pytest.raises(InvalidWorkflowInput) as info:
        parse_drift_input(data)
    assert "evil" not in str(info.value) and "/tmp" not in str(info.value)


def test_drift_workflow_input_accepts_ids() -> None:
    assert parse_drift_input({}) is None and parse_drift_input(None) is None
    assert parse_drift_input({"only": ["acme", "b-2", "acme"]}) == ["acme", "b-2"]


def test_report_names_customers_skipped_as_unchanged() -> None:
    """Without a terminal the table (and the text form) say the customer was skipped, not '0 changed'."""
    report = PipelineReport(
        "up",
        [
            CustomerResult("acme", "up", ok=True, skipped=True),
            CustomerResult("beta", "up", ok=True, resources_changed=3),
        ],
    )
    buf = io.StringIO()
    Console(file=buf, width=200, force_terminal=False).print(report.table())
    rows = {
        line.split()[1]: line for line in buf.getvalue().splitlines() if line.strip().startswith(("│ acme", "│ beta"))
    }
    assert "unchanged, no engine run" in rows["acme"] and " 0 " not in rows["acme"]
    assert "3" in rows["beta"] and "unchanged" not in rows["beta"]
    text = str(report)
    assert "acme" in text and "unchanged, no engine run" in text.splitlines()[1]
    assert "unchanged" not in text.splitlines()[2]

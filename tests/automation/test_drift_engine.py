"""``akua-onboard drift`` against the real engine's ``pulumi refresh --preview-only`` on the same stacks.

Real akua-local over loopback, the real Pulumi engine for onboarding and for the refresh preview.
Out-of-band changes of every kind the resource tests make: a renamed cluster, a revoked (deleted)
token, a changed member role, a secret value rotated elsewhere. Drift must find exactly what the
refresh preview shows (resource, status, field, both values), change nothing, and never print a
secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from akua_pulumi.automation.cli import main as onboard_main
from akua_pulumi.automation.customers import Customer, parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.automation.programs import customer_args
from akua_pulumi.client import AkuaClient
from akua_pulumi.components import CustomerWorkspace
from akua_pulumi.local import LocalServer
from akua_pulumi.local.seed import arrange_seller
from akua_pulumi.resources.secret import Secret as AkuaSecret
from akua_pulumi.resources.secret import SecretArgs
from tests.automation.test_temporal_fleet import S3_ENV, s3_backend  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SECRET_VALUE = "db-password-declared-0123"
ROTATED_VALUE = "db-password-rotated-elsewhere-9876"


def drift_program(customer: Customer, settings: Mapping[str, Any]) -> None:
    """The stock layout plus a secret, so that a secret value can drift."""
    layout = CustomerWorkspace(customer.id, customer_args(customer, settings))
    AkuaSecret(f"{customer.id}-db", SecretArgs(name="db", value=SECRET_VALUE, workspace_id=layout.workspace_id))
    pulumi.export("workspace_id", layout.workspace_id)


_HEADER = re.compile(r"^\s*([~+-])\s+(\S+): \((update|delete|create)\)\s*$")
_PROP = re.compile(r"^(\s*)([~+-]) ([A-Za-z_][\w]*)\s*: ?(.*)$")
_URN = re.compile(r"^\s*\[urn=(.+)\]\s*$")


def parse_refresh_diff(text: str) -> dict[tuple[str, str], dict[str, Any]]:
    """``pulumi refresh --preview-only --diff`` -> ``{(type, name): {"status", "fields": {name: (stack, live)}}}``."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    kind = ""
    indent: int | None = None
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            kind, current, indent = header.group(2), None, None
            status = {"update": "changed", "delete": "deleted"}.get(header.group(3), header.group(3))
            current = {"status": status, "fields": {}, "type": kind}
            continue
        if current is None:
            continue
        urn = _URN.match(line)
        if urn:
            out[(kind, urn.group(1).rsplit("::", 1)[-1])] = current
            continue
        if line.strip().startswith("--outputs:--") or current["status"] != "changed":
            continue
        prop = _PROP.match(line)
        if prop:
            width = len(prop.group(1))
            indent = width if indent is None else min(indent, width)
            if width == indent:
                old, _, new = prop.group(4).partition(" => ")
                current["fields"][prop.group(3)] = (old.strip(), new.strip())
    return out


def _shown(value: Any) -> str:
    """A value as the engine's diff prints a scalar."""
    if value == "[secret]":
        return "[secret]"
    return json.dumps(value)


def refresh_preview(state_dir: Path, stack: str, api_url: str, token: str) -> dict[tuple[str, str], dict[str, Any]]:
    penv = PulumiEnvironment(state_dir=state_dir, extra={"AKUA_API_URL": api_url, "AKUA_API_TOKEN": token})
    work = state_dir / "workspaces" / "akua-onboarding" / stack
    proc = penv.run("refresh", "--preview-only", "--diff", "--stack", stack, cwd=work, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return parse_refresh_diff(proc.stdout)


@pytest.fixture
def fleet(tmp_path: Path, akua: LocalServer, api: AkuaClient) -> dict[str, Any]:
    seller = arrange_seller(api, akua.admin, slug="seller")
    user = akua.admin.create_user("Customer Admin", "admin@example.com")["id"]
    customers = [
        {
            "id": f"cust-{i}",
            "name": f"Customer {i}",
            "slug": f"cust-{i}",
            "members": [{"user_id": user, "role": "admin"}],
            "cluster": {"name": f"cust-{i}-main"},
            "installs": [{"product_id": seller.product_id, "name": "app"}],
            "api_token": {"name": "ci"},
        }
        for i in range(3)
    ]
    doc = {"defaults": {"region": {"name": "eu-west"}}, "customers": customers}
    path = tmp_path / "customers.json"
    path.write_text(json.dumps(doc))
    entries = parse_customers_file(doc).entries
    state_dir = tmp_path / "state"
    pipeline = OnboardingPipeline(
        "tests.automation.test_drift_engine:drift_program",
        state_dir=state_dir,
        parallelism=2,
        config={"akua:apiUrl": akua.api_url, "akua:token": Secret(akua.owner_token)},
    )
    report = pipeline.up(entries)
    assert report.exit_code == 0, str(report)
    return {"pipeline": pipeline, "entries": entries, "path": path, "state_dir": state_dir, "user": user, "up": report}


def test_drift_agrees_with_refresh_preview(
    fleet: dict[str, Any], akua: LocalServer, api: AkuaClient, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline: OnboardingPipeline = fleet["pipeline"]
    clean = pipeline.drift(fleet["entries"])
    assert clean.exit_code == 0 and not clean.drifted, clean.dumps()
    assert all(r.checked >= 7 and not r.unchecked for r in clean), clean.dumps()

    # Out of band, on cust-0 and cust-1; cust-2 stays in sync.
    ws0 = api.for_workspace(fleet["up"]["cust-0"].outputs["workspace_id"])
    [cluster] = ws0.paginate("/clusters")
    ws0.patch(f"/clusters/{cluster['id']}", json={"name": "renamed-elsewhere"}, if_match=cluster["etag"])
    [token] = ws0.paginate("/api_tokens")
    ws0.delete(f"/api_tokens/{token['id']}")
    wid1 = fleet["up"]["cust-1"].outputs["workspace_id"]
    ws1 = api.for_workspace(wid1)
    [member] = [m for m in ws1.paginate(f"/workspaces/{wid1}/members") if m.get("user_id") == fleet["user"]]
    ws1.patch(f"/workspaces/{wid1}/members/{fleet['user']}", json={"role": "member"}, if_match=member.get("etag"))
    [secret] = ws1.paginate("/secrets")
    ws1.post(f"/secrets/{secret['id']}/versions", json={"value": ROTATED_VALUE})

    akua.admin.reset_counters()
    report = pipeline.drift(fleet["entries"])
    assert akua.admin.counters()["writes"] == 0  # drift changes nothing
    assert report.exit_code == 3, report.dumps()
    assert [r.customer_id for r in report.drifted] == ["cust-0", "cust-1"]

    for cid in ("cust-0", "cust-1", "cust-2"):
        engine = refresh_preview(fleet["state_dir"], cid, akua.api_url, akua.owner_token)
        ours = {(r.type, r.name): r for r in report[cid].resources}
        assert set(ours) == set(engine), (cid, sorted(ours), sorted(engine))
        for key, res in ours.items():
            assert res.status == engine[key]["status"], (cid, key)
            if res.status == "changed":
                fields = {f.name: (_shown(f.stack), _shown(f.live)) for f in res.fields}
                assert fields == engine[key]["fields"], (cid, key, fields, engine[key]["fields"])

    cust0 = {r.type.rsplit(":", 1)[-1]: r for r in report["cust-0"].resources}
    assert cust0["ApiToken"].status == "deleted"
    assert ("name", "cust-0-main", "renamed-elsewhere") in {(f.name, f.stack, f.live) for f in cust0["Cluster"].fields}
    cust1 = {r.type.rsplit(":", 1)[-1]: r for r in report["cust-1"].resources}
    assert ("role", "admin", "member") in {(f.name, f.stack, f.live) for f in cust1["WorkspaceMember"].fields}
    assert "value_hash" in {f.name for f in cust1["Secret"].fields}

    # The CLI: the same findings as JSON, exit 3; no secret anywhere in what it prints.
    capsys.readouterr()
    argv = ["drift", "--customers", str(fleet["path"]), "--state-dir", str(fleet["state_dir"]), "--json"]
    argv += ["--api-url", akua.api_url]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AKUA_API_TOKEN", akua.owner_token)
        code = onboard_main(argv)
    printed = capsys.readouterr()
    assert code == 3, printed.err
    data = json.loads(printed.out)
    assert [c["customer_id"] for c in data] == ["cust-0", "cust-1", "cust-2"]
    assert [c["drifted"] for c in data] == [True, True, False]
    deleted = [r for r in data[0]["resources"] if r["status"] == "deleted"]
    assert [(r["type"], r["name"], r["fields"]) for r in deleted] == [
        ("pulumi-python:dynamic/akua:ApiToken", "cust-0-token", [])
    ]
    for text in (printed.out, printed.err):
        for secret_text in (SECRET_VALUE, ROTATED_VALUE, akua.owner_token, token.get("token") or SECRET_VALUE):
            assert secret_text not in text

    # The table names the customer, resource, field and both values.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AKUA_API_TOKEN", akua.owner_token)
        mp.setenv("COLUMNS", "250")
        code = onboard_main([*argv[:-3], "--api-url", akua.api_url])
    table = capsys.readouterr().out
    assert code == 3
    assert "renamed-elsewhere" in table and "deleted" in table and "refresh --only cust-0,cust-1" in table

    # Without a terminal, `up` names a customer it skipped as unchanged (issue 22): not "0" changed.
    up_argv = ["up", "--customers", str(fleet["path"]), "--state-dir", str(fleet["state_dir"]), "--only", "cust-2"]
    up_argv += ["--api-url", akua.api_url, "--program", "tests.automation.test_drift_engine:drift_program"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AKUA_API_TOKEN", akua.owner_token)
        mp.setenv("COLUMNS", "250")
        code = onboard_main(up_argv)
    printed = capsys.readouterr()
    assert code == 0, printed.err
    [row] = [line for line in printed.out.splitlines() if "cust-2" in line]
    assert "unchanged, no engine run" in row and " 0 " not in row, printed.out
    assert "cust-2 (unchanged, no engine run" in printed.err


def test_drift_reads_s3_state_through_the_backend(
    tmp_path: Path,
    s3_backend: str,  # noqa: F811  (the fixture imported above)
    akua: LocalServer,
    api: AkuaClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another backend than files (moto's S3): the state comes through `pulumi stack export`."""
    for key, value in S3_ENV.items():
        monkeypatch.setenv(key, value)
    one = {"id": "s3-cust", "name": "S3 Customer", "slug": "s3-cust", "api_token": {"name": "ci"}}
    doc = {"defaults": {"region": {"name": "eu-west"}}, "customers": [one]}
    entries = parse_customers_file(doc).entries
    pipeline = OnboardingPipeline(
        "akua_pulumi.automation.programs:customer_program",
        state_dir=tmp_path / "state",
        backend_url=s3_backend,
        passphrase="drift-s3-passphrase",
        config={"akua:apiUrl": akua.api_url, "akua:token": Secret(akua.owner_token)},
    )
    up = pipeline.up(entries)
    assert up.exit_code == 0, str(up)
    assert pipeline.drift(entries).exit_code == 0
    ws = api.for_workspace(up["s3-cust"].outputs["workspace_id"])
    [token] = ws.paginate("/api_tokens")
    ws.delete(f"/api_tokens/{token['id']}")
    report = pipeline.drift([*entries, "never-onboarded"])
    assert report.exit_code == 3, report.dumps()
    assert [(r.name, r.status) for r in report["s3-cust"].resources] == [("s3-cust-token", "deleted")]
    assert report["never-onboarded"].stack_found is False and report["never-onboarded"].ok

"""OnboardingPipeline against the real Pulumi engine, with the Echo program factory.

Four customers, two worker processes: one customer's program raises, the other three converge;
a re-run changes nothing; destroy deletes every resource and removes every stack. We check the
providers' journals and the file backend's state, not only the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.customers import Customer, parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.pipeline import CustomerEvent, OnboardingPipeline, Secret

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROGRAM = "tests.support.echo_program:echo_program"
PROJECT = "akua-onboarding-test"


def _customers() -> list[Customer]:
    data = {
        "defaults": {"region": {"name": "eu"}},
        "customers": [
            {"id": "acme", "name": "Acme", "members": [{"user_id": "u1", "role": "admin"}]},
            {"id": "globex", "name": "Globex"},
            {"id": "broken", "name": "Broken", "extra": {"fail": True}},
            {"id": "initech", "name": "Initech", "members": [{"user_id": "u2"}, {"user_id": "u3"}]},
        ],
    }
    return parse_customers_file(data).customers


def _journal(journal_dir: Path, cid: str) -> list[dict[str, Any]]:
    path = journal_dir / f"{cid}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _state_file(state_dir: Path, cid: str) -> Path | None:
    found = [p for p in (state_dir / ".pulumi" / "stacks").rglob(f"{cid}.json") if PROJECT in p.parts]
    return found[0] if found else None


def _echo_urns(state_dir: Path, cid: str) -> list[str]:
    path = _state_file(state_dir, cid)
    assert path is not None, f"no state for {cid}"
    checkpoint = json.loads(path.read_text())["checkpoint"]
    resources = (checkpoint.get("latest") or {}).get("resources") or []
    return sorted(r["urn"].rsplit("::", 1)[-1] for r in resources if r["type"].endswith("akua-testing:Echo"))


@pytest.fixture
def pipeline_parts(pulumi_env: PulumiEnvironment, tmp_path: Path) -> tuple[OnboardingPipeline, list[CustomerEvent]]:
    events: list[CustomerEvent] = []
    pipeline = OnboardingPipeline(
        PROGRAM,
        project_name=PROJECT,
        state_dir=pulumi_env.state_dir,
        parallelism=2,
        config={"akua:apiUrl": "http://127.0.0.1:9", "akua:token": Secret("t0ken-never-in-clear")},
        settings={"journal_dir": str(tmp_path / "journals")},
        on_event=events.append,
    )
    (tmp_path / "journals").mkdir()
    return pipeline, events


def test_up_rerun_refresh_destroy(pipeline_parts: tuple[OnboardingPipeline, list[CustomerEvent]]) -> None:
    pipeline, events = pipeline_parts
    state_dir = pipeline.state_dir
    journals = Path(pipeline.settings["journal_dir"])
    customers = _customers()
    good = ["acme", "globex", "initech"]
    expected_echos = {
        "acme": ["acme-member-u1", "acme-workspace"],
        "globex": ["globex-workspace"],
        "initech": ["initech-member-u2", "initech-member-u3", "initech-workspace"],
    }

    # -- first up: one failure, three successes, nothing stops early
    report = pipeline.up(customers)
    assert [r.customer_id for r in report] == ["acme", "globex", "broken", "initech"]
    assert report.exit_code == 1
    assert [r.customer_id for r in report.failed] == ["broken"]
    broken = report["broken"]
    assert broken.error == "EchoProgramError: customer broken is configured to fail"
    assert broken.log_path is not None
    log = Path(broken.log_path).read_text()
    assert "configured to fail" in log and "Traceback" in log
    for cid in good:
        res = report[cid]
        assert res.ok and res.error is None, res
        assert res.changes.get("create") == len(expected_echos[cid]) + 1  # + the Stack
        assert res.resources_changed == len(expected_echos[cid]) + 1
        assert res.outputs["value"] == cid.capitalize()
        assert _echo_urns(state_dir, cid) == expected_echos[cid]
        assert [e["call"] for e in _journal(journals, cid)] == ["create"] * len(expected_echos[cid])
    assert _journal(journals, "broken") == []

    # events: started before finished for everyone, resources reported in between
    kinds = {cid: [e.kind for e in events if e.customer_id == cid] for cid in [*good, "broken"]}
    for cid, seq in kinds.items():
        assert seq[0] == "started" and seq[-1] == "finished" and seq.count("finished") == 1, (cid, seq)
    assert kinds["initech"].count("resource") == 3
    finished = [e for e in events if e.kind == "finished"]
    assert all(e.result is not None for e in finished)

    # the token is a secret in the stack config, never plaintext in state or logs
    for cid in good:
        assert "t0ken-never-in-clear" not in (_state_file(state_dir, cid) or Path()).read_text()
        assert "t0ken-never-in-clear" not in pipeline.log_path(cid, "up").read_text()

    table = report.table()
    assert table.row_count == 4

    # -- re-run: idempotent, no provider calls
    events.clear()
    again = pipeline.up(customers)
    assert again.exit_code == 1 and [r.customer_id for r in again.failed] == ["broken"]
    for cid in good:
        assert again[cid].ok and again[cid].resources_changed == 0, again[cid]
        assert [e["call"] for e in _journal(journals, cid)] == ["create"] * len(expected_echos[cid])

    # -- refresh and preview (one customer, to keep the suite quick): no changes
    refreshed = pipeline.refresh(customers, only=["globex"])
    assert refreshed.exit_code == 0 and [r.resources_changed for r in refreshed] == [0]
    assert refreshed["globex"].changes == {"same": 2}
    preview = pipeline.preview(customers, only=["acme"])
    assert preview.exit_code == 0 and preview["acme"].resources_changed == 0

    # -- destroy: every resource deleted, every stack removed (the broken one's empty stack too)
    destroyed = pipeline.destroy(customers)
    assert destroyed.exit_code == 0, str(destroyed)
    for cid in good:
        assert destroyed[cid].changes.get("delete") == len(expected_echos[cid]) + 1
        calls = [e["call"] for e in _journal(journals, cid)]
        assert calls == ["create"] * len(expected_echos[cid]) + ["delete"] * len(expected_echos[cid])
    for cid in [*good, "broken"]:
        assert _state_file(state_dir, cid) is None, f"stack {cid} still has state"
    listing = PulumiEnvironment(state_dir=state_dir).run("stack", "ls", "--all", "--json").stdout
    assert json.loads(listing) == []

    # -- destroying again is a no-op success (offboarding is idempotent)
    again_destroyed = pipeline.destroy(customers, only=["acme"])
    assert again_destroyed.exit_code == 0 and again_destroyed["acme"].resources_changed == 0

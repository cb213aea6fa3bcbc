"""What a newcomer's first fleet run meets: a worker checks its backend before serving and names
the bucket and what to do; a customer's report line leads with the backend's error code and a hint;
the AWS SDK's checksum warning stays out of the output (moto's S3 server on loopback, dummy keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from akua_pulumi.automation.cli import main as cli_main
from akua_pulumi.automation.diagnostics import backend_problem
from akua_pulumi.automation.worker import main as worker_main
from akua_pulumi.local import LocalServer
from tests.automation.test_temporal_fleet import S3_ENV, s3_backend

pytestmark = pytest.mark.e2e
__all__ = ["s3_backend"]  # the fixture, used by name


def test_a_worker_refuses_a_missing_bucket_naming_it(
    s3_backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in {**S3_ENV, "PULUMI_CONFIG_PASSPHRASE": "setup-test"}.items():
        monkeypatch.setenv(key, value)
    missing = s3_backend.replace("s3://akua-state?", "s3://no-such-bucket?")
    argv = ["--address", "127.0.0.1:1", "--state-dir", str(tmp_path / "w"), "--api-url", "http://127.0.0.1:1/v1"]
    assert worker_main([*argv, "--backend", missing]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "backend s3://no-such-bucket is not usable" in err, err
    assert "NoSuchBucket" in err and "create it" in err, err
    assert "checksum" not in err.lower(), err
    assert "endpoint=" not in err  # the URL's query (it may hold credentials) is not printed


def test_the_report_line_leads_with_the_code_and_a_hint() -> None:
    cli = (
        "error: could not list bucket: blob (code=NotFound): operation error S3: ListObjectsV2, https response "
        "error StatusCode: 404, RequestID: 1, HostID: 2, api error NoSuchBucket: The specified bucket does not exist"
    )
    assert backend_problem(cli) == (
        "backend NoSuchBucket: the backend's bucket does not exist: create it (docs/onboarding.md, Fleet scale)"
    )
    assert backend_problem("error: update failed") is None


def test_a_run_on_a_missing_bucket_reports_the_code_and_the_hint(
    s3_backend: str,
    akua: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The same report the workers send back: a customer's line in the table leads with the code.
    for key, value in {**S3_ENV, "PULUMI_CONFIG_PASSPHRASE": "setup-test", "COLUMNS": "400"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AKUA_API_TOKEN", akua.owner_token)
    customers = tmp_path / "customers.yaml"
    customers.write_text("customers:\n  - {id: lost, name: Lost, slug: lost, region: {name: eu-west}}\n")
    missing = s3_backend.replace("s3://akua-state?", "s3://no-such-bucket?")
    argv = ["up", "--customers", str(customers), "--backend", missing, "--api-url", akua.api_url]
    assert cli_main([*argv, "--state-dir", str(tmp_path / "state"), "--no-progress"]) == 1
    out = capsys.readouterr()
    [row] = [line for line in out.out.splitlines() if "lost" in line and "failed" in line and "│" in line]
    assert "backend NoSuchBucket: the backend's bucket does not exist: create it" in row, out.out
    assert "checksum" not in (out.out + out.err).lower()

"""One Pulumi environment per store: a pipeline, a worker's settings and a job give the engine the same
backend, passphrase and secrets provider (:meth:`PulumiEnvironment.for_store`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from akua_pulumi.automation.cli_options import DEFAULT_PROJECT
from akua_pulumi.automation.customers import Customer
from akua_pulumi.automation.environment import MissingPassphraseError, PulumiEnvironment
from akua_pulumi.automation.job import Job
from akua_pulumi.automation.pipeline import OnboardingPipeline
from akua_pulumi.automation.worker import WorkerSettings, check_backend

BUCKET_URL = "s3://state?endpoint=http://127.0.0.1:1&region=us-east-1"
PROGRAM = "akua_pulumi.automation.programs:customer_program"
KMS = "awskms://alias/akua?region=eu-west-1"


@pytest.fixture(autouse=True)
def _no_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"):
        monkeypatch.delenv(var, raising=False)


def _job(store: OnboardingPipeline) -> Job:
    customer = Customer.model_validate({"id": "acme", "name": "Acme", "region": {"name": "eu"}})
    return Job.on_store(
        store,
        "tests.automation.lifeline_helper:empty_program",
        customer,
        "up",
        config={},
        env={},
        settings={},
        bin_dir=None,
    )


def test_every_store_gives_the_same_environment(tmp_path: Path) -> None:
    pipeline = OnboardingPipeline(
        PROGRAM, state_dir=tmp_path / "state", backend_url=BUCKET_URL, passphrase="store-pp", env={"A": "1"}
    )
    worker = WorkerSettings(state_dir=tmp_path / "state", backend_url=BUCKET_URL, passphrase="store-pp")
    for store in (pipeline, worker, _job(pipeline)):
        penv = PulumiEnvironment.for_store(store, bin_dir=str(tmp_path), extra={"A": "1"})
        assert (penv.state_dir, penv.backend, penv.passphrase) == (
            (tmp_path / "state").resolve(),
            BUCKET_URL,
            "store-pp",
        )
        assert penv.bin_dir == tmp_path and penv.variables()["A"] == "1"
        assert penv.variables()["PULUMI_CONFIG_PASSPHRASE"] == "store-pp"


def test_a_store_without_a_passphrase_takes_the_environments_or_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = WorkerSettings(state_dir=tmp_path, backend_url=BUCKET_URL)
    with pytest.raises(MissingPassphraseError, match="PULUMI_CONFIG_PASSPHRASE"):
        PulumiEnvironment.for_store(worker, bin_dir=tmp_path)
    keyed = PulumiEnvironment.for_store(
        WorkerSettings(state_dir=tmp_path, backend_url=BUCKET_URL, secrets_provider=KMS), bin_dir=tmp_path
    )
    assert keyed.passphrase is None and keyed.secrets_provider == KMS
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "from-env")
    assert PulumiEnvironment.for_store(worker, bin_dir=tmp_path).passphrase == "from-env"
    local = PulumiEnvironment.for_store(WorkerSettings(state_dir=tmp_path), bin_dir=tmp_path)
    assert local.backend == f"file://{tmp_path.resolve()}"


def test_the_backend_check_uses_the_workers_passphrase(tmp_path: Path) -> None:
    """A worker given a passphrase (no PULUMI_CONFIG_PASSPHRASE) checks its shared backend with it; it
    used to be refused for want of the environment's before the check ran."""
    problem = check_backend(WorkerSettings(state_dir=tmp_path, backend_url=BUCKET_URL, passphrase="store-pp"))
    assert problem is not None and problem.startswith("backend s3://state is not usable")
    assert "store-pp" not in problem


def test_the_pipeline_defaults_to_the_shared_project(tmp_path: Path) -> None:
    pipeline = OnboardingPipeline(PROGRAM, state_dir=tmp_path, passphrase="pp")
    assert pipeline.project_name == DEFAULT_PROJECT == WorkerSettings(state_dir=tmp_path).project_name

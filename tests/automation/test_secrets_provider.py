"""A key-management secrets provider instead of a passphrase: ``awskms://`` against moto's KMS on loopback.

The pipeline, the CLI and the worker accept ``secrets_provider`` / ``--secrets-provider`` with a key URL
in place of ``PULUMI_CONFIG_PASSPHRASE``: new stacks are created with it (``stack init
--secrets-provider``), their secrets are encrypted by the key, and nothing else changes (an unchanged
re-run skips the engine; drift reads the state without a passphrase). A value that is neither
``passphrase`` nor a key URL is refused naming the option, before any backend or API call.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from akua_pulumi.automation.cli import main as cli_main
from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.environment import (
    MissingPassphraseError,
    PulumiEnvironment,
    require_passphrase,
    secrets_provider_problem,
)
from akua_pulumi.automation.pipeline import OnboardingPipeline, Secret
from akua_pulumi.automation.worker import build_worker_parser, settings_from_args
from akua_pulumi.local import LocalServer
from tests.automation.test_temporal_fleet import S3_ENV, s3_backend

__all__ = ["s3_backend"]  # the fixture, used by name

BUCKET_URL = "s3://state?endpoint=http://127.0.0.1:1&region=us-east-1"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (None, True),
        ("passphrase", True),
        ("awskms://alias/akua?region=eu-west-1", True),
        ("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", True),
        ("azurekeyvault://vault.vault.azure.net/keys/akua", True),
        ("hashivault://akua", True),
        ("awskms://", False),
        ("default", False),  # the Pulumi Cloud service's: not offline
        ("file:///tmp/key", False),
        ("", False),
    ],
)
def test_which_secrets_providers_are_accepted(value: str | None, ok: bool) -> None:
    assert (secrets_provider_problem(value) is None) is ok


def test_a_key_url_replaces_the_passphrase_everywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"):
        monkeypatch.delenv(var, raising=False)
    kms = "awskms://alias/akua?region=eu-west-1"
    # Shared backend, production API: without a passphrase only a key URL passes.
    with pytest.raises(MissingPassphraseError, match="PULUMI_CONFIG_PASSPHRASE"):
        require_passphrase(backend_url=BUCKET_URL, api_url=None, environ={})
    assert require_passphrase(backend_url=BUCKET_URL, api_url=None, environ={}, secrets_provider=kms) is None
    with pytest.raises(MissingPassphraseError):
        require_passphrase(backend_url=BUCKET_URL, api_url=None, environ={}, secrets_provider="passphrase")

    penv = PulumiEnvironment(state_dir=tmp_path, backend_url=BUCKET_URL, bin_dir=tmp_path, secrets_provider=kms)
    assert penv.passphrase is None and "PULUMI_CONFIG_PASSPHRASE" not in penv.variables()
    with pytest.raises(ValueError, match="secrets provider must be"):
        PulumiEnvironment(state_dir=tmp_path, backend_url=BUCKET_URL, bin_dir=tmp_path, secrets_provider="default")

    pipeline = OnboardingPipeline(
        "akua_pulumi.automation.programs:customer_program",
        state_dir=tmp_path / "state",
        backend_url=BUCKET_URL,
        secrets_provider=kms,
    )
    assert pipeline.passphrase is None and pipeline.secrets_provider == kms
    with pytest.raises(ValueError, match="secrets_provider cannot be sent to the workers"):
        OnboardingPipeline("default", engine="temporal", address="127.0.0.1:7233", secrets_provider=kms)

    argv = ["--address", "127.0.0.1:1", "--backend", BUCKET_URL, "--state-dir", str(tmp_path / "w")]
    worker_args: argparse.Namespace = build_worker_parser().parse_args([*argv, "--secrets-provider", kms])
    settings = settings_from_args(worker_args, environ={})
    assert settings.passphrase is None and settings.secrets_provider == kms
    with pytest.raises(ValueError, match="--secrets-provider"):
        settings_from_args(build_worker_parser().parse_args([*argv, "--secrets-provider", "default"]), environ={})


def test_the_cli_names_a_bad_secrets_provider(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    customers = tmp_path / "customers.yaml"
    customers.write_text("customers:\n  - {id: one, name: One, slug: one, region: {name: eu}}\n")
    argv = ["up", "--customers", str(customers), "--state-dir", str(tmp_path / "s"), "--no-progress"]
    assert cli_main([*argv, "--secrets-provider", "vault"]) == 2
    assert "secrets provider must be 'passphrase' or a key URL" in capsys.readouterr().err
    temporal = ["--engine", "temporal", "--address", "127.0.0.1:1", "--secrets-provider", "hashivault://k"]
    assert cli_main([*argv, *temporal]) == 2
    assert "--secrets-provider: set on the workers" in " ".join(capsys.readouterr().err.split())


@pytest.mark.e2e
def test_onboarding_with_a_kms_key_on_s3_state(
    s3_backend: str, akua: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto serves S3 (the state) and KMS (the key) on loopback; no passphrase anywhere."""
    import boto3

    for key, value in S3_ENV.items():
        monkeypatch.setenv(key, value)
    for var in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"):
        monkeypatch.delenv(var, raising=False)
    endpoint = parse_qs(urlsplit(s3_backend).query)["endpoint"][0]
    boto = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    key_id = boto3.client("kms", **boto).create_key()["KeyMetadata"]["KeyId"]
    kms = f"awskms://{key_id}?region=us-east-1&endpoint={endpoint}"

    doc = {"customers": [{"id": "kms-cust", "name": "KMS", "slug": "kms-cust", "api_token": {"name": "ci"}}]}
    entries = parse_customers_file({"defaults": {"region": {"name": "eu-west"}}, **doc}).entries
    pipeline = OnboardingPipeline(
        "akua_pulumi.automation.programs:customer_program",
        state_dir=tmp_path / "state",
        backend_url=s3_backend,
        secrets_provider=kms,
        config={"akua:apiUrl": akua.api_url, "akua:token": Secret(akua.owner_token)},
    )
    up = pipeline.up(entries)
    assert up.exit_code == 0, str(up)
    again = pipeline.up(entries)
    assert again.exit_code == 0 and again["kms-cust"].skipped, str(again)
    assert pipeline.drift(entries).exit_code == 0  # the state is read without a passphrase

    s3 = boto3.client("s3", **boto)
    objects = [o["Key"] for o in s3.list_objects_v2(Bucket="akua-state").get("Contents", [])]
    [checkpoint] = [k for k in objects if k.endswith("kms-cust.json")]
    state = json.loads(s3.get_object(Bucket="akua-state", Key=checkpoint)["Body"].read())
    providers = state["checkpoint"]["latest"]["secrets_providers"]
    assert providers["type"] == "cloud" and providers["state"]["url"].startswith(f"awskms://{key_id}")
    token_outputs = [
        r["outputs"]["token"]
        for r in state["checkpoint"]["latest"]["resources"]
        if r["type"].endswith("ApiToken") and "token" in r.get("outputs", {})
    ]
    assert token_outputs and all(isinstance(t, dict) and "ciphertext" in t for t in token_outputs)
    everything = b"".join(s3.get_object(Bucket="akua-state", Key=k)["Body"].read() for k in objects)
    assert akua.owner_token.encode() not in everything

    gone = pipeline.destroy(entries)
    assert gone.exit_code == 0, str(gone)

"""Shared fixtures: an offline Pulumi environment per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from akua_pulumi.automation.environment import PulumiEnvironment, PulumiNotFoundError


@pytest.fixture
def pulumi_env(tmp_path: Path) -> PulumiEnvironment:
    """A file backend and PULUMI_HOME in a temp dir, passphrase secrets, no network."""
    try:
        return PulumiEnvironment(state_dir=tmp_path / "pulumi-state").prepare()
    except PulumiNotFoundError as exc:  # the README test command builds it first
        pytest.fail(str(exc))

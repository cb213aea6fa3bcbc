"""A resource that stopped working in state (an expired WorkerBootstrap) is replaced by ``diff`` through the
shared lifecycle: the opt-in preflight is asked about that replacement like about any other."""

from __future__ import annotations

import time
from typing import Any

import pytest

from akua_pulumi.resources import _preflight
from akua_pulumi.resources.worker_bootstrap import WorkerBootstrapProvider

STATE = {"cluster_id": "clu_1", "ttl_seconds": 3600, "status": "active", "etag": "e1"}


def _diff(monkeypatch: pytest.MonkeyPatch, expires_at: float) -> tuple[Any, list[bool]]:
    asked: list[bool] = []
    monkeypatch.setattr(_preflight, "before_change", lambda p, i, o, n, replace: asked.append(replace))
    olds = {**STATE, "expires_at": expires_at}
    news = {"cluster_id": "clu_1", "ttl_seconds": 3600}
    return WorkerBootstrapProvider().diff("wb_1", olds, news), asked


def test_an_expired_bootstrap_is_replaced_and_the_preflight_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    result, asked = _diff(monkeypatch, time.time() - 1)
    assert result.changes and result.replaces == ["expires_at"]
    assert result.delete_before_replace is WorkerBootstrapProvider.delete_before_replace
    assert asked == [True]


def test_a_live_bootstrap_has_no_diff(monkeypatch: pytest.MonkeyPatch) -> None:
    result, asked = _diff(monkeypatch, time.time() + 600)
    assert not result.changes and not result.replaces
    assert asked == []

"""The client's default token bucket lets one stack's refresh through unthrottled (docs/client.md)."""

from __future__ import annotations

import pytest

from akua_pulumi.client import ClientConfig
from akua_pulumi.client._retry import TokenBucket

#: The fleet benchmark's stack: 20 typical customers x 7 resources, refreshed with one read each.
FLEET_REFRESH_READS = 20 * 7


def _default_bucket(clock: list[float]) -> TokenBucket:
    cfg = ClientConfig.resolve(env={})
    assert cfg.rate_limit_per_second is not None
    return TokenBucket(cfg.rate_limit_per_second, cfg.burst, clock=lambda: clock[0], sleep=lambda s: None)


def test_a_fleet_refresh_never_waits_on_the_default_bucket() -> None:
    clock = [0.0]
    bucket = _default_bucket(clock)
    assert sum(bucket.acquire() for _ in range(FLEET_REFRESH_READS)) == 0


def test_sustained_load_is_still_capped_at_the_default_rate() -> None:
    clock = [0.0]
    bucket = _default_bucket(clock)
    for _ in range(bucket.burst):
        assert bucket.acquire() == 0
    waits = [bucket.acquire() for _ in range(100)]  # no time passes: each one waits a token longer
    assert waits[-1] == pytest.approx(100 / bucket.rate)

"""Deterministic fault injection: latency, 5xx, 429 and drop-after-commit."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["DropConnection", "Faults"]


class DropConnection(ConnectionResetError):
    """Raised after a committed write to make the server close the socket without a response."""


@dataclass
class FaultConfig:
    """What ``PUT /_local/faults`` accepts (all optional)."""

    latency_ms: int = 0
    error_rate: float = 0.0
    rate_limited_rate: float = 0.0
    retry_after_seconds: int = 1
    drop_after_commit_rate: float = 0.0
    seed: int = 0
    operations: list[str] | None = None
    statuses: list[int] = field(default_factory=lambda: [500, 502, 503])
    #: Inject at most this many faults, then none (e.g. ``1``: exactly one drop on one operation).
    max_faults: int | None = None


class Faults:
    """A seeded decision stream: the same seed and request sequence give the same faults."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.configure({"seed": seed})

    def configure(self, settings: dict[str, Any]) -> FaultConfig:
        known = set(FaultConfig.__dataclass_fields__)
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        with self._lock:
            self.config = FaultConfig(**settings)
            self._rng = random.Random(self.config.seed)
            self.injected = 0
        return self.config

    def describe(self) -> dict[str, Any]:
        return {**asdict(self.config), "injected": self.injected}

    def decide(self, op_id: str, is_write: bool) -> tuple[str | None, int]:
        """``(None|"error"|"rate_limited"|"drop", status)`` for one request, plus latency via config."""
        c = self.config
        if c.operations is not None and op_id not in c.operations:
            return None, 0
        if not (c.error_rate or c.rate_limited_rate or c.drop_after_commit_rate):
            return None, 0
        with self._lock:
            if c.max_faults is not None and self.injected >= c.max_faults:
                return None, 0
            decision: tuple[str | None, int] = (None, 0)
            x = self._rng.random()
            if x < c.error_rate:
                decision = ("error", self._rng.choice(c.statuses))
            elif x < c.error_rate + c.rate_limited_rate:
                decision = ("rate_limited", 429)
            elif is_write and self._rng.random() < c.drop_after_commit_rate:
                decision = ("drop", 0)
            if decision[0] is not None:
                self.injected += 1
        return decision

"""Deterministic fault injection: latency, 5xx, 429 and drop-after-commit."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from . import checks
from .errors import ValidationFailed

__all__ = ["DropConnection", "Faults"]


class DropConnection(ConnectionResetError):
    """Raised after a committed write to make the server close the socket without a response."""


@dataclass
class FaultConfig:
    """What ``PUT /_local/faults`` accepts (all optional)."""

    latency_ms: int = 0
    error_rate: float = 0.0
    rate_limited_rate: float = 0.0
    retry_after_seconds: float = 1
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

    def configure(self, settings: Any) -> FaultConfig:
        """Replace the settings; 400 naming the field for anything unknown or out of range."""
        config = FaultConfig(**validate(settings))
        with self._lock:
            self.config = config
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


MAX_LATENCY_MS = 60_000
MAX_RETRY_AFTER = 3600  # seconds: what a ``Retry-After`` header may say


def validate(settings: Any) -> dict[str, Any]:
    """The checked keyword arguments of a :class:`FaultConfig` (``ValidationFailed`` names a bad field)."""
    b = checks.body_object(settings, set(FaultConfig.__dataclass_fields__))
    out: dict[str, Any] = {}
    if "latency_ms" in b:
        out["latency_ms"] = checks.integer(b, "latency_ms", 0, MAX_LATENCY_MS)
    for rate in ("error_rate", "rate_limited_rate", "drop_after_commit_rate"):
        if rate in b:
            out[rate] = checks.number(b, rate, 0.0, 1.0)
    if out.get("error_rate", 0.0) + out.get("rate_limited_rate", 0.0) > 1.0:
        raise ValidationFailed(
            "rate_limited_rate: error_rate + rate_limited_rate must not exceed 1", path=["body", "rate_limited_rate"]
        )
    if "retry_after_seconds" in b:
        after = checks.number(b, "retry_after_seconds", 0, MAX_RETRY_AFTER)
        out["retry_after_seconds"] = int(after) if after.is_integer() else after
    if "seed" in b:
        out["seed"] = checks.integer(b, "seed", -(2**63), 2**63 - 1)
    if checks.optional(b, "operations"):
        out["operations"] = checks.string_list(b, "operations")
    if "statuses" in b:
        out["statuses"] = checks.integer_list(b, "statuses", 400, 599)
    if checks.optional(b, "max_faults"):
        out["max_faults"] = checks.integer(b, "max_faults", 0, 2**31)
    return out

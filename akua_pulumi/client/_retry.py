"""Retry policy (one function decides) and the client-side token bucket."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "RETRYABLE_STATUSES",
    "RetryDecision",
    "TokenBucket",
    "backoff_delay",
    "parse_retry_after",
    "should_retry",
]

#: Statuses worth another try. 500 is included: the only subset operation documenting it is the
#: kubeconfig read (a failed audit write), and for every other request we only retry when a repeat is
#: safe (a read, or a write the server de-duplicates), so a transient 500 costs nothing to retry.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Methods that are idempotent by HTTP semantics and by this API's contract (PATCH is a merge of the
#: same fields; DELETE of a deleted resource is a 404, never a second deletion).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    reason: str


def should_retry(
    *,
    method: str,
    is_read: bool,
    has_idempotency_key: bool,
    status: int | None,
    transport_error: bool,
) -> RetryDecision:
    """The whole retry policy, in one place.

    A failed attempt is retried when the failure is transient (a transport error/timeout, or a status
    in :data:`RETRYABLE_STATUSES`) **and** repeating the request is safe: it is a read (GET, the
    ``:wait`` long poll), or it carries an ``Idempotency-Key`` the contract accepts, or its method is
    idempotent (PUT/PATCH/DELETE). A POST without a key is never retried, whatever happened, since the
    server may have acted on it. 409 is never retried: it means a stale etag or a uniqueness conflict,
    which only the caller can resolve. Attempt and time budgets are enforced by the caller.
    """
    if not transport_error and status not in RETRYABLE_STATUSES:
        return RetryDecision(False, f"HTTP {status} is not transient")
    safe = is_read or has_idempotency_key or method.upper() in IDEMPOTENT_METHODS
    if not safe:
        return RetryDecision(False, "POST without Idempotency-Key is not retry-safe")
    return RetryDecision(True, "transport error" if transport_error else f"HTTP {status}")


def backoff_delay(attempt: int, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Full-jitter exponential backoff before attempt ``attempt + 1`` (``attempt`` >= 1)."""
    return rng() * min(cap, base * (2.0 ** (attempt - 1)))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date. None when absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class TokenBucket:
    """A thread-safe token bucket: ``rate`` tokens per second, at most ``burst`` banked.

    :meth:`acquire` reserves a token under the lock and sleeps outside it, so waiting threads queue
    in arrival order without holding the lock.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated = clock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is available. Returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait > 0:
            self._sleep(wait)
        return wait

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate}, burst={self.burst})"

"""Retry policy, Retry-After, budgets, the token bucket and thread safety."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from client_helpers import envelope
from conftest import MakeClient

from akua_pulumi.client import (
    ConflictError,
    RateLimitedError,
    ServerError,
    TokenBucket,
    TransportError,
    should_retry,
)
from akua_pulumi.client._retry import backoff_delay, parse_retry_after


@pytest.mark.parametrize(
    ("method", "is_read", "key", "status", "transport", "expected"),
    [
        ("GET", True, False, 503, False, True),
        ("GET", True, False, 500, False, True),
        ("GET", True, False, 429, False, True),
        ("GET", True, False, None, True, True),
        ("GET", True, False, 404, False, False),
        ("GET", True, False, 409, False, False),
        ("POST", True, False, 502, False, True),  # operations.wait
        ("POST", False, True, 503, False, True),
        ("POST", False, True, None, True, True),
        ("POST", False, True, 409, False, False),
        ("POST", False, False, 503, False, False),
        ("POST", False, False, 429, False, False),
        ("POST", False, False, None, True, False),
        ("PATCH", False, False, 503, False, True),
        ("DELETE", False, False, None, True, True),
        ("PUT", False, False, 504, False, True),
        ("PATCH", False, False, 400, False, False),
    ],
)
def test_policy_table(
    method: str, is_read: bool, key: bool, status: int | None, transport: bool, expected: bool
) -> None:
    decision = should_retry(
        method=method, is_read=is_read, has_idempotency_key=key, status=status, transport_error=transport
    )
    assert decision.retry is expected, decision.reason


def flaky(failures: list[httpx.Response | Exception], then: httpx.Response) -> Any:
    queue = list(failures)

    def handler(request: httpx.Request) -> httpx.Response:
        if queue:
            item = queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        return then

    return handler


def ok(body: Any = None) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"id": "x"})


def test_get_retries_transient_then_succeeds(make_client: MakeClient) -> None:
    req = httpx.Request("GET", "https://x")
    client, rec = make_client(
        flaky(
            [envelope(503, 7000, "x"), httpx.ConnectError("boom", request=req), envelope(500, 7000, "x")],
            ok(),
        )
    )
    assert client.get("/clusters/clu_1") == {"id": "x"}
    assert rec.count == 4


def test_keyless_post_is_never_retried(make_client: MakeClient) -> None:
    for failure in (envelope(503, 7000, "x"), envelope(429, 7000, "x"), envelope(500, 7000, "x")):
        client, rec = make_client(flaky([failure], ok()))
        with pytest.raises((ServerError, RateLimitedError)):
            client.post("/workspaces", json={"name": "w"})
        assert rec.count == 1

    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timeout", request=request)

    client, rec = make_client(drop)
    with pytest.raises(TransportError):
        client.post("/clusters/clu_1:suspend", if_match="3")
    assert rec.count == 1


def test_keyed_post_is_retried_with_the_same_key(make_client: MakeClient) -> None:
    client, rec = make_client(flaky([envelope(503, 7000, "x"), envelope(502, 7000, "x")], ok()))
    client.post("/products", json={"name": "nm"}, idempotency_key="k-1")
    assert rec.count == 3
    assert {r.headers["idempotency-key"] for r in rec.requests} == {"k-1"}
    assert len({r.content for r in rec.requests}) == 1


def test_conflicts_are_not_retried(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: envelope(409, 7009, "ABORTED", metadata={"etag": "2"}))
    with pytest.raises(ConflictError):
        client.patch("/clusters/clu_1", json={"name": "n"}, if_match="1")
    assert rec.count == 1


def test_max_attempts_bounds_retries(make_client: MakeClient) -> None:
    client, rec = make_client(lambda r: envelope(503, 7000, "down"), max_attempts=3)
    with pytest.raises(ServerError) as info:
        client.get("/clusters")
    assert rec.count == 3 and info.value.attempts == 3


def test_retry_budget_bounds_total_time(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        r = envelope(429, 7000, "slow")
        r.headers["Retry-After"] = "5"
        return r

    client, rec = make_client(handler, max_retry_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(RateLimitedError) as info:
        client.get("/clusters")
    # A Retry-After beyond the budget is not waited for: fail fast, naming the server's hint.
    assert time.monotonic() - started < 0.5 and rec.count == 1
    assert info.value.retry_after == 5


def test_retry_after_is_honoured(make_client: MakeClient) -> None:
    """No request goes out before the time the previous 429 named."""
    waits = [0.3, 0.2]

    def handler(request: httpx.Request) -> httpx.Response:
        if waits:
            r = envelope(429, 7000, "slow down")
            r.headers["Retry-After"] = str(waits.pop(0))
            return r
        return ok()

    client, rec = make_client(handler)
    client.get("/clusters")
    assert rec.count == 3
    gaps = [b - a for a, b in zip(rec.times, rec.times[1:], strict=False)]
    assert gaps[0] >= 0.3 and gaps[1] >= 0.2, gaps


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now=now) == pytest.approx(10, abs=1)
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_is_full_jitter_and_capped() -> None:
    assert backoff_delay(1, 0.5, 20, lambda: 1.0) == 0.5
    assert backoff_delay(4, 0.5, 20, lambda: 1.0) == 4.0
    assert backoff_delay(10, 0.5, 20, lambda: 1.0) == 20
    assert backoff_delay(3, 0.5, 20, lambda: 0.0) == 0.0


def test_token_bucket_rate() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        clock[0] += s

    bucket = TokenBucket(10, 2, clock=lambda: clock[0], sleep=sleep)
    assert bucket.acquire() == 0 and bucket.acquire() == 0  # the burst
    assert bucket.acquire() == pytest.approx(0.1)
    clock[0] += 1.0  # refill, capped at burst
    assert bucket.acquire() == 0 and bucket.acquire() == 0
    assert bucket.acquire() > 0


def test_token_bucket_shared_by_threads_and_views(make_client: MakeClient) -> None:
    client, rec = make_client(
        lambda r: ok({"data": [], "has_more": False, "next_cursor": None}), rate_limit_per_second=40, burst=1
    )
    views = [client.for_workspace(f"ws_{i}") for i in range(4)]
    started = time.monotonic()
    threads = [threading.Thread(target=lambda v=v: [v.get("/clusters") for _ in range(5)]) for v in views]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert rec.count == 20
    # 20 requests at 40/s with burst 1 need >= 19/40 s, whichever thread/view sends them.
    assert elapsed >= 19 / 40 * 0.9
    assert {r.headers["akua-context"] for r in rec.requests} == {f"ws_{i}" for i in range(4)}


def test_four_threads_share_one_client(make_client: MakeClient) -> None:
    lock = threading.Lock()
    calls: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        key = request.url.path
        with lock:
            calls[key] = calls.get(key, 0) + 1
            n = calls[key]
        if n == 1:  # the first try of every path fails transiently
            return envelope(503, 7000, "warming up")
        return ok({"path": key})

    client, rec = make_client(handler)
    results: list[Any] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(25):
                results.append(client.get(f"/clusters/clu_{i}_{j}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 100 and rec.count == 200
    assert {r["path"] for r in results} == {f"/v1/clusters/clu_{i}_{j}" for i in range(4) for j in range(25)}

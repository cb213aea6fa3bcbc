"""The client against a real akua-local server over a socket (faults, etags, auth, operations)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from akua_pulumi.client import (
    AkuaClient,
    AuthenticationError,
    ClientConfig,
    ConfigurationError,
    EtagMismatchError,
    OperationFailedError,
)

try:
    from akua_pulumi.local import LocalServer
except ImportError as exc:  # pragma: no cover - only while the emulator is being built
    pytest.skip(f"akua_pulumi.local is not importable yet: {exc}", allow_module_level=True)


@pytest.fixture
def server() -> Iterator[Any]:
    with LocalServer(db=":memory:", port=0, operation_delay=0.0) as srv:
        yield srv


def make(srv: Any, **overrides: Any) -> AkuaClient:
    settings: dict[str, Any] = {"backoff_base": 0.02, "backoff_cap": 0.25, "rate_limit_per_second": None}
    settings.update(overrides)
    return AkuaClient(api_url=srv.api_url, token=srv.owner_token, **settings)


@pytest.mark.slow
def test_200_idempotent_creates_survive_20_percent_faults(server: Any) -> None:
    """Every create lands exactly once although ~20% of requests fail (5xx, 429, commit-then-drop)."""
    # 6 attempts would give each create a 0.2**6 chance of failing; the batch needs more headroom.
    client = make(server, max_attempts=15, max_retry_seconds=120)
    admin = server.admin
    admin.set_faults(
        error_rate=0.10, rate_limited_rate=0.05, drop_after_commit_rate=0.06, retry_after_seconds=1, seed=42
    )
    admin.reset_counters()
    names = [f"Batch Org {i:03d}" for i in range(200)]
    errors: list[BaseException] = []

    def work(chunk: list[str]) -> None:
        for name in chunk:
            try:
                client.post("/organizations", json={"name": name}, idempotency_key=f"test-batch-{name}")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(names[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counters = admin.counters()
    admin.clear_faults()
    assert not errors, errors[:3]

    # The faults really happened: 5xx, 429 and dropped connections (status 0) were all served.
    statuses = counters["by_status"]
    assert any(s in statuses for s in ("500", "502", "503")), statuses
    assert "429" in statuses and "0" in statuses, statuses
    assert counters["by_operation"]["organizations.create"] > 200

    # Counted from the server: exactly 200, no duplicates.
    orgs = list(client.paginate("/organizations", page_size=37))
    created = [o["name"] for o in orgs if o["name"].startswith("Batch Org ")]
    assert len(created) == 200 and sorted(created) == names
    assert len({o["id"] for o in orgs}) == len(orgs)
    client.close()


def test_etag_conflict_surfaces_current_etag(server: Any) -> None:
    client = make(server)
    org = client.post("/organizations", json={"name": "Etag Org"}, idempotency_key="etag-org")
    client.patch(f"/organizations/{org['id']}", json={"name": "Etag Org Two"}, if_match=org["etag"])
    fresh = client.get(f"/organizations/{org['id']}")
    with pytest.raises(EtagMismatchError) as info:
        client.patch(f"/organizations/{org['id']}", json={"name": "Etag Org Three"}, if_match=org["etag"])
    assert info.value.status == 409 and info.value.current_etag == fresh["etag"] != org["etag"]
    assert info.value.operation == "organizations.update"
    client.close()


def test_invalid_and_missing_token(server: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bad = "sk_akua_thisisnotavalidtoken0000000000"
    client = AkuaClient(api_url=server.api_url, token=bad, rate_limit_per_second=None)
    with pytest.raises(AuthenticationError) as info:
        client.get("/workspaces")
    assert info.value.status == 401
    for text in (caplog.text, str(info.value), repr(info.value), repr(client), str(info.value.errors)):
        assert bad not in text
        assert server.owner_token not in text
    client.close()

    missing = AkuaClient(ClientConfig.resolve(api_url=server.api_url, env={}))  # no token anywhere
    with pytest.raises(ConfigurationError, match="akua:token"):
        missing.get("/workspaces")
    missing.close()


def test_async_create_and_wait(server: Any) -> None:
    client = make(server)
    ws = client.post("/workspaces", json={"name": "Ops"})
    scoped = client.for_workspace(ws["id"])
    region = scoped.post("/regions", json={"name": "eu"})
    op = scoped.post("/clusters", json={"name": "c1", "region_id": region["id"]}, idempotency_key="c1")
    done = scoped.wait_operation(op, timeout=30)
    assert done["state"] == "SUCCEEDED"
    cluster = scoped.get(f"/clusters/{done['response']['cluster_id']}")
    assert cluster["name"] == "c1"

    # A second workspace: the free tier allows one managed cluster per workspace.
    scoped = client.for_workspace(client.post("/workspaces", json={"name": "Ops Two"})["id"])
    region = scoped.post("/regions", json={"name": "eu"})
    server.admin.fail_next_operation("cluster.create", "no capacity in eu")
    op = scoped.post("/clusters", json={"name": "c2", "region_id": region["id"]}, idempotency_key="c2")
    with pytest.raises(OperationFailedError) as info:
        scoped.wait_operation(op, timeout=30)
    assert info.value.state == "FAILED" and "no capacity in eu" in info.value.message
    client.close()

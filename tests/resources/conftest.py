"""Fixtures for resource tests: a real akua-local on loopback (SQLite file) and Pulumi stacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.stacks import AkuaStack

pytestmark = pytest.mark.e2e


@pytest.fixture
def akua(tmp_path: Path) -> Iterator[LocalServer]:
    """akua-local over HTTP on 127.0.0.1, backed by a SQLite file, operations completing at once."""
    with LocalServer(db=str(tmp_path / "akua.db")) as server:
        yield server


@pytest.fixture
def api(akua: LocalServer) -> Iterator[AkuaClient]:
    """A client with the bootstrap owner's token, for arranging and checking server state."""
    with AkuaClient(api_url=akua.api_url, token=akua.owner_token) as client:
        yield client


@pytest.fixture
def workspace_id(api: AkuaClient) -> str:
    """A workspace created through the API, for workspace-scoped resources."""
    return str(api.post("/workspaces", json={"name": "Test Workspace", "slug": "test-ws"})["id"])


@pytest.fixture
def make_stack(pulumi_env: PulumiEnvironment, akua: LocalServer) -> Callable[..., AkuaStack]:
    """Build an inline stack wired to akua-local: ``make_stack(program, workspace=None)``."""

    def make(program: Callable[[], None], workspace: str | None = None, **kw: Any) -> AkuaStack:
        return AkuaStack(pulumi_env, program, api_url=akua.api_url, token=akua.owner_token, workspace=workspace, **kw)

    return make


class CallCounter:
    """Counts API requests akua-local receives around a block: ``with calls() as c: ...; c.reads``."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.reads = self.writes = 0
        self.by_operation: dict[str, int] = {}

    def __enter__(self) -> CallCounter:
        self.server.admin.reset_counters()
        return self

    def __exit__(self, *exc: object) -> None:
        counters = self.server.admin.counters()
        self.reads, self.writes = counters["reads"], counters["writes"]
        self.by_operation = counters["by_operation"]

    def assert_budget(self, provider: type, step: str) -> None:
        """The measured calls equal what the provider declares (and docs/resources/ shows)."""
        budget = provider.call_budget[step]
        assert (self.reads, self.writes) == (budget.reads, budget.writes), (
            f"{provider.__name__} {step}: measured {self.reads} reads / {self.writes} writes "
            f"{self.by_operation}, declared {budget.reads} / {budget.writes}"
        )


@pytest.fixture
def calls(akua: LocalServer) -> Callable[[], CallCounter]:
    return lambda: CallCounter(akua)

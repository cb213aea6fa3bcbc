"""pytest fixtures for testing Pulumi programs against akua-local (a pytest plugin).

Installed with akua-pulumi, it is enabled automatically (its ``pytest11`` entry point is ``akua_pulumi``):

* ``pulumi_env``: an offline Pulumi environment (file backend, passphrase secrets) in a temp dir;
* ``akua``: akua-local over HTTP on 127.0.0.1, backed by a SQLite file;
* ``api``: an :class:`~akua_pulumi.client.AkuaClient` with the bootstrap owner's token;
* ``make_stack(program, workspace=None, stack="test")``: an :class:`AkuaStack` wired to ``akua``;
* ``calls()``: a :class:`CallCounter` context manager reading akua-local's request counters;
* ``seller``: a seller workspace with a marketplace-published product (see :func:`arrange_seller`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from ..automation.environment import PulumiEnvironment, PulumiNotFoundError
from ..client import AkuaClient
from ..local import LocalServer
from ..local.seed import Seller, arrange_seller
from .stacks import AkuaStack

__all__ = [
    "STANDARD_FAULTS",
    "CallCounter",
    "Seller",
    "arrange_seller",
    "assert_adopts_without_writes",
    "assert_converged_and_destroyed",
    "assert_refresh_drops",
    "assert_refresh_shows",
    "assert_steady_state",
    "destroy_within_budget",
    "up_under_faults",
    "up_within_budget",
]


@pytest.fixture
def pulumi_env(tmp_path: Path) -> PulumiEnvironment:
    """A file backend and PULUMI_HOME in a temp dir, passphrase secrets, no network."""
    try:
        return PulumiEnvironment(state_dir=tmp_path / "pulumi-state").prepare()
    except PulumiNotFoundError as exc:  # scripts/test builds the toolchain first
        pytest.fail(str(exc))


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
        budget = provider.call_budget[step]  # type: ignore[attr-defined]
        assert (self.reads, self.writes) == (budget.reads, budget.writes), (
            f"{provider.__name__} {step}: measured {self.reads} reads / {self.writes} writes "
            f"{self.by_operation}, declared {budget.reads} / {budget.writes}"
        )


def assert_steady_state(stack: AkuaStack, calls: Callable[[], CallCounter], provider: type) -> None:
    """Invariant 1 plus the call budget: a converged stack previews with no changes and no API call,
    a no-op ``up`` writes nothing, and ``refresh`` costs what ``provider`` declares."""
    with calls() as c:
        stack.preview(expect_no_changes=True)
    assert c.reads + c.writes == 0, c.by_operation
    with calls() as c:
        stack.up()
    assert c.writes == 0, c.by_operation
    with calls() as c:
        stack.refresh()
    c.assert_budget(provider, "refresh")


def up_within_budget(
    stack: AkuaStack, calls: Callable[[], CallCounter], provider: type, step: str, **kw: Any
) -> auto.UpResult:
    """``stack.up(**kw)`` costs exactly what ``provider`` declares for ``step`` (``create``, ``update``...)."""
    with calls() as c:
        result = stack.up(**kw)
    c.assert_budget(provider, step)
    return result


def destroy_within_budget(stack: AkuaStack, calls: Callable[[], CallCounter], provider: type) -> auto.DestroyResult:
    """``stack.destroy()`` costs exactly what ``provider`` declares for ``delete``."""
    with calls() as c:
        result = stack.destroy()
    c.assert_budget(provider, "delete")
    return result


def assert_refresh_shows(stack: AkuaStack, type_name: str, **outputs: Any) -> None:
    """After an out-of-band change, ``refresh`` brings it into state: the ``type_name`` resource's outputs
    equal ``outputs``."""
    stack.refresh()
    state = stack.state_of(type_name)["outputs"]
    for key, value in outputs.items():
        assert state[key] == value, (key, state.get(key), value)


def assert_refresh_drops(stack: AkuaStack, type_name: str) -> None:
    """After an out-of-band deletion, ``refresh`` drops every ``type_name`` resource from state."""
    stack.refresh()
    assert stack.resources(type_name) == []


STANDARD_FAULTS: Mapping[str, float] = {
    "error_rate": 0.15,
    "rate_limited_rate": 0.05,
    "retry_after_seconds": 0,
    "drop_after_commit_rate": 0.3,
}
"""The faults the resource tests inject by default: errors, 429s, and responses lost after the commit."""


def up_under_faults(
    stack: AkuaStack, akua: LocalServer, *, seed: int, faults: Mapping[str, float] = STANDARD_FAULTS
) -> AkuaStack:
    """``stack`` re-run under injected ``faults`` until ``up`` succeeds; the faults are cleared before
    it returns (also when it never converges)."""
    akua.admin.set_faults(**faults, seed=seed)
    try:
        stack.up_until_converged()
    finally:
        akua.admin.clear_faults()
    return stack


def run_with_one_lost_response(akua: LocalServer, operation: str, run: Callable[[], object]) -> None:
    """``run()`` while akua-local drops the response of the first ``operation`` call after committing it;
    the fault is cleared after (also on failure), and the call must have happened."""
    akua.admin.set_faults(operations=[operation], drop_after_commit_rate=1.0, max_faults=1)
    try:
        run()
    finally:
        faults = akua.admin.get_faults()
        akua.admin.clear_faults()
    assert faults["injected"] == 1, f"{operation} was never called"


def assert_converged_and_destroyed(stack: AkuaStack, remaining: Callable[[], Collection[Any]]) -> None:
    """``stack`` previews with no changes, and after ``destroy`` ``remaining()`` lists nothing."""
    stack.preview(expect_no_changes=True)
    stack.destroy()
    left = remaining()
    assert len(left) == 0, left


def assert_adopts_without_writes(stack: AkuaStack, akua: LocalServer, type_name: str, expected_id: str) -> AkuaStack:
    """``stack`` adopts the live ``expected_id`` with no write and no diff after."""
    akua.admin.reset_counters()
    stack.up()
    assert akua.admin.counters()["writes"] == 0, akua.admin.counters()["by_operation"]
    assert stack.state_of(type_name)["id"] == expected_id
    stack.preview(expect_no_changes=True)
    return stack


@pytest.fixture
def calls(akua: LocalServer) -> Callable[[], CallCounter]:
    """``with calls() as c: ...`` counts the requests made inside the block."""
    return lambda: CallCounter(akua)


@pytest.fixture
def seller(api: AkuaClient, akua: LocalServer) -> Seller:
    """A seller workspace (slug ``seller-platform``) with one marketplace-published product."""
    return arrange_seller(api, akua.admin)

"""Lifecycle checks the v4 resource tests share: one lost response converges, a taken name is adopted."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

Program = Callable[[], None]


def assert_one_lost_response_converges(
    make_stack: Callable[..., AkuaStack],
    akua: LocalServer,
    workspace_id: str,
    operation: str,
    programs: Sequence[dict[str, Any] | None],
    program: Callable[..., Program],
    live: Callable[[], object],
    expected: object,
) -> AkuaStack:
    """``program(**kw)`` for each of ``programs[:-1]`` is brought up; then the last one is brought up (or,
    when it is None, the stack destroyed) while the response of the first ``operation`` call is lost. It
    must converge in that one run: ``live()`` equals ``expected`` and an ``up`` leaves no diff."""
    stack = make_stack(program(**(programs[0] or {})), workspace=workspace_id)
    for kw in programs[:-1]:
        stack.program = program(**(kw or {}))
        stack.up()
    last = programs[-1]
    if last is not None:
        stack.program = program(**last)
    fixtures.run_with_one_lost_response(akua, operation, stack.destroy if last is None else stack.up)
    assert live() == expected
    if last is not None:
        stack.preview(expect_no_changes=True)
    return stack


def one_lost_response_test(
    cases: Sequence[tuple[str, Sequence[dict[str, Any] | None], object]],
    program: Callable[..., Program],
    live: Callable[[AkuaClient, str], object],
) -> Callable[..., None]:
    """A test, parametrized by ``(operation, programs, expected)`` ``cases``, that runs
    :func:`assert_one_lost_response_converges` with ``program`` and ``live(api, workspace_id)``.
    Bind it to a ``test_...`` name in the test module."""

    def test(
        operation: str,
        programs: Sequence[dict[str, Any] | None],
        expected: object,
        make_stack: Callable[..., AkuaStack],
        api: AkuaClient,
        akua: LocalServer,
        workspace_id: str,
    ) -> None:
        assert_one_lost_response_converges(
            make_stack, akua, workspace_id, operation, programs, program, lambda: live(api, workspace_id), expected
        )

    parametrized: Callable[..., None] = pytest.mark.parametrize(("operation", "programs", "expected"), cases)(test)
    return parametrized


def assert_name_taken_then_adopts(
    stack: AkuaStack,
    akua: LocalServer,
    type_name: str,
    existing: str,
    adopting: Program,
    live_ids: Callable[[], Collection[str]],
) -> AkuaStack:
    """``stack`` declares a name ``existing`` holds: ``up`` fails saying how to adopt (naming the id) and
    creates nothing; with ``adopting`` as its program it adopts ``existing`` with no write and no diff."""
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "adopt=True" in str(err.value) and existing in str(err.value)
    assert list(live_ids()) == [existing]
    stack.program = adopting
    fixtures.assert_adopts_without_writes(stack, akua, type_name, existing)
    assert list(live_ids()) == [existing]
    return stack

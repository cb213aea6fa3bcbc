"""Snippet: the invariants, archive on destroy, the 409 naming a widget that holds it, lost responses, adoption."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.snippet import Snippet, SnippetProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from ._invariants import assert_name_taken_then_adopts, one_lost_response_test
from .conftest import CallCounter

CODE = "const r = await platform.request('GET', '/installs'); return r.data.length;"


def snippets(api: AkuaClient, ws: str) -> dict[str, dict[str, Any]]:
    """The workspace's snippets that are not archived, by id."""
    return {s["id"]: s for s in api.paginate("/snippets", workspace=ws) if s["archived_at"] is None}


def _program(**kw: Any) -> Callable[[], None]:
    args = {"name": "install-count", "code": CODE, "display_type": "stat", **kw}
    return lambda: (Snippet("s", **args), None)[1]


def test_snippet_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = workspace_id
    stack = make_stack(_program(), workspace=ws)
    fixtures.up_within_budget(stack, calls, SnippetProvider, "create")
    sid = stack.state_of("Snippet")["id"]
    live = snippets(api, ws)
    assert list(live) == [sid] and live[sid]["code"] == CODE and live[sid]["result_contract_version"] is None

    # 1. Steady state.
    fixtures.assert_steady_state(stack, calls, SnippetProvider)

    # 2. Out-of-band change: refresh shows it, up converges it back in place.
    api.patch(f"/snippets/{sid}", json={"code": "return 1;"}, if_match=live[sid]["etag"], workspace=ws)
    fixtures.assert_refresh_shows(stack, "Snippet", code="return 1;")
    fixtures.up_within_budget(stack, calls, SnippetProvider, "update")
    assert snippets(api, ws)[sid]["code"] == CODE
    stack.preview(expect_no_changes=True)

    # The contract-1 shape: result_type with default_visualization, in place.
    stack.program = _program(result_type="scalar", default_visualization="stat")
    stack.up()
    now = snippets(api, ws)[sid]
    assert (now["result_contract_version"], now["result_type"], now["default_visualization"]) == (1, "scalar", "stat")
    stack.preview(expect_no_changes=True)

    # A widget outside the stack shows it: destroy is refused with a message naming the dashboard.
    dash = api.post("/dashboards", json={"name": "ops"}, workspace=ws)["dashboard_id"]
    wgt = api.post(f"/dashboards/{dash}/widgets", json={"snippet_id": sid, "col_span": 2}, workspace=ws)
    with pytest.raises(auto.CommandError) as err:
        stack.destroy()
    assert dash in str(err.value) and wgt["id"] in str(err.value) and "widgets that show this snippet" in str(err.value)
    api.delete(f"/dashboards/{dash}/widgets/{wgt['id']}", if_match=wgt["etag"], workspace=ws)
    stack.refresh()

    # 3. Out-of-band deletion (archive, final): refresh drops it, up creates a new one.
    api.delete(f"/snippets/{sid}", if_match=snippets(api, ws)[sid]["etag"], workspace=ws)
    fixtures.assert_refresh_drops(stack, "Snippet")
    stack.up()
    sid2 = stack.state_of("Snippet")["id"]
    assert list(snippets(api, ws)) == [sid2] and sid2 != sid

    # 5. Destroy archives it: nothing active is left (archived snippets stay listed, archived).
    fixtures.destroy_within_budget(stack, calls, SnippetProvider)
    assert snippets(api, ws) == {}
    assert api.get(f"/snippets/{sid2}", workspace=ws)["archived_at"] is not None


test_snippet_one_lost_response_converges = one_lost_response_test(
    [
        ("snippets.create", ({},), [CODE]),
        ("snippets.update", ({}, {"code": "return 2;"}), ["return 2;"]),
        ("snippets.delete", ({}, None), []),
    ],
    _program,
    lambda api, ws: [s["code"] for s in snippets(api, ws).values()],
)


def test_snippet_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    existing = api.post(
        "/snippets", json={"name": "install-count", "code": CODE, "display_type": "stat"}, workspace=ws
    )["snippet_id"]

    # The name is taken: without adopt the error says how to adopt, and nothing is created.
    # 4. Adoption by name: no write, no diff.
    stack = make_stack(_program(), workspace=ws)
    assert_name_taken_then_adopts(stack, akua, "Snippet", existing, _program(adopt=True), lambda: snippets(api, ws))

    # 6. Bad input fails at preview, names the property, writes nothing.
    assert_bad_input_fails_at_preview(
        make_stack,
        akua,
        ws,
        lambda kw: lambda: Snippet("bad", **{"name": "x", "code": CODE, "display_type": "stat", **kw}),
        {
            "display_type": {"display_type": "chart"},
            "code": {"code": ""},
            "default_visualization": {"result_type": "scalar"},
        },
    )

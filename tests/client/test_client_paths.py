"""Ids enter URL paths as exactly one segment (``api_path``), whoever builds the path.

An id is user input (``adopt_id``, ``.get(id)``, ``user_id``, lookup arguments). Joined unescaped,
``../api_tokens`` read the token list; here every odd id reaches the operation its path names, on a
real akua-local over loopback, and gets a 404 naming the id exactly, through the client's own paths,
the resources' paths and the lookups' paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from client_helpers import API_URL, TOKEN

from akua_pulumi.client import AkuaClient, InvalidPathIdError, NotFoundError, api_path
from akua_pulumi.errors import AkuaError
from akua_pulumi.local import LocalServer
from akua_pulumi.lookups import AkuaLookupError, get_package_version, get_workspace_management
from akua_pulumi.resources._provider import Context
from akua_pulumi.resources.api_token import ApiTokenProvider
from akua_pulumi.resources.cluster import ClusterProvider
from akua_pulumi.resources.custom_domain import CustomDomainProvider
from akua_pulumi.resources.install import InstallProvider
from akua_pulumi.resources.secret import SecretProvider
from akua_pulumi.resources.workspace import WorkspaceProvider
from akua_pulumi.resources.workspace_member import WorkspaceMemberProvider
from akua_pulumi.testing.fixtures import CallCounter

#: Ids that would change the request's target if joined into the path unescaped.
ODD_IDS = ["../api_tokens", "a/b", "a?b=c", "a#b", "%2F"]
#: Ids that cannot be one path segment at all: refused before anything is sent.
UNSEGMENTABLE = ["..", ".", ""]

Call = Callable[[AkuaClient, str, str], Any]


def _ctx(client: AkuaClient) -> Context:
    return Context(client=client, seed="test", inputs={})


#: (what builds the path, the operation the request must reach, the call with the odd id)
CALLS: list[tuple[str, str, Call]] = [
    ("client get", "clusters.get", lambda c, ws, odd: c.get(api_path("/clusters/{}", odd))),
    ("client wait_operation", "operations.wait", lambda c, ws, odd: c.wait_operation(odd, timeout=5)),
    ("Workspace read", "workspaces.get", lambda c, ws, odd: WorkspaceProvider().api_read(_ctx(c), odd, {})),
    ("Cluster read", "clusters.get", lambda c, ws, odd: ClusterProvider().api_read(_ctx(c), odd, {})),
    ("Secret read", "secrets.get", lambda c, ws, odd: SecretProvider().api_read(_ctx(c), odd, {})),
    ("Install read", "installs.get", lambda c, ws, odd: InstallProvider().api_read(_ctx(c), odd, {})),
    (
        "CustomDomain read",
        "customDomains.get",
        lambda c, ws, odd: CustomDomainProvider().api_read(_ctx(c), odd, {"workspace_id": ws}),
    ),
    ("ApiToken delete", "apiTokens.revoke", lambda c, ws, odd: ApiTokenProvider().api_delete(_ctx(c), odd, {})),
    (
        "WorkspaceMember delete",
        "workspaces.removeMember",
        lambda c, ws, odd: WorkspaceMemberProvider().api_delete(_ctx(c), f"{ws}/{odd}", {"etag": None}),
    ),
    (
        "lookup get_workspace_management",
        "workspaces.getManagement",
        lambda c, ws, odd: get_workspace_management(odd, client=c),
    ),
    (
        "lookup get_package_version",
        "packages.getVersion",
        lambda c, ws, odd: get_package_version(odd, version_id="pv_1", workspace_id=ws, client=c),
    ),
]


@pytest.fixture
def workspace(api: AkuaClient) -> str:
    """A workspace (with an API token in it: the data an escaped id must never reach)."""
    ws = str(api.post("/workspaces", json={"name": "Paths", "slug": "paths"})["id"])
    api.for_workspace(ws).post("/api_tokens", json={"name": "must-not-leak"})
    return ws


def _run(call: Call, client: AkuaClient, ws: str, odd: str, server: LocalServer) -> tuple[Any, dict[str, int]]:
    with CallCounter(server) as counter:
        try:
            outcome: Any = call(client, ws, odd)
        except AkuaError as exc:
            outcome = exc
    return outcome, dict(counter.by_operation)


@pytest.mark.parametrize("odd", ODD_IDS)
@pytest.mark.parametrize(("where", "operation", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_odd_id_reaches_its_own_operation(
    akua: LocalServer, api: AkuaClient, workspace: str, where: str, operation: str, call: Call, odd: str
) -> None:
    outcome, reached = _run(call, api.for_workspace(workspace), workspace, odd, akua)
    assert reached == {operation: 1}, f"{where} with id {odd!r} reached {reached}, not {operation}"
    if isinstance(outcome, AkuaLookupError):  # the lookup's own wording; the server's 404 is its context
        outcome = outcome.__context__
    assert isinstance(outcome, NotFoundError), f"{where} with id {odd!r} gave {outcome!r}"
    assert odd in outcome.message, f"the 404 should name the id {odd!r} intact: {outcome.message!r}"
    assert "must-not-leak" not in repr(outcome)


@pytest.mark.parametrize("odd", UNSEGMENTABLE)
@pytest.mark.parametrize(("where", "operation", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_unsegmentable_id_is_refused_before_sending(
    akua: LocalServer, api: AkuaClient, workspace: str, where: str, operation: str, call: Call, odd: str
) -> None:
    outcome, reached = _run(call, api.for_workspace(workspace), workspace, odd, akua)
    assert reached == {}, f"{where} with id {odd!r} sent {reached}"
    if isinstance(outcome, AkuaLookupError) and outcome.__context__ is not None:
        outcome = outcome.__context__  # else the lookup refused the argument itself (an empty id)
    assert isinstance(outcome, (InvalidPathIdError, AkuaLookupError)), f"{where} with id {odd!r} gave {outcome!r}"
    if isinstance(outcome, InvalidPathIdError):
        assert isinstance(outcome, ValueError)
        assert repr(odd) in str(outcome)


def test_api_path_encodes_each_id_as_one_segment() -> None:
    assert api_path("/clusters/{}:suspend", "clu_1") == "/clusters/clu_1:suspend"
    assert api_path("/secrets/{}/versions/{}", "../x", "a/b?c#d%2F") == "/secrets/..%2Fx/versions/a%2Fb%3Fc%23d%252F"
    assert api_path("/workspaces/{}", 42) == "/workspaces/42"
    with pytest.raises(InvalidPathIdError, match="None"):
        api_path("/workspaces/{}", None)
    with pytest.raises(TypeError, match="placeholder"):
        api_path("/workspaces/{}/members/{}", "ws_1")


def test_wire_path_is_sent_as_encoded() -> None:
    """httpx sends the encoded segment as is: no decoding, no re-encoding, no dot-segment folding."""
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json={"id": "x"})

    with AkuaClient(api_url=API_URL, token=TOKEN, transport=httpx.MockTransport(handler)) as client:
        for odd in ODD_IDS:
            client.get(api_path("/clusters/{}", odd))
    assert seen == [
        b"/v1/clusters/..%2Fapi_tokens",
        b"/v1/clusters/a%2Fb",
        b"/v1/clusters/a%3Fb%3Dc",
        b"/v1/clusters/a%23b",
        b"/v1/clusters/%252F",
    ]


@pytest.mark.parametrize("path", ["/workspaces/../api_tokens", "/clusters/./x", "/clusters/..", "/clusters/a#b"])
def test_client_refuses_a_path_that_url_handling_would_change(path: str) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    client = AkuaClient(api_url=API_URL, token=TOKEN, transport=httpx.MockTransport(handler))
    with client, pytest.raises(InvalidPathIdError, match="api_path"):
        client.get(path)
    assert sent == []

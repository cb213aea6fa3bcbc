"""The ``*_output`` twins are generated from the plain lookups (issue 20: nothing mirrors a declaration by
hand): each twin's parameters are its lookup's, as Inputs, checked against ``inspect.signature`` of the
plain function; a new lookup gets a twin from the generator; the connection keywords (``Via``) behave as
written-out keyword parameters did (a misspelt one is a ``TypeError``). ``scripts/gen-resources --check``
(tests/test_declarations.py) fails when the committed ``_outputs.py`` is stale."""

from __future__ import annotations

import contextvars
import inspect
from dataclasses import dataclass
from typing import Any

import httpx
import pulumi
import pytest
from typing_extensions import Unpack

from akua_pulumi import lookups
from akua_pulumi.client import AkuaClient
from akua_pulumi.lookups import _twins
from akua_pulumi.lookups._base import NO_TWIN, ViaWorkspace, _AsDict

PLAIN = _twins.plain_lookups()
VIA = {"Unpack[Via]": "Unpack[Via]", "Unpack[ViaWorkspace]": "Unpack[ViaWorkspaceInput]"}


def _as_input(annotation: str, default: Any) -> str:
    if default is None and annotation.endswith(" | None"):
        return "pulumi.Input[" + annotation[: -len(" | None")] + "] | None"
    return f"pulumi.Input[{annotation}]"


def test_every_plain_lookup_is_public_and_has_its_twin() -> None:
    names = {fn.__name__ for fn in PLAIN}
    assert len(names) >= 18
    assert names <= set(lookups.__all__)
    twins = {n for n in lookups.__all__ if n.endswith("_output")}
    assert twins == {f"{n}_output" for n in names - NO_TWIN}
    assert {"get_quota"} == NO_TWIN


@pytest.mark.parametrize("plain", [fn for fn in PLAIN if fn.__name__ not in NO_TWIN], ids=lambda fn: fn.__name__)
def test_a_twin_takes_its_lookups_parameters_as_inputs(plain: Any) -> None:
    raw = inspect.signature(plain.__wrapped__)
    twin = inspect.signature(getattr(lookups, f"{plain.__name__}_output"))
    assert list(twin.parameters) == list(raw.parameters)
    for name, p in raw.parameters.items():
        t = twin.parameters[name]
        assert (t.kind, t.default) == (p.kind, p.default), name
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            assert t.annotation == VIA[p.annotation], name
        else:
            default = None if p.default is inspect.Parameter.empty else p.default
            assert t.annotation == _as_input(p.annotation, default), name
    assert twin.return_annotation == f"pulumi.Output[{raw.return_annotation}]"


@dataclass(frozen=True)
class WidgetInfo(_AsDict):
    """A result of the throwaway lookup below."""

    id: str


def get_widget(widget_id: str, colour: str | None = None, *, size: int = 3, **via: Unpack[ViaWorkspace]) -> WidgetInfo:
    """A lookup that does not exist: what the generator makes of a new one."""
    raise NotImplementedError


def test_a_new_lookup_gets_a_twin_from_the_generator() -> None:
    text = _twins.render([get_widget])
    compile(text, "_outputs.py", "exec")
    assert "def get_widget_output(widget_id: pulumi.Input[str], colour: pulumi.Input[str] | None = None, *, " in text
    assert "size: pulumi.Input[int] = 3, **via: Unpack[ViaWorkspaceInput]) -> pulumi.Output[WidgetInfo]:" in text
    assert "return _output(get_widget, locals())" in text
    assert f"from {__name__} import WidgetInfo, get_widget" in text


def test_the_connection_keywords_read_like_written_out_parameters() -> None:
    sig = inspect.signature(lookups.get_render)
    assert list(sig.parameters)[-3:] == ["workspace_id", "client", "provider"]
    assert all(sig.parameters[k].kind is inspect.Parameter.KEYWORD_ONLY for k in ("workspace_id", "client"))
    assert list(inspect.signature(lookups.get_current_workspace).parameters) == ["workspace_id", "client", "provider"]
    with pytest.raises(TypeError, match=r"get_render\(\) got an unexpected keyword argument 'clinet'"):
        lookups.get_render("inst_x", clinet=None)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"get_render_output\(\) got an unexpected keyword argument 'clinet'"):
        lookups.get_render_output("inst_x", clinet=None)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values for argument 'workspace_id'"):
        lookups.get_current_workspace(None, workspace_id=None)  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"get_workspace_overview\(\) got an unexpected keyword argument 'workspace'"):
        lookups.get_workspace_overview(workspace="ws_x")  # type: ignore[call-arg]


def test_a_twin_refuses_at_call_time_a_keyword_its_lookup_refuses() -> None:
    """get_managed_workspaces takes client and provider only: its twin must not accept workspace_id and
    fail later, inside the apply."""
    assert "workspace_id" not in inspect.signature(lookups.get_managed_workspaces).parameters
    with pytest.raises(TypeError, match=r"get_managed_workspaces_output\(\) got an unexpected keyword argument"):
        lookups.get_managed_workspaces_output("org_x", workspace_id="ws_x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"get_quotas_output\(\) got an unexpected keyword argument 'provder'"):
        lookups.get_quotas_output(provder=None)  # type: ignore[call-arg]


class _NoResources(pulumi.runtime.Mocks):
    """Pulumi mocks for a program that registers no resource and calls no invoke."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def test_a_twins_workspace_id_input_reaches_the_request() -> None:
    """``workspace_id`` is in a twin's ``via``; once the Output resolves it must become the request's
    ``akua-context``, not be dropped for the client's own workspace."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        version = {"id": "pkv_1", "package_id": "pkg_1", "semver": "1.0.0", "ref": "sha256:1"}
        return httpx.Response(200, json=version)

    client = AkuaClient(
        api_url="https://api.test/v1",
        token="sk_akua_" + "x" * 32,
        workspace="ws_own",
        transport=httpx.MockTransport(handler),
    )
    got: list[Any] = []

    def program() -> pulumi.Output[Any]:
        workspace = pulumi.Output.from_input("ws_from").apply(lambda w: w + "_output")
        out = lookups.get_package_version_output("pkg_1", version_id="pkv_1", workspace_id=workspace, client=client)
        return out.apply(got.append)

    def body() -> None:
        pulumi.runtime.set_mocks(_NoResources(), project="twins", stack="test", preview=False)
        pulumi.runtime.test(program)()

    with client:
        contextvars.copy_context().run(body)
    assert [(r.url.path, r.headers.get("akua-context")) for r in sent] == [
        ("/v1/packages/pkg_1/versions/pkv_1", "ws_from_output")
    ]
    assert [v.id for v in got] == ["pkv_1"]

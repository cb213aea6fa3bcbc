"""Adding an updatable field to a resource is one line (issue 20).

A throwaway resource (``akua:TestWidget``) is declared like every resource module declares one; the
test adds ONE line to its ``fields`` and sees the field, with no other edit, in:

* the create and update request bodies (the real ``AkuaClient`` over a recording httpx transport,
  driven through the provider's own check / create / diff / update);
* the typed signature (``scripts/gen-resources``' renderer: ``<Name>ArgsDict``, ``<Name>Args``);
* the docs page (``scripts/gen-resource-docs``' renderer);
* the customers-file schema (``akua_pulumi.automation``'s derivation, for a layout argument bound to it).
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import importlib.util
import json
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest

from akua_pulumi.client import AkuaClient, api_path
from akua_pulumi.components._args import Bound, LayoutArgs
from akua_pulumi.resources._fields import ETAG, Field
from akua_pulumi.resources._provider import AkuaProvider, Context
from akua_pulumi.resources._surface import render_module

ROOT = Path(__file__).resolve().parent.parent

#: The one line under test.
NEW_FIELD = Field.updatable("color", str, "Colour of the widget.", choices=("red", "blue"), ours=True)

BASE_FIELDS = (Field.updatable("name", str, "Widget name.", required=True), ETAG)


class Recorder:
    """A recording transport: keeps every request body and answers like a tiny /widgets API."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.widget: dict[str, Any] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        self.requests.append((request.method, request.url.path, body))
        if request.method == "POST":
            self.widget = {"id": "wdg_1", "etag": "e1", **body}
        elif request.method == "PATCH":
            self.widget = {**self.widget, **body, "etag": "e2"}
        return httpx.Response(200, json=self.widget)

    def bodies(self, method: str) -> list[dict[str, Any]]:
        return [body for m, _, body in self.requests if m == method]


def widget_provider(fields: tuple[Field, ...], recorder: Recorder) -> type[AkuaProvider]:
    """A resource declared the usual way: fields plus the hooks, which send what the fields say."""
    client = AkuaClient(api_url="http://akua.test/v1", token="akua_test_token", transport=httpx.MockTransport(recorder))

    class WidgetProvider(AkuaProvider):
        """Lifecycle of ``/widgets`` (a throwaway resource for this test)."""

        type_name = "akua:TestWidget"
        workspace_scoped = False
        step_operations: Mapping[str, tuple[str, ...]] = {}

        def connect(self, connection: Any, inputs: Mapping[str, Any]) -> AkuaClient:
            return client

        def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
            return dict(ctx.client.post("/widgets", json=self.create_body(inputs)))

        def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
            return dict(ctx.client.get(api_path("/widgets/{}", id_)))

        def api_update(
            self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
        ) -> None:
            body = self.update_body(inputs, changed)
            ctx.client.patch(api_path("/widgets/{}", id_), json=body, if_match=state["etag"])

    WidgetProvider.fields = fields
    return WidgetProvider


def lifecycle(provider_class: type[AkuaProvider], first: dict[str, Any], second: dict[str, Any]) -> None:
    """check -> create, then check -> diff -> update, as the engine calls them."""
    provider = provider_class()
    checked = provider.check({}, first)
    assert not checked.failures, checked.failures
    created = provider.create(checked.inputs)
    news = provider.check(created.outs, second)
    assert not news.failures, news.failures
    diff = provider.diff(created.id, created.outs, news.inputs)
    assert diff.changes and not diff.replaces
    provider.update(created.id, created.outs, news.inputs)


def test_the_new_field_reaches_the_create_and_update_bodies() -> None:
    before = Recorder()
    lifecycle(widget_provider(BASE_FIELDS, before), {"name": "w"}, {"name": "w2"})
    assert before.bodies("POST") == [{"name": "w"}] and before.bodies("PATCH") == [{"name": "w2"}]

    after = Recorder()
    provider = widget_provider((*BASE_FIELDS, NEW_FIELD), after)  # the one line
    lifecycle(provider, {"name": "w", "color": "red"}, {"name": "w", "color": "blue"})
    assert after.bodies("POST") == [{"name": "w", "color": "red"}]
    assert after.bodies("PATCH") == [{"color": "blue"}]
    # Its declared rule holds at check, naming the field, before any request.
    failures = provider().check({}, {"name": "w", "color": "green"}).failures
    assert [(f.property, f.reason) for f in failures] == [("color", "color must be one of 'red', 'blue', got 'green'")]


def _generated(provider_class: type[AkuaProvider]) -> types.ModuleType:
    """The typed surface ``scripts/gen-resources`` renders for the widget, imported."""
    module = types.ModuleType("akua_pulumi.resources._test_widget_generated")
    module.__package__ = "akua_pulumi.resources"
    exec(compile(render_module([("Widget", "akua:TestWidget", provider_class)]), module.__name__, "exec"), vars(module))
    return module


def _annotation(cls: type, name: str) -> str:
    """The annotation of ``name`` as written in the generated module."""
    annotation = cls.__annotations__[name]
    return str(getattr(annotation, "__forward_arg__", annotation))


def test_the_new_field_is_in_the_typed_signature() -> None:
    before = _generated(widget_provider(BASE_FIELDS, Recorder()))
    after = _generated(widget_provider((*BASE_FIELDS, NEW_FIELD), Recorder()))
    assert "color" not in before.WidgetArgsDict.__annotations__
    assert _annotation(after.WidgetArgsDict, "color") == "NotRequired[pulumi.Input[str] | None]"
    assert "color" in {f.name for f in dataclasses.fields(after.WidgetArgs)}
    assert after.WidgetArgs(name="w", color="red").color == "red"
    assert _annotation(after.WidgetBase, "color") == "pulumi.Output[str | None]"  # the attribute


def _docs_renderer() -> Any:
    loader = importlib.machinery.SourceFileLoader("gen_resource_docs", str(ROOT / "scripts" / "gen-resource-docs"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(loader.name, module)
    loader.exec_module(module)
    return module


def test_the_new_field_is_on_the_docs_page() -> None:
    render_page = _docs_renderer().render_page
    provider_class = widget_provider((*BASE_FIELDS, NEW_FIELD), Recorder())
    generated = _generated(provider_class)

    class Widget(generated.WidgetBase, module="akua", name="TestWidget"):  # type: ignore[misc, name-defined]
        """A throwaway widget."""

        provider_class = widget_provider((*BASE_FIELDS, NEW_FIELD), Recorder())

    page = render_page(Widget)
    row = next(line for line in page.splitlines() if line.startswith("| `color` |"))
    assert "updatable" in row and "Colour of the widget." in row and "`'red'`" in row


def test_the_new_field_is_in_the_customers_file_schema() -> None:
    from akua_pulumi.automation.customers_schema import _file_model

    provider_class = widget_provider((*BASE_FIELDS, NEW_FIELD), Recorder())
    generated = _generated(provider_class)

    class Widget(generated.WidgetBase, module="akua", name="TestWidget"):  # type: ignore[misc, name-defined]
        """A throwaway widget."""

    Widget.provider_class = provider_class

    @dataclasses.dataclass(frozen=True)
    class WidgetLayoutArgs(LayoutArgs):
        name: Annotated[str, Bound(Widget)]
        color: Annotated[str | None, Bound(Widget)] = None

    model = _file_model(WidgetLayoutArgs)
    assert "color" in model.model_fields
    assert model(name="w", color="red").color == "red"
    with pytest.raises(ValueError, match="color must be one of 'red', 'blue', got 'green'"):
        model(name="w", color="green")

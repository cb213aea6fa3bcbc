"""``akua:DashboardWidget``: a widget of a dashboard showing a snippet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ._akua import operations
from ._fields import CREATED_AT, ETAG, Field, path_id
from ._generated import DashboardWidgetArgs, DashboardWidgetArgsDict, DashboardWidgetBase
from ._provider import AkuaProvider, Context

__all__ = ["DashboardWidget", "DashboardWidgetArgs", "DashboardWidgetArgsDict", "DashboardWidgetProvider"]

#: The widget kind this resource manages (the body's union tag).
_KIND = {"widget_type": "snippet"}


class DashboardWidgetProvider(AkuaProvider):
    """Lifecycle of ``/dashboards/{id}/widgets`` (snippet widgets).

    * ``dashboard_id`` and ``snippet_id`` are create-only (the API cannot move a widget to another
      snippet: a change replaces it). Passing a ``Snippet``'s id makes the widget depend on it, so
      destroy removes the widget before it archives the snippet (the API refuses to archive a snippet
      a widget still shows, with a 409 naming the widgets and dashboards).
    * Create sends a deterministic Idempotency-Key and reads the widget back (a replayed key may name a
      widget deleted since: the next key is used).
    * Updates and deletes carry the widget's own etag. ``position`` is 0-based; other widgets' inserts
      and deletes shift it, so leave it unset unless the order matters.
    * A widget lives under its dashboard: ``DashboardWidget.get(name, id, dashboard_id=...)`` names it
      (without it the read fails, saying so).
    """

    type_name = "akua:DashboardWidget"
    step_operations = operations(
        "dashboards",
        create=("createWidget", "getWidget"),
        read="getWidget",
        update="updateWidget",
        delete="deleteWidget",
    )
    idempotent_create = True
    contract_ops = ("dashboards.createWidget", "dashboards.updateWidget")
    fields = (
        path_id("dashboard_id", "The dashboard the widget is on.", 55),
        Field.create_only("snippet_id", str, "The snippet the widget shows (a Snippet's id).", required=True),
        Field.updatable("title", str, "Widget title (default: none)."),
        # The contract states 1-4 as an anyOf of one-value enums, which the constraint lookup does not read.
        Field.updatable("col_span", int, "Width in columns, 1-4.", default=2, minimum=1, maximum=4, ours=True),
        Field.updatable("position", int, "0-based position (default: appended).", server_default=True),
        Field.updatable("height", str, "compact, standard or tall.", server_default=True),
        Field.updatable("visualization", str, "How the result is drawn (stat, line, table...).", server_default=True),
        Field.updatable("display_type", str, "table, stat, json, logs or timeseries.", server_default=True),
        Field.updatable("input_bindings", dict, "Snippet input key to {mode: inherit|fixed|unbound, ...}.",
                        server_default=True),
        Field.updatable("refresh_policy", dict, "{mode: on_load|manual|interval, interval_seconds?}.",
                        server_default=True),
        CREATED_AT,
        ETAG,
    )  # fmt: skip

    def _path(self, values: Mapping[str, Any], id_: str | None = None) -> str:
        if id_ is None:
            return api_path("/dashboards/{}/widgets", values["dashboard_id"])
        return api_path("/dashboards/{}/widgets/{}", values["dashboard_id"], id_)

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = {**_KIND, **self.create_body(inputs)}  # the snippet shape of the union
        created = ctx.client.post(self._path(inputs), json=body, idempotency_key=ctx.idempotency_key("create"))
        return dict(ctx.client.get(self._path(inputs, created["id"])))  # 404 here: a stale replay, next key

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return dict(ctx.client.get(self._path(state, id_)))

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        body = {**_KIND, **self.update_body(inputs, changed)}  # an update names the widget's kind
        ctx.client.patch(self._path(state, id_), json=body, if_match=state["etag"])

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        ctx.client.delete(self._path(state, id_), if_match=state["etag"])


class DashboardWidget(DashboardWidgetBase, module="akua", name="DashboardWidget"):
    """A widget showing a ``Snippet`` on a ``Dashboard``."""

    provider_class = DashboardWidgetProvider

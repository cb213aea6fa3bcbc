"""``akua:Dashboard``: a custom dashboard of the workspace; its widgets are ``DashboardWidget`` s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._akua import RestProvider, operations
from ._fields import CREATED_AT, ETAG, HTML_URL, Field
from ._generated import DashboardArgs, DashboardArgsDict, DashboardBase
from ._provider import Context

__all__ = ["Dashboard", "DashboardArgs", "DashboardArgsDict", "DashboardProvider"]


class DashboardProvider(RestProvider):
    """Lifecycle of ``/dashboards`` (custom dashboards; the workspace overview is the platform's).

    * Create and update answer only ``{dashboard_id}``: the dashboard (and its etag) is read back.
    * Names are unique per workspace (a duplicate gets 409): ``adopt=True`` finds one by name, and a
      create whose response was lost (no Idempotency-Key is accepted) is found by name.
    * Widgets are separate resources (``DashboardWidget``): the dashboard's own fields never diff on
      them. A widget write moves the dashboard's etag, so an update that finds its etag stale retries with
      the live one, unless one of the dashboard's own declared fields changed outside Pulumi (then it is
      refused: refresh, then up). Deleting a dashboard is permanent and leaves its snippets alone.
    """

    type_name = "akua:Dashboard"
    step_operations = operations("dashboards", create=("create", "get"))
    collection = "/dashboards"
    natural_key = ("name",)
    contract_ops = ("dashboards.create", "dashboards.update")
    # Every widget write bumps the dashboard's etag too (the read embeds the widgets; API.md §7.4), so a
    # widget added or changed in the same stack leaves the etag in state stale without any outside change.
    etag_moves_with_children = True
    fields = (
        Field.updatable("name", str, "Dashboard name, unique in the workspace.", required=True),
        Field.updatable("description", str, "What the dashboard shows."),
        Field.output("purpose", str, "custom (the workspace overview is the platform's)."),
        Field.output("active_revision_id", str, "The revision the dashboard shows (every write records one)."),
        HTML_URL,
        CREATED_AT,
        ETAG,
    )

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        return self.create_and_read(ctx, self.create_body(inputs), "dashboard_id")  # the answer is only the id

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_by_key(ctx.client.paginate("/dashboards"), inputs, lambda d: d["purpose"] == "custom")


class Dashboard(DashboardBase, module="akua", name="Dashboard"):
    """A custom dashboard. Add widgets with ``DashboardWidget(dashboard_id=..., snippet_id=...)``."""

    provider_class = DashboardProvider

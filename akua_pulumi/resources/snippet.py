"""``akua:Snippet``: code a dashboard widget shows (an async JavaScript function body); destroy archives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._akua import RestProvider
from ._fields import CREATED_AT, ETAG, HTML_URL, Field
from ._generated import SnippetArgs, SnippetArgsDict, SnippetBase
from ._provider import Context

__all__ = ["Snippet", "SnippetArgs", "SnippetArgsDict", "SnippetProvider"]

#: The second (contract 1) shape of the create and update bodies: these three travel together.
_CONTRACT_1 = ("result_type", "default_visualization")


class SnippetProvider(RestProvider):
    """Lifecycle of ``/snippets``.

    * Create and update answer only ``{snippet_id}``: the snippet (and its etag) is read back.
    * Create takes no Idempotency-Key and the API has no unique field, so the name is unique per
      workspace by our convention: create checks it is free first, and a create whose response was lost
      is found by name instead of repeated.
    * DELETE archives (``archived_at``): an archived snippet is final and reads as gone. While a widget
      of any dashboard shows it the API answers 409 naming them; a ``DashboardWidget`` whose
      ``snippet_id`` is this snippet's id is destroyed first, through that dependency.
    * ``result_type`` with ``default_visualization`` selects the contract-1 shape
      (``result_contract_version: 1``); a snippet never returns to the legacy shape.
    """

    type_name = "akua:Snippet"
    step_operations = {
        "create": ("snippets.list", "snippets.create", "snippets.get"),
        "read": ("snippets.get",),
        "update": ("snippets.update",),
        "delete": ("snippets.delete",),
    }
    delete_conflict_advice = (
        "Remove the widgets that show this snippet first (a DashboardWidget whose snippet_id is this "
        "snippet's id is destroyed before it)."
    )
    collection = "/snippets"
    natural_key = ("name",)
    precheck_natural_key = True
    contract_ops = ("snippets.create", "snippets.update")
    fields = (
        Field.updatable("name", str, "Snippet name, unique in the workspace by our convention.", required=True),
        Field.updatable("description", str, "What the snippet shows."),
        Field.updatable("code", str, "Body of an async JavaScript function (calls the API via platform.request()).",
                        required=True),
        Field.updatable("display_type", str, "table, stat, json, logs or timeseries.", required=True),
        Field.updatable("inputs", list, "Input definitions ({key, label, kind, ...}), at most 16.",
                        server_default=True),
        Field.updatable("purpose", str, "general, prepared_action, reactive_read or widget.", server_default=True),
        Field.updatable("result_type", str, "Result type of a contract-1 snippet (with default_visualization).",
                        server_default=True),
        Field.updatable("default_visualization", str, "Default visualization of a contract-1 snippet.",
                        server_default=True),
        Field.output("visibility", str, "workspace (a dashboard can show it)."),
        HTML_URL,
        CREATED_AT,
        ETAG,
    )  # fmt: skip

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * ``result_type`` and ``default_visualization`` go together (the contract-1 snippet shape).
        """
        given = [k for k in _CONTRACT_1 if inputs.get(k) is not None]
        if len(given) == 1:
            missing = next(k for k in _CONTRACT_1 if k not in given)
            return [(missing, f"{given[0]} and {missing} go together (the contract-1 snippet shape)")]
        return []

    def _contract_1(self, body: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        # The second body shape needs the version marker beside its two fields.
        if any(k in body for k in _CONTRACT_1):
            body = {**body, "result_contract_version": 1, **{k: inputs.get(k) for k in _CONTRACT_1}}
        return body

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        return self.create_and_read(ctx, self._contract_1(self.create_body(inputs), inputs), "snippet_id")

    def gone(self, obj: Mapping[str, Any]) -> bool:
        return obj.get("archived_at") is not None  # archived is final

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_by_key(ctx.client.paginate("/snippets"), inputs)

    def update_body(self, inputs: Mapping[str, Any], changed: set[str]) -> dict[str, Any]:
        return self._contract_1(super().update_body(inputs, changed), inputs)


class Snippet(SnippetBase, module="akua", name="Snippet"):
    """A snippet: the code a dashboard widget runs and shows. Destroy archives it (archived is final)."""

    provider_class = SnippetProvider

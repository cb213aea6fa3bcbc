"""``akua:PreviewHostname``: a hostname bound to one render of an install (pinned) or to a track (floating)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ._akua import operations
from ._fields import CREATED_AT, ETAG, OPERATION_TIMEOUT, TRAFFIC, Field, operation_timeout, path_id
from ._generated import PreviewHostnameArgs, PreviewHostnameArgsDict, PreviewHostnameBase
from ._provider import AkuaProvider, Context

__all__ = ["PreviewHostname", "PreviewHostnameArgs", "PreviewHostnameArgsDict", "PreviewHostnameProvider"]


class PreviewHostnameProvider(AkuaProvider):
    """Lifecycle of ``/installs/{id}/preview_hostnames``.

    * **Pinned** (no ``track``): the hostname stays on one render for good, so changing anything
      replaces it.
    * **Floating** (``track`` set): the stable name of a track; changing ``render_id``, ``protocol`` or
      ``routing_mode`` rebinds it in place (``:bindFloating`` again keeps its id and hostname). Each
      (install, track) has one floating hostname: one that exists already fails with an adoption hint.
    * Binds and deletes are async Operations with required Idempotency-Keys; delete sends the etag.
    """

    type_name = "akua:PreviewHostname"
    step_operations = operations("previewHostnames", create=("bindPinned", "bindFloating"), update="bindFloating")
    contract_ops = ("previewHostnames.bindFloating", "previewHostnames.bindPinned")
    natural_key = ("install_id", "track")
    precheck_natural_key = True
    idempotent_create = True
    fields = (
        path_id("install_id", "The install.", 55),  # /installs/{install_id}/preview_hostnames
        Field.create_only("track", str, "Floating: the track this hostname follows.", read="binding.track"),
        Field.updatable(
            "render_id",
            str,
            "The render to serve (floating: rebinding moves it).",
            required=True,
            read="binding.render_id",
        ),
        *TRAFFIC,
        OPERATION_TIMEOUT,
        Field.output("hostname", str, "The hostname the server chose."),
        Field.output("status", str, "provisioning, active, evicted or releasing."),
        Field.output("last_seen_at", int, "Last traffic, Unix seconds (or None)."),
        CREATED_AT,
        ETAG,
    )

    def replaces(self, f: Field, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        # A resource-wide rule, not a field's: a pinned hostname (no track) stays on one render for good.
        return news.get("track") is None or super().replaces(f, olds, news)

    def _base(self, inputs: Mapping[str, Any], hostname_id: str | None = None) -> str:
        """The install's preview hostnames, or one of them."""
        base = api_path("/installs/{}/preview_hostnames", inputs["install_id"])
        return base if hostname_id is None else base + api_path("/{}", hostname_id)

    def _bind(self, ctx: Context, inputs: Mapping[str, Any], purpose: str) -> dict[str, Any]:
        body = self.create_body(inputs)  # a rebind sends the whole binding again, as the create does
        action = "bindFloating" if inputs.get("track") is not None else "bindPinned"
        op = ctx.client.post(f"{self._base(inputs)}:{action}", json=body, idempotency_key=ctx.idempotency_key(purpose))
        return ctx.client.wait_operation(op, timeout=operation_timeout(inputs))

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        done = self._bind(ctx, inputs, "create")
        return dict(ctx.client.get(self._base(inputs, done["response"]["preview_hostname_id"])))

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        found: dict[str, Any] = ctx.client.get(self._base(state, id_))
        return None if found.get("status") == "releasing" else found

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        if inputs.get("track") is None:
            return None  # pinned hostnames have no natural key: adopt them by id
        params = {"binding_kind": "floating", "track": inputs["track"]}
        return next(iter(ctx.client.paginate(self._base(inputs), params=params)), None)

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        self._bind(ctx, inputs, f"rebind:{state['etag']}")

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        etag = str(state["etag"])
        op = ctx.client.delete(
            self._base(state, id_), if_match=etag, idempotency_key=ctx.idempotency_key(f"delete:{etag}")
        )
        if op:
            ctx.client.wait_operation(op, timeout=operation_timeout(state))


class PreviewHostname(PreviewHostnameBase, module="akua", name="PreviewHostname"):
    """A preview hostname of an install: pinned to ``render_id``, or floating on ``track``."""

    provider_class = PreviewHostnameProvider

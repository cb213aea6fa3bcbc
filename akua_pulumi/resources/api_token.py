"""``akua:ApiToken``: a workspace API token (``sk_akua_...``), shown once and kept as a secret."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ..errors import NotFound
from ._akua import operations
from ._fields import CREATED_AT, Field
from ._generated import ApiTokenArgs, ApiTokenArgsDict, ApiTokenBase
from ._provider import AkuaProvider, Context, log

__all__ = ["ApiToken", "ApiTokenArgs", "ApiTokenArgsDict", "ApiTokenProvider"]


class ApiTokenProvider(AkuaProvider):
    """Lifecycle of ``/api_tokens``: no GET by id and no update, so reads list and filter by id and
    every input change replaces the token. The value exists only in the create response; refresh
    carries it over from state. Create takes no Idempotency-Key: the name is checked first, and an
    interrupted create is recovered by name, so a retry never mints a second token."""

    type_name = "akua:ApiToken"
    step_operations = operations("apiTokens", read="list", update=None, delete="revoke")
    natural_key = ("name",)
    contract_ops = ("apiTokens.create",)
    precheck_natural_key = True
    fields = (
        Field.create_only("name", str, "Token name, unique within the workspace by our convention.", required=True),
        Field.create_only("expires_at", int, "Expiry, Unix seconds; omit for a token that never expires."),
        Field.output(
            "token",
            str,
            "The token value (secret; only known to the stack that created it).",
            secret=True,
            write_only=True,
        ),
        Field.output("prefix", str, "Display prefix of the token."),
        CREATED_AT,
    )

    def _list(self, ctx: Context) -> list[dict[str, Any]]:
        return list(ctx.client.paginate("/api_tokens"))

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"name": inputs["name"]}
        if inputs.get("expires_at") is not None:
            body["expires_at"] = inputs["expires_at"]
        created: dict[str, Any] = ctx.client.post("/api_tokens", json=body)
        listed = self.api_read(ctx, created["id"], inputs) or {}
        return {**listed, **created}

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return next((t for t in self._list(ctx) if t["id"] == id_), None)

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_by_key(self._list(ctx), inputs)

    def recovered(self, ctx: Context, obj: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        # The name was free before this create (precheck), so the token found is the one whose
        # response was lost. Its value is shown only once: without it the token is useless, so
        # revoke it and mint another rather than keep a token nobody can use.
        log.info("akua:ApiToken %s: create response lost; revoking %s and creating again", obj["name"], obj["id"])
        with contextlib.suppress(NotFound):
            ctx.client.delete(api_path("/api_tokens/{}", obj["id"]))
        return None

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        ctx.client.delete(api_path("/api_tokens/{}", id_))


class ApiToken(ApiTokenBase, module="akua", name="ApiToken"):
    """A workspace API token. ``token`` is a secret output; an adopted token has no known value."""

    provider_class = ApiTokenProvider

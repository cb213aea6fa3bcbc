"""``akua:ComputeConfig``: machine provider settings (Hetzner Cloud), on Akua's or the customer's credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi.dynamic as dyn

from ..client import api_path
from ._fields import CREATED_AT, ETAG, Field, is_unknown
from ._generated import ComputeConfigArgs, ComputeConfigArgsDict, ComputeConfigBase
from ._provider import AkuaProvider, Context

__all__ = ["ComputeConfig", "ComputeConfigArgs", "ComputeConfigArgsDict", "ComputeConfigProvider"]


def _provider_config_problem(value: Any) -> str | None:
    for key in ("region", "image"):
        item = value.get(key)
        if item is None:
            return f"provider_config needs {key!r} (and may set 'machine_type_filter')"
        if not is_unknown(item) and (not isinstance(item, str) or not item):
            return f"provider_config.{key} must be a non-empty string"
    return None


class ComputeConfigProvider(AkuaProvider):
    """Lifecycle of ``/compute_configs``.

    * ``secret_id`` (and optionally ``secret_version_id``) selects ``byom`` credentials: a Secret
      holding the customer's provider token; without it the platform's (``system``) credentials are used.
    * Update sends ``name``, ``provider_config`` and the credential scope with If-Match. The API merges
      the top-level keys of ``provider_config``, so removing a key cannot be done in place: it replaces.
    * Names are not unique, so there is no natural key: adopt an existing config with ``adopt_id``.
    * Delete answers with the deleted row; a Secret a config refers to cannot be deleted before it.
    """

    type_name = "akua:ComputeConfig"
    step_operations = {
        "create": ("computeConfigs.create",),
        "read": ("computeConfigs.get",),
        "update": ("computeConfigs.update",),
        "delete": ("computeConfigs.delete",),
    }
    contract_ops = ("computeConfigs.create", "computeConfigs.update")
    idempotent_create = True
    fields = (
        Field.updatable("name", str, "Config name.", required=True),
        Field.create_only("provider", str, "Machine provider.", default="hcloud"),
        Field.updatable(
            "provider_config",
            dict,
            "{region, image, machine_type_filter?} for the provider.",
            required=True,
            validator=_provider_config_problem,
        ),
        Field.updatable(
            "secret_id", str, "byom: Secret with the provider token.", min_length=1, max_length=54, ours=True
        ),
        Field.updatable(
            "secret_version_id", str, "byom: pin this version of the secret.", min_length=1, max_length=55, ours=True
        ),
        CREATED_AT,
        ETAG,
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        if inputs.get("secret_version_id") is not None and inputs.get("secret_id") is None:
            return [("secret_version_id", "secret_version_id needs secret_id (byom credentials)")]
        return []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        result = super().diff(_id, olds, news)
        old, new = olds.get("provider_config"), news.get("provider_config")
        if isinstance(old, Mapping) and isinstance(new, Mapping) and not is_unknown(new) and set(old) - set(new):
            replaces = sorted({*(result.replaces or []), "provider_config"})
            return dyn.DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        return result

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        out = super().project(obj)
        scope = obj.get("credential_scope") or {}
        out["secret_id"] = scope.get("secret_id")
        out["secret_version_id"] = scope.get("secret_version_id")
        return out

    def _scope(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        if inputs.get("secret_id") is None:
            return {"kind": "system"}
        scope = {"kind": "byom", "secret_id": inputs["secret_id"]}
        if inputs.get("secret_version_id") is not None:
            scope["secret_version_id"] = inputs["secret_version_id"]
        return scope

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = {
            "name": inputs["name"],
            "provider": inputs["provider"],
            "provider_config": inputs["provider_config"],
            "credential_scope": self._scope(inputs),
        }
        created = ctx.client.post("/compute_configs", json=body, idempotency_key=ctx.idempotency_key("create"))
        # A replayed key answers with the config it made, which may have been deleted since: a 404
        # here makes the lifecycle use the next key.
        return dict(ctx.client.get(api_path("/compute_configs/{}", created["id"])))

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return dict(ctx.client.get(api_path("/compute_configs/{}", id_)))

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        body: dict[str, Any] = {k: inputs[k] for k in ("name", "provider_config") if k in changed}
        if changed & {"secret_id", "secret_version_id"}:
            body["credential_scope"] = self._scope(inputs)
        ctx.client.patch(api_path("/compute_configs/{}", id_), json=body, if_match=state["etag"])

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        ctx.client.delete(api_path("/compute_configs/{}", id_), if_match=state["etag"])


class ComputeConfig(ComputeConfigBase, module="akua", name="ComputeConfig"):
    """Machine provider settings; ``secret_id`` switches to the customer's own credentials (byom)."""

    provider_class = ComputeConfigProvider

"""``akua:ComputeConfig``: machine provider settings (Hetzner Cloud), on Akua's or the customer's credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._akua import RestProvider, operations
from ._fields import CREATED_AT, ETAG, Field, Kind, id_bounds, is_unknown
from ._generated import ComputeConfigArgs, ComputeConfigArgsDict, ComputeConfigBase
from ._provider import Context

__all__ = ["ComputeConfig", "ComputeConfigArgs", "ComputeConfigArgsDict", "ComputeConfigProvider"]


def _provider_config_problem(value: Any) -> str | None:
    """Needs ``region`` and ``image``, each a non-empty string (and may set ``machine_type_filter``)."""
    for key in ("region", "image"):
        item = value.get(key)
        if item is None:
            return f"provider_config needs {key!r} (and may set 'machine_type_filter')"
        if not is_unknown(item) and (not isinstance(item, str) or not item):
            return f"provider_config.{key} must be a non-empty string"
    return None


def _drops_a_key(old: Any, new: Any) -> bool:
    """``provider_config`` lost a top-level key (the API merges them: it cannot be removed in place)."""
    return isinstance(old, Mapping) and isinstance(new, Mapping) and bool(set(old) - set(new))


class ComputeConfigProvider(RestProvider):
    """Lifecycle of ``/compute_configs``.

    * ``secret_id`` (and optionally ``secret_version_id``) selects ``byom`` credentials: a Secret
      holding the customer's provider token; without it the platform's (``system``) credentials are used.
    * Update sends ``name``, ``provider_config`` and the credential scope with If-Match. The API merges
      the top-level keys of ``provider_config``, so removing a key cannot be done in place: it replaces.
    * Names are not unique, so there is no natural key: adopt an existing config with ``adopt_id``.
    * Delete answers with the deleted row; a Secret a config refers to cannot be deleted before it.
    """

    type_name = "akua:ComputeConfig"
    step_operations = operations("computeConfigs")
    contract_ops = ("computeConfigs.create", "computeConfigs.update")
    collection = "/compute_configs"
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
            # The API merges its top-level keys: removing one cannot be done in place.
            replace_if=_drops_a_key,
        ),
        # Both are sent as one credential_scope object whose kind depends on them (see _scope).
        Field.updatable(
            "secret_id",
            str,
            "byom: Secret with the provider token.",
            **id_bounds(54),
            send="never",
            read="credential_scope.secret_id",
        ),
        Field.updatable(
            "secret_version_id",
            str,
            "byom: pin this version of the secret.",
            **id_bounds(55),
            send="never",
            read="credential_scope.secret_version_id",
        ),
        CREATED_AT,
        ETAG,
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * ``secret_version_id`` needs ``secret_id`` (byom credentials).
        """
        if inputs.get("secret_version_id") is not None and inputs.get("secret_id") is None:
            return [("secret_version_id", "secret_version_id needs secret_id (byom credentials)")]
        return []

    def _scope(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        if inputs.get("secret_id") is None:
            return {"kind": "system"}
        scope = {"kind": "byom", "secret_id": inputs["secret_id"]}
        if inputs.get("secret_version_id") is not None:
            scope["secret_version_id"] = inputs["secret_version_id"]
        return scope

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        return self.create_and_read(ctx, {**self.create_body(inputs), "credential_scope": self._scope(inputs)})

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        body = self.update_body(inputs, changed)
        if changed & {f.name for f in self.all_fields() if f.kind is Kind.UPDATABLE and not f.sent_on}:
            body["credential_scope"] = self._scope(inputs)
        ctx.client.patch(self.object_path(id_), json=body, if_match=state["etag"])


class ComputeConfig(ComputeConfigBase, module="akua", name="ComputeConfig"):
    """Machine provider settings; ``secret_id`` switches to the customer's own credentials (byom)."""

    provider_class = ComputeConfigProvider

"""``akua:RegistryConnection``: an OCI registry pull credential. The credentials are write-only secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._akua import operations
from ._connection import ConnectionProvider, connection_fields
from ._fields import Field, is_unknown
from ._generated import RegistryConnectionArgs, RegistryConnectionArgsDict, RegistryConnectionBase
from ._provider import Context, StaleReplayError

__all__ = [
    "CREDENTIAL_FIELDS",
    "RegistryConnection",
    "RegistryConnectionArgs",
    "RegistryConnectionArgsDict",
    "RegistryConnectionProvider",
]

#: The credential fields each ``type`` needs (and the only ones it accepts), with their limits.
CREDENTIAL_FIELDS: dict[str, dict[str, int]] = {
    "basic": {"username": 200, "password": 500},
    "token": {"token": 2000},
    "oauth": {"client_id": 200, "client_secret": 500, "token_url": 2048},
}


class RegistryConnectionProvider(ConnectionProvider):
    """Lifecycle of ``/registry_connections``: create, list and delete only.

    * No GET by id, no update: refresh lists and filters by id, and every input change replaces the
      connection: a new name creates the new one before deleting the old one (rotation without a gap);
      with the same name, the old one is deleted first (names are unique).
    * Create answers 201 with **no body**: the provider finds its object by its natural key
      (``name``, ``registry_url``, ``type``; names are unique per workspace). The create carries a
      deterministic Idempotency-Key, so a retry after a lost response adds no row.
    * ``credentials`` are never returned: refresh keeps them from state, encrypted as secrets; a change
      made outside Pulumi to the credentials cannot be seen.
    """

    type_name = "akua:RegistryConnection"
    step_operations = operations(
        "registry", create="createCredential", read="listCredentials", update=None, delete="deleteCredential"
    )
    contract_ops = ("registry.createCredential",)
    collection = "/registry_connections"
    idempotent_create = True
    fields = connection_fields(
        Field.create_only("registry_url", str, "Registry host, e.g. 'ghcr.io'.", required=True),
        Field.create_only("type", str, "Credential type.", required=True),
        credential=(
            "credentials",
            dict,
            "basic: {username, password}; token: {token}; oauth: {client_id, client_secret, token_url}.",
        ),
        last_used="Last pull through it, Unix seconds (or None).",
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * ``credentials`` holds exactly the keys of its ``type``, each a non-empty string of at most:
          ``basic``: ``username`` 200, ``password`` 500; ``token``: ``token`` 2000; ``oauth``: ``client_id`` 200,
          ``client_secret`` 500, ``token_url`` 2048.
        """
        kind, creds = inputs.get("type"), inputs.get("credentials")
        if kind not in CREDENTIAL_FIELDS or not isinstance(creds, Mapping):
            return []
        wanted = CREDENTIAL_FIELDS[str(kind)]
        extra = sorted(set(creds) - set(wanted))
        if extra:
            return [("credentials", f"credentials of type {kind!r} take {', '.join(wanted)}; not {', '.join(extra)}")]
        missing = [k for k in wanted if creds.get(k) in (None, "")]
        if missing:
            return [("credentials", f"credentials of type {kind!r} need {', '.join(missing)}")]
        for key, limit in wanted.items():
            value = creds[key]
            if not is_unknown(value) and (not isinstance(value, str) or len(value) > limit):
                return [("credentials", f"credentials.{key} must be a string of at most {limit} characters")]
        return []

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = self.create_body(inputs)
        ctx.client.post(self.collection, json=body, idempotency_key=ctx.idempotency_key("create"))
        key = (inputs["name"], inputs["registry_url"], inputs["type"])
        found = next((c for c in self._list(ctx) if (c["name"], c["registry_url"], c["type"]) == key), None)
        if found is None:  # the key replayed a create whose connection has since been deleted
            raise StaleReplayError(f"registry connection {inputs['name']!r} is not listed after its create")
        return found

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_by_key(self._list(ctx), inputs)


class RegistryConnection(RegistryConnectionBase, module="akua", name="RegistryConnection"):
    """A pull credential for an OCI registry. ``credentials`` is a secret, write-only input."""

    provider_class = RegistryConnectionProvider

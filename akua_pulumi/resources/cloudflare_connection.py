"""``akua:CloudflareConnection``: a Cloudflare account the seller's domains route through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._akua import operations
from ._connection import ConnectionProvider, connection_fields
from ._fields import Field
from ._generated import CloudflareConnectionArgs, CloudflareConnectionArgsDict, CloudflareConnectionBase
from ._provider import AkuaResourceError, Context

__all__ = [
    "CloudflareConnection",
    "CloudflareConnectionArgs",
    "CloudflareConnectionArgsDict",
    "CloudflareConnectionProvider",
]

_ID = r"^[A-Za-z0-9_-]+$"


class CloudflareConnectionProvider(ConnectionProvider):
    """Lifecycle of ``/cloudflare_connections``: create, list and delete only.

    * No GET by id, no update: refresh lists and filters by id; every input change replaces it
      (deleting the old one first when the name stays, since names are unique).
    * Create answers 201 with **no body** and accepts **no** Idempotency-Key: the provider finds its
      object by ``name`` and ``account_id`` (names are unique per workspace). After an ambiguous
      failure (lost response, timeout, 5xx) it lists and matches *before* trying again, so a retry
      never creates a second connection; a name that exists fails with an adoption hint.
    * ``api_token`` is never returned: refresh keeps it from state, encrypted as a secret. The platform
      keeps it in a Secret of kind ``cloudflare_api`` that deleting the connection removes.
    """

    type_name = "akua:CloudflareConnection"
    step_operations = operations(
        "cloudflare", create="createCredential", read="listCredentials", update=None, delete="deleteCredential"
    )
    contract_ops = ("cloudflare.createCredential",)
    collection = "/cloudflare_connections"
    fields = connection_fields(
        Field.create_only("account_id", str, "Cloudflare account id.", required=True),
        Field.create_only("origin_zone_id", str, "Zone of the origin hostnames.", required=True),
        Field.create_only(
            "origin_hostname_suffix", str, "Suffix of the origin hostnames, e.g. 'origin.example.com'.", required=True
        ),
        credential=("api_token", str, "Cloudflare API token (secret; never returned)."),
        last_used="Last use, Unix seconds (or None).",
    )

    def _match(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        key = (inputs.get("name"), inputs.get("account_id"))
        return next((c for c in self._list(ctx) if (c["name"], c["account_id"]) == key), None)

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        ctx.client.post(self.collection, json=self.create_body(inputs))
        found = self._match(ctx, inputs)
        if found is None:
            raise AkuaResourceError(f"Cloudflare connection {inputs['name']!r} was created but is not listed")
        return found

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._match(ctx, inputs)


class CloudflareConnection(CloudflareConnectionBase, module="akua", name="CloudflareConnection"):
    """A Cloudflare connection. ``api_token`` is a secret, write-only input."""

    provider_class = CloudflareConnectionProvider

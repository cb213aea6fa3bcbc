"""What the Cloudflare and registry connections share: the API creates, lists and deletes them only.

No GET by id and no update: refresh lists and filters by id, and every input change replaces the
connection. Names are unique per workspace, so a replacement that keeps the name deletes the old
connection first (to rotate without a gap, give the new one a new name). The credential is never
returned: refresh keeps it from state, encrypted as a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..client import api_path
from ._akua import AkuaContext as Context
from ._akua import AkuaProvider
from ._fields import CONNECTION_NAME, CREATED_AT, IS_ACTIVE, Field

__all__ = ["ConnectionProvider", "connection_fields"]


def connection_fields(*own: Field, credential: tuple[str, type, str], last_used: str) -> tuple[Field, ...]:
    """A connection's fields: the name, its ``own`` fields, the ``(name, type, description)`` of its
    secret credential (required, write-only), whether it is active, when made and last used."""
    name, type_, description = credential
    secret = Field.create_only(name, type_, description, required=True, secret=True, write_only=True)
    return (CONNECTION_NAME, *own, secret, IS_ACTIVE, CREATED_AT, Field.output("last_used_at", int, last_used))


class ConnectionProvider(AkuaProvider):
    """A listed-only connection under ``collection`` (``/registry_connections``); see the module."""

    collection: ClassVar[str] = ""
    natural_key = ("name",)

    def replace_deletes_first(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        return bool(olds.get("name") == news.get("name"))

    def _list(self, ctx: Context) -> list[dict[str, Any]]:
        return list(ctx.client.paginate(self.collection))

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return next((c for c in self._list(ctx) if c["id"] == id_), None)

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        ctx.client.delete(api_path(self.collection + "/{}", id_))

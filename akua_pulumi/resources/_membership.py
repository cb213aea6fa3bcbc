"""The attachment shape: a user's role in a parent object (a workspace or an organization).

Memberships have no GET of their own and their writes return no object, so the id is
``<parent_id>/<user_id>``, reads list the parent's members and filter by user, and every write is
read back the same way. Subclasses say where the members live and which etag a write needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..client import api_path
from ._provider import AkuaProvider, Context, StaleReplayError

__all__ = ["MembershipProvider"]


class MembershipProvider(AkuaProvider):
    """Lifecycle of ``<parent>/members``, keyed by user id."""

    #: The field naming the parent (``workspace_id`` or ``organization_id``).
    parent_field: ClassVar[str]
    #: The members collection, formatted with ``parent``: ``/workspaces/{parent}/members``.
    members_path: ClassVar[str]
    natural_key = ("user_id",)
    idempotent_create = True

    def parent_etag(self, ctx: Context, parent: str) -> str | None:
        """The ``If-Match`` an add needs (None when the API takes none)."""
        return None

    def object_id(self, obj: Mapping[str, Any]) -> str:
        return f"{obj[self.parent_field]}/{obj['user_id']}"

    def _path(self, parent: str, user: str | None = None) -> str:
        base = api_path(self.members_path.format(parent="{}"), parent)
        return base if user is None else base + api_path("/{}", user)

    def _find(self, ctx: Context, parent: str, user: str) -> dict[str, Any] | None:
        for member in ctx.client.paginate(self._path(parent)):
            if member.get("user_id") == user:
                return {**member, self.parent_field: parent}
        return None

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        parent, user = inputs[self.parent_field], inputs["user_id"]
        ctx.client.post(
            self._path(parent),
            json=self.create_body(inputs),
            if_match=self.parent_etag(ctx, parent),
            idempotency_key=ctx.idempotency_key("add"),
        )
        found = self._find(ctx, parent, user)
        if found is None:  # a replayed key answered for a membership removed since
            raise StaleReplayError(f"member {user} was added but is not listed in {parent}")
        return found

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        parent, _, user = id_.partition("/")
        return self._find(ctx, parent, user)

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._find(ctx, inputs[self.parent_field], inputs["user_id"])

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        parent, _, user = id_.partition("/")
        ctx.client.patch(self._path(parent, user), json=self.update_body(inputs, changed), if_match=state.get("etag"))

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        parent, _, user = id_.partition("/")
        ctx.client.delete(self._path(parent, user), if_match=state.get("etag"))

"""What every Stripe resource shares on top of the API-agnostic lifecycle: the client, metadata links.

:class:`StripeProvider` is a :class:`~akua_pulumi.resources._provider.LifecycleProvider`: the same
check/diff/create/read/update/delete loop as the Akua resources, with the Stripe adapter plugged in
through :meth:`connect`. Each object Pulumi creates carries two metadata keys linking it back:

* ``akua_workspace_id``: the Akua workspace it bills for (``workspace_id``, default ``akua:workspace``);
* ``akua_pulumi_resource``: the resource's deterministic seed ``project/stack/Type/name``.

Adoption (``adopt=True``) and the re-run guard of customers and subscriptions find objects by those keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import pulumi.dynamic as dyn

from ..connection import default_workspace
from ..connection import set_stack_defaults as set_akua_defaults
from ..resources._context import Context, StaleReplayError
from ..resources._fields import Field, Kind, is_unknown
from ..resources._lifecycle import LifecycleProvider
from ..resources._resource import LifecycleResource
from ._client import StripeApi, api_for, set_stack_defaults

__all__ = [
    "LINK_RESOURCE",
    "LINK_WORKSPACE",
    "METADATA_FIELD",
    "StripeContext",
    "StripeProvider",
    "StripeResource",
]

#: What a Stripe hook gets: ``ctx.client`` is the :class:`~._client.StripeApi` adapter.
StripeContext = Context[StripeApi]

LINK_WORKSPACE = "akua_workspace_id"
LINK_RESOURCE = "akua_pulumi_resource"
_LINKS = (LINK_WORKSPACE, LINK_RESOURCE)

#: The Akua workspace the object bills for; recorded in the object's metadata.
WORKSPACE_LINK_FIELD = Field.create_only(
    "workspace_id",
    str,
    "Akua workspace this object belongs to (defaults to akua:workspace); kept in metadata.",
    send="never",  # it travels in the metadata links
)
#: Hidden, secret explicit Stripe connection (reserved; the stack config / environment are the defaults).
STRIPE_CONNECTION_FIELD = Field.option(
    "stripe_connection", dict, "Explicit Stripe connection (api_key, api_base), set by the Resource.", secret=True
)
#: The user's own metadata (the link keys are managed by the provider and never shown here).
METADATA_FIELD = Field.updatable(
    "metadata",
    dict,
    "Your metadata (string values); the akua_* link keys are added by the provider.",
    default={},
    send="never",  # the family merges the link keys in on create and sends removed keys as "" on update
)


class StripeProvider(LifecycleProvider[StripeApi]):
    """Lifecycle of one Stripe object type. Subclasses declare ``resource`` (the SDK service) and fields."""

    #: The SDK's v1 service (``customers``...).
    resource: ClassVar[str] = ""
    #: Destroy archives (``active=false``) instead of deleting: Stripe keeps products and prices.
    archive_on_delete: ClassVar[bool] = False
    connection_field = STRIPE_CONNECTION_FIELD
    idempotent_create = True
    #: Stripe clears a field sent as ``""`` (and shows an unset one as ``""``).
    clear_value = ""
    #: Stripe's objects echo the request shapes (``recurring.interval``...).
    read_by_wire = True

    @classmethod
    def scope_fields(cls) -> tuple[Field, ...]:
        return (WORKSPACE_LINK_FIELD,)

    def configure(self, req: dyn.ConfigureRequest) -> None:
        set_stack_defaults(req.config)
        set_akua_defaults(req.config)

    def connect(self, connection: Any, inputs: Mapping[str, Any]) -> StripeApi:
        return api_for(connection if isinstance(connection, Mapping) else None)

    def default_for(self, f: Field, news: Mapping[str, Any]) -> tuple[Any, str | None]:
        if f.name != "workspace_id":
            return super().default_for(f, news)
        ws = default_workspace()
        if ws is None:
            return (
                None,
                "workspace_id is required: pass workspace_id= or run `pulumi config set akua:workspace <ws_id>`",
            )
        return ws, None

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * ``metadata`` values are strings, and its keys are not the provider's links
          (``akua_workspace_id`` and ``akua_pulumi_resource``).
        """
        metadata = inputs.get("metadata")
        if isinstance(metadata, Mapping) and not is_unknown(metadata):
            for key, value in metadata.items():
                if key in _LINKS:
                    return [("metadata", f"metadata key {key!r} is managed by the provider")]
                if not isinstance(value, str):
                    return [("metadata", f"metadata[{key!r}] must be a string, got {type(value).__name__}")]
        return []

    # ---- the wire: declared bodies plus the metadata links ----

    def create_body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in super().create_body(inputs).items() if v != ""}  # "" means unset
        return {**body, "metadata": self.create_metadata(inputs)}

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        seen = {k: None if v == "" else v for k, v in super().project(obj).items()}
        return {**seen, **self.project_links(obj)}

    # ---- metadata links ----

    @staticmethod
    def links(inputs: Mapping[str, Any]) -> dict[str, str]:
        return {
            LINK_WORKSPACE: str(inputs.get("workspace_id") or ""),
            LINK_RESOURCE: str(inputs.get("akua_seed") or ""),
        }

    def create_metadata(self, inputs: Mapping[str, Any]) -> dict[str, str]:
        return {**dict(inputs.get("metadata") or {}), **self.links(inputs)}

    @staticmethod
    def metadata_update(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, str]:
        """Stripe merges metadata: send the new values and ``""`` for every removed key."""
        new = dict(new or {})
        return {**{k: "" for k in (old or {}) if k not in new and k not in _LINKS}, **new}

    @staticmethod
    def project_links(obj: Mapping[str, Any]) -> dict[str, Any]:
        metadata = dict(obj.get("metadata") or {})
        out: dict[str, Any] = {"metadata": {k: v for k, v in metadata.items() if k not in _LINKS}}
        if metadata.get(LINK_WORKSPACE):  # an object Pulumi did not create has no link (yet)
            out["workspace_id"] = metadata[LINK_WORKSPACE]
        return out

    def linked(self, objs: Iterable[Mapping[str, Any]], inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first object whose link metadata names this resource and whose create-only fields match
        the inputs (the object being replaced carries the same link, but other create-only values)."""
        seed = inputs.get("akua_seed")
        fixed = [f.name for f in self.all_fields() if f.kind is Kind.CREATE_ONLY]
        for obj in objs:
            if not seed or (obj.get("metadata") or {}).get(LINK_RESOURCE) != seed:
                continue
            seen = self.project(obj)
            if all(seen.get(n) == inputs.get(n) for n in fixed if n in seen and inputs.get(n) is not None):
                return dict(obj)
        return None

    # ---- shared hook pieces ----

    def create_object(self, ctx: StripeContext, params: Mapping[str, Any]) -> dict[str, Any]:
        """POST with the deterministic key; a replay naming an object that is gone spends the key."""
        api: StripeApi = ctx.client
        obj = api.create(self.resource, params, idempotency_key=ctx.idempotency_key("create"))
        if obj.pop("_replayed", False):
            live = self._read_or_none(ctx, str(obj["id"]), ctx.inputs)
            if live is None:
                raise StaleReplayError(f"{self.type_name} {obj['id']} replayed by the key no longer exists")
            return live
        return obj

    def api_create(self, ctx: StripeContext, inputs: dict[str, Any]) -> dict[str, Any]:
        """Create the object from the declared create body (with the links), under the deterministic key."""
        return self.create_object(ctx, self.create_body(inputs))

    def enrich(self, ctx: StripeContext, obj: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """After create or adopt: an adopted object gets its link metadata."""
        want = self.links(inputs)
        have = obj.get("metadata") or {}
        if any(have.get(k) != v for k, v in want.items()):
            obj = ctx.client.update(self.resource, self.object_id(obj), {"metadata": want})
            obj.pop("_replayed", None)
        return obj

    def api_update(
        self, ctx: StripeContext, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        params = self.update_body(inputs, changed)
        if "metadata" in changed:
            params["metadata"] = self.metadata_update(state.get("metadata"), inputs.get("metadata"))
        if params:
            ctx.client.update(self.resource, id_, params)

    def api_delete(self, ctx: StripeContext, id_: str, state: Mapping[str, Any]) -> None:
        if self.archive_on_delete:
            ctx.client.update(self.resource, id_, {"active": False})
        else:
            ctx.client.delete(self.resource, id_)

    def gone(self, obj: Mapping[str, Any]) -> bool:
        """The object no longer counts as existing; by default it is archived (``active`` false)."""
        return not obj.get("active")

    def api_read(self, ctx: StripeContext, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        obj = self.retrieve(ctx, id_)
        return None if self.gone(obj) else obj

    def find_live(
        self, ctx: StripeContext, inputs: Mapping[str, Any], params: Mapping[str, Any], adoptable: Callable[[Any], bool]
    ) -> dict[str, Any] | None:
        """Among the live objects listed with ``params``: the one linked to this resource, else (with
        ``adopt``) the first ``adoptable`` one."""
        live = [obj for obj in ctx.client.list(self.resource, params) if not self.gone(obj)]
        found = self.linked(live, inputs)
        if found is None and inputs.get("adopt"):
            found = next((dict(obj) for obj in live if adoptable(obj)), None)
        return found

    def retrieve(self, ctx: StripeContext, id_: str) -> dict[str, Any]:
        obj = ctx.client.retrieve(self.resource, id_)
        obj.pop("_replayed", None)
        return dict(obj)


class StripeResource(LifecycleResource):
    """Base of the Stripe resource classes (the connection comes from stack config or the environment)."""

"""The Akua family on the generic lifecycle: the Akua client per connection, workspace scoping (the
``workspace_id`` field and the ``akua-context`` header) and the contract as the source of constraints."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi.dynamic as dyn

from ..client import api_path
from ..connection import CONNECTION_PROPERTY, Connection, client_for, default_workspace, set_stack_defaults
from ..contract import contract
from . import _preflight
from ._budgets import CALL_BUDGETS
from ._context import Context
from ._fields import Field, is_unknown, operation_timeout
from ._lifecycle import LifecycleProvider

if TYPE_CHECKING:
    from ..client import AkuaClient

    #: What an Akua hook gets: ``ctx.client`` is the workspace-bound :class:`~akua_pulumi.client.AkuaClient`.
    AkuaContext = Context[AkuaClient]
else:
    AkuaContext = Context

__all__ = ["WORKSPACE_FIELD", "AkuaContext", "AkuaProvider", "RestProvider", "SuspendableProvider", "operations"]

#: The workspace a scoped resource lives in; defaults to the ``akua:workspace`` provider config.
WORKSPACE_FIELD = Field.create_only(
    "workspace_id",
    str,
    "Workspace that owns the object (defaults to akua:workspace).",
    max_length=53,
    ours=True,
    send="never",  # sent as the akua-context header, not in bodies
)

Steps = tuple[str, ...] | str | None


def operations(
    family: str,
    *,
    create: Steps = "create",
    read: Steps = "get",
    update: Steps = "update",
    delete: Steps = "delete",
    **more: Steps,
) -> dict[str, tuple[str, ...]]:
    """A provider's ``step_operations`` from the contract's operationIds within ``family``
    (``operations("products", delete="archive")``): each step names one operation or a tuple of them,
    ``()`` when the step calls nothing, ``None`` when the resource has no such step."""
    steps = {"create": create, "read": read, "update": update, **more, "delete": delete}
    return {
        step: tuple(f"{family}.{op}" for op in ((ops,) if isinstance(ops, str) else ops))
        for step, ops in steps.items()
        if ops is not None
    }


class AkuaProvider(LifecycleProvider["AkuaClient"]):
    """The lifecycle for an Akua object: the Akua client per connection, and workspace scoping."""

    #: Scoped to a workspace: adds ``workspace_id`` and sends ``akua-context``.
    workspace_scoped: ClassVar[bool] = True
    #: Contract operations (``workspaces.create``...) whose request bodies state the fields' constraints,
    #: searched in order by each field's wire name.
    contract_ops: ClassVar[tuple[str, ...]] = ()
    #: The operationIds each step calls (``create``, ``read``, ``update``, ``delete``...): the role each
    #: step needs (docs/resources/, from akua_pulumi.roles) and what the opt-in preflight asks about.
    step_operations: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: The key of the API object that holds its id (a singleton under a parent: the parent's id key).
    id_key: ClassVar[str] = "id"
    #: What to do when the API refuses a delete (409), said after the API's message.
    delete_conflict_advice: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type_name" in cls.__dict__ and "call_budget" not in cls.__dict__:
            cls.call_budget = CALL_BUDGETS.get(cls.type_name, {})  # the one table (none: {})

    @classmethod
    def scope_fields(cls) -> tuple[Field, ...]:
        return (WORKSPACE_FIELD,) if cls.workspace_scoped else ()

    @classmethod
    def property_schema(cls, f: Field) -> Mapping[str, Any] | None:
        return contract().request_property(cls.contract_ops, f.wire_path)

    def configure(self, req: dyn.ConfigureRequest) -> None:
        set_stack_defaults(req.config)
        _preflight.configure(req.config)
        # The engine sends a command's first calls at once (4 threads): resolve the fields (and load the
        # contract) here, once per provider class under the SDK's provider lock, not in each thread.
        type(self).all_fields()

    def connect(self, connection: Any, inputs: Mapping[str, Any]) -> AkuaClient:
        client = client_for(Connection.from_property(connection))
        ws = self.workspace_of(inputs)
        client = client.for_workspace(ws) if ws is not None else client
        # A server may echo a value it rejects: errors scrub every declared secret this call carries (the
        # connection's secret is its token, the client's own, always scrubbed; its URL and workspace are not).
        secret = [inputs.get(f.name) for f in self.all_fields() if f.secret and f is not self.connection_field]
        return client.with_secrets(*secret)

    def object_id(self, obj: Mapping[str, Any]) -> str:
        return str(obj[self.id_key])

    def delete_conflict_hint(self, error: Any) -> str:
        if not self.delete_conflict_advice:
            return super().delete_conflict_hint(error)
        return f"{error.message}. {self.delete_conflict_advice}"

    def gone(self, obj: Mapping[str, Any]) -> bool:
        """The API still shows ``obj`` but it counts as gone (archived, deleted...): a read answers None
        (:class:`RestProvider`) and :meth:`find_by_key` passes it over. Default: never."""
        return False

    def find_by_key(
        self, objs: Iterable[dict[str, Any]], inputs: Mapping[str, Any], live: Callable[[Any], bool] | None = None
    ) -> dict[str, Any] | None:
        """The first of ``objs`` not :meth:`gone` whose ``natural_key`` fields equal those of ``inputs`` (and
        that ``live`` accepts): the object an ``api_find`` adopts or recovers."""
        key = [(name, inputs.get(name)) for name in self.natural_key]
        return next(
            (
                o
                for o in objs
                if all(o.get(name) == value for name, value in key) and not self.gone(o) and (live is None or live(o))
            ),
            None,
        )

    def patch_changed(
        self, ctx: AkuaContext, path: str, etag: str, inputs: Mapping[str, Any], changed: set[str]
    ) -> Any:
        """PATCH ``path`` (If-Match ``etag``) with the update body of the ``changed`` fields when it has
        any (a field an action sets is in no body): the API's answer, or None when nothing was sent."""
        body = self.update_body(inputs, changed)
        return ctx.client.patch(path, json=body, if_match=etag) if body else None

    def workspace_of(self, inputs: Mapping[str, Any]) -> str | None:
        return inputs.get("workspace_id") if self.workspace_scoped else None

    def default_for(self, f: Field, news: Mapping[str, Any]) -> tuple[Any, str | None]:
        if f.name != "workspace_id" or not self.workspace_scoped:
            return super().default_for(f, news)
        connection = news.get(CONNECTION_PROPERTY)
        if is_unknown(connection):
            return connection, None  # the connection's workspace is not known yet (preview)
        ws = default_workspace(Connection.from_property(connection))
        if ws is None:
            return None, (
                "workspace_id is required: pass workspace_id= or run `pulumi config set akua:workspace <ws_id>`"
            )
        return ws, None


class RestProvider(AkuaProvider):
    """An object at ``{collection}/{id}``: GET reads it, PATCH with the declared update body and
    If-Match updates it, DELETE with If-Match deletes it (with an Idempotency-Key when
    ``delete_idempotency``, waiting for the operation it answers when ``delete_waits``, as long as
    ``timeout_seconds``). A resource overrides only the steps its API does differently."""

    collection: ClassVar[str] = ""
    delete_waits: ClassVar[bool] = False
    delete_idempotency: ClassVar[bool] = False

    def object_path(self, id_: str) -> str:
        return api_path(self.collection + "/{}", id_)

    def create_and_read(self, ctx: AkuaContext, body: Mapping[str, Any], id_key: str = "id") -> dict[str, Any]:
        """POST ``body`` to the collection (with the deterministic Idempotency-Key when ``idempotent_create``)
        and read the object back by the ``id_key`` of the answer: a replayed key may name an object
        deleted since, and the 404 of that read makes the lifecycle use the next key."""
        key = ctx.idempotency_key("create") if self.idempotent_create else None
        created = ctx.client.post(self.collection, json=body, idempotency_key=key)
        return dict(ctx.client.get(self.object_path(created[id_key])))

    def api_read(self, ctx: AkuaContext, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        obj = dict(ctx.client.get(self.object_path(id_)))
        return None if self.gone(obj) else obj

    def api_update(
        self, ctx: AkuaContext, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        ctx.client.patch(self.object_path(id_), json=self.update_body(inputs, changed), if_match=state["etag"])

    def api_delete(self, ctx: AkuaContext, id_: str, state: Mapping[str, Any]) -> None:
        etag = state["etag"]
        key = ctx.idempotency_key(f"delete:{etag}") if self.delete_idempotency else None
        op = ctx.client.delete(self.object_path(id_), if_match=etag, idempotency_key=key)
        if op and self.delete_waits:
            ctx.client.wait_operation(op, timeout=operation_timeout(state))


class SuspendableProvider(RestProvider):
    """A :class:`RestProvider` whose ``suspended`` field (``_fields.suspended``) maps onto the async
    ``:suspend`` / ``:resume`` actions (If-Match, Idempotency-Key), after the PATCH of the other fields."""

    def suspend_body(self, suspended: bool) -> dict[str, Any] | None:
        """The body of the ``:suspend`` / ``:resume`` call (none by default)."""
        return None

    def set_suspended(
        self, ctx: AkuaContext, obj: Mapping[str, Any], suspended: bool, values: Mapping[str, Any]
    ) -> None:
        """Suspend or resume ``obj`` (its ``id`` and ``etag``) and wait, as long as ``values`` allow."""
        action = "suspend" if suspended else "resume"
        op = ctx.client.post(
            self.object_path(obj["id"]) + f":{action}",
            json=self.suspend_body(suspended),
            if_match=obj["etag"],
            idempotency_key=ctx.idempotency_key(f"{action}:{obj['etag']}"),
        )
        ctx.client.wait_operation(op, timeout=operation_timeout(values))

    def created_suspended(self, ctx: AkuaContext, obj: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """``obj`` just created, suspended and read again when ``inputs`` ask for it."""
        if not inputs.get("suspended"):
            return obj
        self.set_suspended(ctx, obj, True, inputs)
        return dict(ctx.client.get(self.object_path(obj["id"])))

    def api_update(
        self, ctx: AkuaContext, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        patched = self.patch_changed(ctx, self.object_path(id_), state["etag"], inputs, changed)
        etag = patched["etag"] if patched is not None else state["etag"]
        if "suspended" in changed and inputs.get("suspended") is not None:
            self.set_suspended(ctx, {"id": id_, "etag": etag}, bool(inputs["suspended"]), inputs)

"""The lifecycle's declared side: fields, hooks, request bodies, check, diff and read.

:class:`LifecycleBase` is typed over its API family's client (``Context[ClientT]``): a family binds it
(``AkuaProvider(LifecycleProvider["AkuaClient"])``), so every hook's HTTP call is type-checked. The
writing steps (create, update, delete) are in :mod:`._lifecycle`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Generic

import pulumi.dynamic as dyn

from ..errors import AkuaError, EtagMismatch, NotFound
from . import _preflight, _wire
from ._budgets import CallBudget
from ._context import CONNECTION_FIELD, OPTION_FIELDS, SEED_FIELD, AkuaResourceError, ClientT, Context
from ._fields import Field, Kind, is_unknown

__all__ = ["LifecycleBase"]


class LifecycleBase(dyn.ResourceProvider, Generic[ClientT]):
    """The API-agnostic lifecycle's declared shape, hooks, check, diff and read (the writing steps are
    :class:`~._lifecycle.LifecycleProvider`'s). Typed over the family's client."""

    #: The Pulumi type name (``akua:Workspace``) used in messages.
    type_name: ClassVar[str] = "Resource"
    #: The resource's own fields; the base adds adoption options, the seed and the connection.
    fields: ClassVar[tuple[Field, ...]] = ()
    #: The hidden secret property carrying an explicit connection (a dict), or None for the defaults.
    connection_field: ClassVar[Field] = CONNECTION_FIELD
    _resolved_fields: ClassVar[tuple[Field, ...]]
    #: Natural key fields used for adoption by key and for conflict messages (empty: adopt by id only).
    natural_key: ClassVar[tuple[str, ...]] = ()
    #: The API accepts an Idempotency-Key on create, so the client may retry it safely.
    idempotent_create: ClassVar[bool] = False
    #: The API does not enforce uniqueness of the natural key: look it up before creating.
    precheck_natural_key: ClassVar[bool] = False
    #: When the natural key already exists, adopt it instead of failing (objects the API cannot delete).
    adopt_on_conflict: ClassVar[bool] = False
    #: API calls per step ("create", "refresh", "update", "delete"), asserted by the resource tests
    #: against akua-local's counters and rendered into docs/resources/.
    call_budget: ClassVar[Mapping[str, CallBudget]] = {}
    #: Delete the old object before creating its replacement (API-enforced uniqueness, e.g. slug).
    delete_before_replace: ClassVar[bool] = False
    #: What an update sends for a removed value (Akua: JSON null clears it); a field's ``cleared`` wins.
    clear_value: ClassVar[Any] = None
    #: The object's etag also moves when other resources write its children (a dashboard's widgets): an
    #: update refused for a stale etag is retried with the live one when none of its own fields changed.
    etag_moves_with_children: ClassVar[bool] = False
    #: ``project`` reads each field from its wire path (an API that echoes its request shapes).
    read_by_wire: ClassVar[bool] = False
    #: ``project`` reads a field the object omits as None (an API that omits cleared values).
    absent_is_none: ClassVar[bool] = False
    #: The provider pickles by reference with no instance state.
    serialize_as_secret_always = False

    # ---- declared shape ----

    @classmethod
    def scope_fields(cls) -> tuple[Field, ...]:
        """Fields the API family adds in front of the resource's own (Akua: ``workspace_id``)."""
        return ()

    @classmethod
    def property_schema(cls, f: Field) -> Mapping[str, Any] | None:
        """The API's request schema for ``f`` (by wire name), the source of its constraints; None: silent."""
        return None

    @classmethod
    def declared_fields(cls) -> tuple[Field, ...]:
        """Every field as declared (hand-written constraints only)."""
        return (*cls.scope_fields(), *cls.fields, *OPTION_FIELDS, SEED_FIELD, cls.connection_field)

    @classmethod
    def declaration_problems(cls) -> list[str]:
        """Hand-written constraints that copy the contract, or lack ``ours=True`` where it is silent."""
        return [
            problem
            for f in cls.declared_fields()
            for problem in f.declaration_problems(cls.property_schema(f) if f.is_input else None, cls.type_name)
        ]

    @classmethod
    def all_fields(cls) -> tuple[Field, ...]:
        """Every field, constraints resolved from the API's schema (computed once per class)."""
        cached: tuple[Field, ...] | None = cls.__dict__.get("_resolved_fields")
        if cached is None:
            cached = tuple(
                f.with_contract(cls.property_schema(f) if f.is_input else None) for f in cls.declared_fields()
            )
            cls._resolved_fields = cached
        return cached

    @classmethod
    def field_map(cls) -> dict[str, Field]:
        return {f.name: f for f in cls.all_fields()}

    @classmethod
    def secret_outputs(cls) -> list[str]:
        return [f.name for f in cls.all_fields() if f.secret]

    # ---- connection hooks (the API family overrides) ----

    def connect(self, connection: Any, inputs: Mapping[str, Any]) -> ClientT:
        """The client for one call: ``connection`` is the explicit connection property (None: defaults)."""
        raise NotImplementedError

    def default_for(self, f: Field, news: Mapping[str, Any]) -> tuple[Any, str | None]:
        """The value ``check`` uses when the program omits ``f``, or a reason it cannot be omitted."""
        return f.default, None

    # ---- hooks (override) ----

    def api_create(self, ctx: Context[ClientT], inputs: dict[str, Any]) -> dict[str, Any]:
        """Create the object and return it as the API shows it (waiting as needed)."""
        raise NotImplementedError

    def api_read(self, ctx: Context[ClientT], id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        """Return the object, or None when it no longer exists (404 also means gone)."""
        raise NotImplementedError

    def api_update(
        self, ctx: Context[ClientT], id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        """Apply the ``changed`` updatable fields in place. The base reads back afterwards."""
        raise AkuaResourceError(f"{self.type_name} cannot be updated in place")

    def api_delete(self, ctx: Context[ClientT], id_: str, state: Mapping[str, Any]) -> None:
        """Delete the object and wait until it is gone."""
        raise NotImplementedError

    def api_find(self, ctx: Context[ClientT], inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """Find an existing object by its natural key (for adoption and conflict messages)."""
        return None

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Map an API object onto field names, each from its declared ``read`` path (default: the same-named
        top-level key; the wire path with ``read_by_wire``), decoded as declared."""
        return _wire.project(self.all_fields(), obj, self.read_by_wire, self.absent_is_none)

    # ---- request bodies, from the declarations ----

    def create_body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The create request: each field sent on create that has a value, in its wire shape."""
        return _wire.create_body(self.all_fields(), inputs)

    def sent_after_create(self, inputs: Mapping[str, Any]) -> set[str]:
        """The fields ``inputs`` sets that only an update sends (``send="update"``): a create follows up
        with ``update_body(inputs, sent_after_create(inputs))``."""
        return {f.name for f in self.all_fields() if f.sent_on == {"update"} and inputs.get(f.name) is not None}

    def update_body(self, inputs: Mapping[str, Any], changed: set[str]) -> dict[str, Any]:
        """The update request for the ``changed`` fields sent on update (removed ones cleared)."""
        return _wire.update_body(self.all_fields(), inputs, changed, self.clear_value)

    def object_id(self, obj: Mapping[str, Any]) -> str:
        return str(obj["id"])

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Cross-field rules (mutually exclusive fields...): ``[(property, reason)]``."""
        return []

    def delete_conflict_hint(self, error: Any) -> str:
        """What the user must remove first when the API refuses a delete (a :class:`Conflict`)."""
        return str(getattr(error, "reason", error))

    # ---- plumbing ----

    def _context(self, inputs: Mapping[str, Any]) -> Context[ClientT]:
        client = self.connect(inputs.get(self.connection_field.name), inputs)
        return Context(client=client, seed=str(inputs.get("akua_seed") or ""), inputs=inputs)

    def _label(self, props: Mapping[str, Any], id_: str | None = None) -> str:
        name = props.get("name") or props.get("user_id") or props.get("email") or id_ or ""
        return f"{self.type_name} {name!s}".strip()

    @contextmanager
    def _errors(self, action: str, props: Mapping[str, Any], id_: str | None = None) -> Iterator[None]:
        """Turn client errors into one short message naming the resource and the action."""
        try:
            yield
        except AkuaResourceError:
            raise
        except EtagMismatch as exc:
            raise AkuaResourceError(
                f"{self._label(props, id_)}: {action} refused because the object changed outside Pulumi "
                f"(etag now {exc.current_etag!r}). Run `pulumi refresh` to pick up the change, then `pulumi up`."
            ) from None
        except AkuaError as exc:
            raise AkuaResourceError(f"{self._label(props, id_)}: {action} failed: {exc}") from None

    # ---- check ----

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        inputs: dict[str, Any] = {}
        failures: list[dyn.CheckFailure] = []
        fields = self.field_map()
        for name, f in fields.items():
            if f.kind is Kind.OUTPUT:
                continue
            value = f.normalized(news.get(name))
            if value is None:
                value, missing = self.default_for(f, news)
                if missing:
                    failures.append(dyn.CheckFailure(name, missing))
                    continue
            problem = f.validate(value)
            if problem:
                failures.append(dyn.CheckFailure(name, problem))
            inputs[name] = value
        unknown = sorted(set(news) - set(fields) - {"__provider"} - {f.name for f in self.fields})
        for name in unknown:
            if news.get(name) is not None and name not in fields:
                failures.append(dyn.CheckFailure(name, f"{self.type_name} has no property {name!r}"))
        if not failures:
            for prop, reason in self.validate(inputs):
                failures.append(dyn.CheckFailure(prop, reason))
        if not failures and not olds:
            # Opt-in (akua:preflight): may the token create it? (A refusal is a check failure.)
            failures += [dyn.CheckFailure("", reason) for reason in _preflight.before_create(self, inputs)]
        # Output-only keys are kept as None so the Resource exposes them as attributes.
        for f in fields.values():
            if f.kind is Kind.OUTPUT:
                inputs.setdefault(f.name, None)
        return dyn.CheckResult(inputs, failures)

    # ---- diff ----

    def changed_fields(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[Field]:
        out = []
        for f in self.all_fields():
            if not f.diffable:
                continue
            new, old = news.get(f.name), olds.get(f.name)
            if is_unknown(new):
                out.append(f)
            elif new is None and (f.server_default or old is None):
                continue
            elif new != old:
                out.append(f)
        return out

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        changed = self.changed_fields(olds, news)
        replaces = [f.name for f in changed if self.replaces(f, olds, news)]
        worn = None if replaces else self.worn_out(olds)
        if worn is not None:
            replaces = [worn]
        if changed or replaces:
            _preflight.before_change(self, _id, olds, news, bool(replaces))  # opt-in (akua:preflight)
        return dyn.DiffResult(
            changes=bool(changed or replaces),
            replaces=replaces,
            delete_before_replace=self.replace_deletes_first(olds, news) if replaces else None,
        )

    def worn_out(self, olds: Mapping[str, Any]) -> str | None:
        """The state property showing that the object must be replaced although no input changed (it
        has stopped working, e.g. an expired credential), or None. Known from state: no API call."""
        return None

    def replaces(self, f: Field, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """Whether the change of ``f`` replaces: create-only fields, and ``replace_if`` when it holds."""
        if f.kind is Kind.CREATE_ONLY:
            return True
        new = news.get(f.name)
        return f.replace_if is not None and not is_unknown(new) and f.replace_if(olds.get(f.name), new)

    def replace_deletes_first(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """Whether a replacement must delete the old object first (the new one would clash with it)."""
        return self.delete_before_replace

    # ---- read ----

    def _read_or_none(self, ctx: Context[ClientT], id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            return self.api_read(ctx, id_, state)
        except NotFound:
            return None

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        # ``Type.get(name, id)`` of a child without its parent's id: the read has no path to ask.
        for f in self.all_fields():
            if f.is_path_id and not props.get(f.name):
                raise AkuaResourceError(
                    f"{self.type_name} {id_}: {f.name} is required to read it (it lives under that parent): "
                    f"pass {f.name}=... to .get"
                )
        ctx = self._context(props)
        with self._errors("refresh", props, id_):
            obj = self._read_or_none(ctx, id_, props)
        if obj is None:
            return dyn.ReadResult(None, {})
        outs = self._outputs(self._inputs(props), obj, props)
        inputs = {f.name: outs.get(f.name) for f in self.all_fields() if f.is_input and props.get(f.name) is not None}
        return dyn.ReadResult(id_, outs, inputs)

    # ---- helpers ----

    def _inputs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        # The engine hands numbers over as floats (1500.0): coerce back to the declared type.
        return {f.name: f.coerce(props.get(f.name)) for f in self.all_fields() if f.is_input}

    def _outputs(self, inputs: Mapping[str, Any], obj: Mapping[str, Any], prior: Mapping[str, Any]) -> dict[str, Any]:
        """All inputs plus the computed outputs; write-only fields keep the declared/stored value."""
        seen = self.project(obj)
        outs: dict[str, Any] = dict(inputs)
        for f in self.all_fields():
            if f.kind is Kind.OPTION:
                outs[f.name] = inputs.get(f.name) if inputs.get(f.name) is not None else prior.get(f.name)
            elif f.write_only and f.name not in seen:
                # The API never shows it again (show-once token, write-only input): keep what we know.
                outs[f.name] = inputs.get(f.name) if inputs.get(f.name) is not None else prior.get(f.name)
            elif f.name in seen:
                outs[f.name] = seen[f.name]
            elif f.kind is Kind.OUTPUT:
                outs[f.name] = prior.get(f.name)
        return outs

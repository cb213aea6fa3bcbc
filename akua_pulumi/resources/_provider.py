"""The one CRUD loop every resource shares, whatever API it talks to.

:class:`LifecycleProvider` knows nothing about Akua: it gets its client from :meth:`~LifecycleProvider.connect`
(given the resource's explicit connection, or None for the defaults) and reacts to the error
*categories* of :mod:`akua_pulumi.errors` that any client adapter raises. :class:`AkuaProvider` adds
the Akua specifics: the Akua client per connection, workspace scoping (``workspace_id`` and the
``akua-context`` header). ``akua_pulumi.stripe`` builds on the same base.

A resource module subclasses :class:`AkuaProvider`, lists its :class:`~._fields.Field` s and
implements the few API hooks that make it different (``api_create``, ``api_read``, ``api_update``,
``api_delete``, ``api_find``). Everything else lives here, once, with the reason for each rule:

* ``check`` validates every input against the contract before any API call, so bad input fails at
  ``pulumi preview`` with the property named.
* ``diff`` compares prior outputs with new inputs; create-only fields replace, server defaults and
  outputs never diff.
* ``create`` adopts (by id or natural key) or creates with a deterministic idempotency key, waits,
  and reads back; ambiguous failures of key-less creates are recovered by looking the object up, and
  a stale etag on a write inside the create right after its own lost response converges the object
  found (as an adoption would).
* ``read`` projects the server's truth onto the declared inputs, so drift shows in the next diff.
* ``update`` sends ``If-Match`` with the stored etag and reads back after writing. A stale etag right
  after its own lost response is recovered, not reported as an outside change (``_update_recovering``).
* ``delete`` is idempotent: gone (404), already deleted, or already being deleted (wait, bounded) are
  success; a stale etag or an unknown outcome (a lost answer the client does not retry) re-reads and
  deletes again only when the object is still there; other refusals are explained.

Provider instances hold no state (they are pickled into every resource's state by reference); the
client comes from :meth:`LifecycleProvider.connect`, for Akua the one client cache of
:func:`akua_pulumi.connection.client_for`, keyed by connection.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pulumi.dynamic as dyn

from ..connection import CONNECTION_PROPERTY, Connection, client_for, default_workspace, set_stack_defaults
from ..errors import UNKNOWN_OUTCOME, AkuaError, Conflict, EtagMismatch, NotFound, OperationFailed
from . import _diagnostics, _preflight, _wire  # noqa: F401  (_diagnostics: one short message per provider error)
from ._fields import Field, Kind, is_unknown

if TYPE_CHECKING:
    from ..client import AkuaClient

__all__ = [
    "CONNECTION_FIELD",
    "OPTION_FIELDS",
    "SEED_FIELD",
    "WORKSPACE_FIELD",
    "AkuaProvider",
    "AkuaResourceError",
    "CallBudget",
    "Context",
    "LifecycleProvider",
    "StaleReplayError",
]

log = logging.getLogger("akua_pulumi.resources")

T = TypeVar("T")

#: Fields every resource accepts: adopt an existing object instead of creating one.
OPTION_FIELDS: tuple[Field, ...] = (
    Field.option("adopt", bool, "Take over an existing object found by its natural key instead of creating one."),
    Field.option("adopt_id", str, "Take over the existing object with this id instead of creating one."),
)
#: Hidden per-resource seed (project/stack/type/name) for deterministic idempotency keys.
SEED_FIELD = Field.option("akua_seed", str, "Seed for deterministic idempotency keys (set by the Resource).")
#: The workspace a scoped resource lives in; defaults to the ``akua:workspace`` provider config.
WORKSPACE_FIELD = Field.create_only(
    "workspace_id",
    str,
    "Workspace that owns the object (defaults to akua:workspace).",
    max_length=53,
    ours=True,
    send="never",  # sent as the akua-context header, not in bodies
)
#: Hidden explicit connection (``opts=ResourceOptions(provider=akua_pulumi.Provider(...))``), a secret.
CONNECTION_FIELD = Field.option(
    CONNECTION_PROPERTY, dict, "Explicit connection (API URL, token, workspace) set by the Resource.", secret=True
)


class AkuaResourceError(AkuaError):
    """A lifecycle step failed; the message says what happened and what to do."""


class _AdoptInstead(Exception):
    def __init__(self, obj: dict[str, Any]) -> None:
        self.obj = obj


class StaleReplayError(NotFound):
    """A create answered from an idempotency record, but the object it made is gone."""


@dataclass(frozen=True)
class CallBudget:
    """API requests one lifecycle step makes, as measured by akua-local's counters in our tests."""

    reads: int
    writes: int
    note: str = ""


@dataclass(frozen=True)
class Context:
    """What a hook needs for one call: a client (for Akua: bound to the workspace) and a key seed."""

    client: Any
    seed: str
    inputs: Mapping[str, Any]
    #: Bumped when a replayed key answered with an object that no longer exists (see _create_new).
    attempt: int = 0

    def idempotency_key(self, purpose: str) -> str:
        """Deterministic key: the same resource, inputs, purpose and attempt always give the same key.

        A retried create (by the client, or by a re-run after an interrupted one) therefore replays
        instead of duplicating. Only writes that are not idempotent by themselves (POSTs) need one.
        """
        canonical = json.dumps(
            {k: v for k, v in self.inputs.items() if k not in _NOT_KEYED},
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(f"{self.seed}\0{purpose}\0{canonical}\0{self.attempt}".encode()).hexdigest()
        return f"akp-{digest[:48]}"


#: Live states meaning a deletion is under way / complete (soft-deleted objects stay readable).
_DELETING = frozenset({"deleting", "deletion_pending", "pending_deletion"})
_DELETED = frozenset({"deleted", "destroyed"})
#: Delete failures after which the lifecycle re-reads and (when the object is still there) deletes again.
_DELETE_AGAIN: tuple[type[AkuaError], ...] = (EtagMismatch, *UNKNOWN_OUTCOME)

#: Inputs that never change an idempotency key: options of the provider, not of the object.
_NOT_KEYED = frozenset({"adopt", "adopt_id", "akua_seed", CONNECTION_PROPERTY})


# -- the lifecycle -----------------------------------------------------------------------------------


class LifecycleProvider(dyn.ResourceProvider):
    """The API-agnostic lifecycle. Subclasses declare fields and hooks, and say how to connect."""

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
    #: ``project`` reads each field from its wire path (an API that echoes its request shapes).
    read_by_wire: ClassVar[bool] = False
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

    def connect(self, connection: Any, inputs: Mapping[str, Any]) -> Any:
        """The client for one call: ``connection`` is the explicit connection property (None: defaults)."""
        raise NotImplementedError

    def default_for(self, f: Field, news: Mapping[str, Any]) -> tuple[Any, str | None]:
        """The value ``check`` uses when the program omits ``f``, or a reason it cannot be omitted."""
        return f.default, None

    # ---- hooks (override) ----

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        """Create the object and return it as the API shows it (waiting as needed)."""
        raise NotImplementedError

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        """Return the object, or None when it no longer exists (404 also means gone)."""
        raise NotImplementedError

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        """Apply the ``changed`` updatable fields in place. The base reads back afterwards."""
        raise AkuaResourceError(f"{self.type_name} cannot be updated in place")

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        """Delete the object and wait until it is gone."""
        raise NotImplementedError

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """Find an existing object by its natural key (for adoption and conflict messages)."""
        return None

    def project(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Map an API object onto field names. Default: same-named top-level keys (``read_by_wire``:
        each field's wire path)."""
        if not self.read_by_wire:
            return {name: obj[name] for name in self.field_map() if name in obj}
        out: dict[str, Any] = {}
        for f in self.all_fields():
            found, value = _wire.read(obj, f.wire_path)
            if found and f.encode is None:
                out[f.name] = value
        return out

    # ---- request bodies, from the declarations ----

    def create_body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The create request: each field sent on create that has a value, in its wire shape."""
        return _wire.create_body(self.all_fields(), inputs)

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

    def _context(self, inputs: Mapping[str, Any]) -> Context:
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
        if changed:
            _preflight.before_change(self, _id, olds, news, bool(replaces))  # opt-in (akua:preflight)
        return dyn.DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=self.replace_deletes_first(olds, news) if replaces else None,
        )

    def replaces(self, f: Field, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """Whether the change of ``f`` replaces: create-only fields, and ``replace_if`` when it holds."""
        if f.kind is Kind.CREATE_ONLY:
            return True
        new = news.get(f.name)
        return f.replace_if is not None and not is_unknown(new) and f.replace_if(olds.get(f.name), new)

    def replace_deletes_first(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """Whether a replacement must delete the old object first (the new one would clash with it)."""
        return self.delete_before_replace

    # ---- create ----

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        inputs = self._inputs(props)
        ctx = self._context(inputs)
        with self._errors("create", inputs):
            if inputs.get("adopt_id") or inputs.get("adopt"):
                obj = self._adopt(ctx, inputs)
            else:
                obj = self._create_new(ctx, inputs)
            return dyn.CreateResult(self.object_id(obj), self._outputs(inputs, obj, {}))

    def _create_new(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        if self.precheck_natural_key:
            try:
                self._refuse_existing(ctx, inputs)
            except _AdoptInstead as existing:
                log.info("%s: adopting the existing object with the same key", self.type_name)
                return self._adopt(ctx, {**inputs, "adopt_id": self.object_id(existing.obj)})
        # Five tries, each after its own failure: a key-less create is never retried by the client, so
        # under heavy transient faults (e.g. 5xx or 429 on 14% of requests) three in a row are not rare
        # enough across a fleet; a keyed create moves to the next key after a replayed stale outcome.
        attempts = 5
        called = time.time()
        for attempt in range(attempts):
            ctx = replace(ctx, attempt=attempt)
            try:
                obj = self.api_create(ctx, inputs)
                break
            except NotFound:
                # A deterministic key replayed an earlier create whose object has since been deleted
                # (destroy, then up again within the key's lifetime): use the next key.
                if not self.idempotent_create or attempt == attempts - 1:
                    raise
            except OperationFailed as exc:
                # The key replayed the Operation of a create that failed in an earlier run (it started
                # before this call): that outcome is final, so the key is spent; use the next one. A
                # failure of an operation started by this call is reported as is.
                started_at = exc.started_at
                replayed = started_at is not None and started_at < called - 2
                if not (self.idempotent_create and replayed) or attempt == attempts - 1:
                    raise
            except EtagMismatch as exc:
                # An If-Match write inside the create (a singleton converged on create, a follow-up
                # PATCH) refused right after its own lost response: the object is ours, so find it
                # and converge it as an adoption would. Anything else is a real outside change.
                found = self.api_find(ctx, inputs) if exc.after_ambiguous else None
                if found is None:
                    raise
                log.info("%s: the create's write had a lost response; converging the object", self.type_name)
                return self._adopt(ctx, {**inputs, "adopt_id": self.object_id(found)})
            except Conflict as exc:
                self._refuse_existing(ctx, inputs, exc)
                raise
            except UNKNOWN_OUTCOME as exc:
                # The create's outcome is unknown. The client never retries key-less creates, so
                # look for the object before trying again: a retry must never duplicate.
                if self.idempotent_create:
                    raise
                found = self.api_find(ctx, inputs)
                if found is not None:
                    found = self.recovered(ctx, found, inputs)
                if found is not None:
                    log.info("%s: recovered object created by an interrupted request", self.type_name)
                    return self.enrich(ctx, found, inputs)
                if attempt == attempts - 1:
                    raise
                log.info("%s: create failed (%s), retrying", self.type_name, exc)
                time.sleep(0.5 * (attempt + 1))
        return self.enrich(ctx, obj, inputs)

    def recovered(self, ctx: Context, obj: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """An object found after a create whose response was lost: return it to keep it, or clean it up
        and return None to create again (e.g. a show-once secret we never saw is useless)."""
        return obj

    def enrich(self, ctx: Context, obj: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """After create or adopt: add what only a separate call shows (e.g. a kubeconfig)."""
        return obj

    def _refuse_existing(self, ctx: Context, inputs: Mapping[str, Any], cause: Exception | None = None) -> None:
        if not self.natural_key:
            return
        found = self.api_find(ctx, inputs)
        if found is None:
            return
        if self.adopt_on_conflict and cause is None:
            raise _AdoptInstead(found)
        key = ", ".join(f"{k}={inputs.get(k)!r}" for k in self.natural_key)
        raise AkuaResourceError(
            f"{self.type_name} with {key} already exists (id {self.object_id(found)}). To manage it with Pulumi, "
            f"set adopt=True (or adopt_id={self.object_id(found)!r}) on this resource; to create a new one, "
            f"change {' / '.join(self.natural_key)}."
        ) from cause

    def _adopt(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        """Take over an existing object, then converge its updatable fields to the inputs."""
        if inputs.get("adopt_id"):
            obj = self._read_or_none(ctx, str(inputs["adopt_id"]), inputs)
            if obj is None:
                raise AkuaResourceError(f"{self.type_name} {inputs['adopt_id']!r} to adopt does not exist")
        else:
            if not self.natural_key:
                raise AkuaResourceError(f"{self.type_name} has no natural key: adopt it with adopt_id='<id>'")
            found = self.api_find(ctx, inputs)
            if found is None:
                key = ", ".join(f"{k}={inputs.get(k)!r}" for k in self.natural_key)
                raise AkuaResourceError(f"adopt=True but no {self.type_name} with {key} exists")
            obj = found
        id_ = self.object_id(obj)
        current = {**inputs, **self.project(obj)}
        mismatched = [
            f.name
            for f in self.changed_fields(current, inputs)
            if f.kind is Kind.CREATE_ONLY and not f.write_only and f.name in self.project(obj)
        ]
        if mismatched:
            detail = ", ".join(f"{n}: existing {current.get(n)!r} vs declared {inputs.get(n)!r}" for n in mismatched)
            raise AkuaResourceError(
                f"cannot adopt {self.type_name} {id_}: create-only fields differ ({detail}). "
                "Declare the existing values or create a new object."
            )
        changed = {f.name for f in self.changed_fields(current, inputs) if f.kind is Kind.UPDATABLE}
        if changed:
            self.api_update(ctx, id_, current, inputs, changed)
            obj = self._read_back(ctx, id_, current, inputs, changed)
        return self.enrich(ctx, obj, inputs)

    # ---- read ----

    def _read_or_none(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            return self.api_read(ctx, id_, state)
        except NotFound:
            return None

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        ctx = self._context(props)
        with self._errors("refresh", props, id_):
            obj = self._read_or_none(ctx, id_, props)
        if obj is None:
            return dyn.ReadResult(None, {})
        outs = self._outputs(self._inputs(props), obj, props)
        inputs = {f.name: outs.get(f.name) for f in self.all_fields() if f.is_input and props.get(f.name) is not None}
        return dyn.ReadResult(id_, outs, inputs)

    # ---- update ----

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        inputs = self._inputs(news)
        ctx = self._context(inputs)
        changed = {f.name for f in self.changed_fields(olds, inputs) if f.kind is Kind.UPDATABLE}
        with self._errors("update", inputs, id_):
            if changed:
                self._update_recovering(ctx, id_, olds, inputs, changed)
            obj = self._read_back(ctx, id_, olds, inputs, changed)
        return dyn.UpdateResult(self._outputs(inputs, obj, olds))

    def _update_recovering(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        """``api_update``, surviving its own lost response (every If-Match write inside it: PATCH, actions).

        A stale etag is not necessarily a change outside Pulumi: when our write committed and only its
        answer was lost, the client's retry (or the next ``pulumi up``) carries the old etag. So re-read:

        * the live object already holds every changed value: done (the read-back records the new etag);
        * after an ambiguous failure of this very request, when every field where live differs from the
          state we know is one this update changes anyway: retry once with the live etag;
        * otherwise it is a real outside change, reported as such (refresh, then up).
        """
        try:
            self.api_update(ctx, id_, state, inputs, changed)
            return
        except EtagMismatch as exc:
            mismatch = exc
        live = self._read_or_none(ctx, id_, state)
        if live is None:
            raise AkuaResourceError(f"{self.type_name} {id_} disappeared during the update; run `pulumi refresh`")
        seen = self.project(live)
        pending = {n for n in changed if n not in seen or (inputs.get(n) is not None and seen[n] != inputs[n])}
        if not pending:
            log.info("%s %s: the update had already taken effect (lost response)", self.type_name, id_)
            return
        outside = [
            f.name
            for f in self.all_fields()
            if f.is_input
            and f.kind is not Kind.OPTION
            and f.name not in changed
            and f.name in seen
            and state.get(f.name) is not None
            and seen[f.name] != state[f.name]
        ]
        if outside or not mismatch.after_ambiguous:
            raise mismatch
        log.info("%s %s: retrying %s with the live etag after a lost response", self.type_name, id_, sorted(pending))
        self.api_update(ctx, id_, {**state, **seen}, inputs, pending)

    def _read_back(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: Mapping[str, Any], changed: set[str]
    ) -> dict[str, Any]:
        """A 200 alone proves nothing: read the object and check the changed fields took effect."""
        obj = self._read_or_none(ctx, id_, state)
        if obj is None:
            raise AkuaResourceError(f"{self.type_name} {id_} disappeared during the update; run `pulumi refresh`")
        seen = self.project(obj)
        stale = [n for n in sorted(changed) if n in seen and inputs.get(n) is not None and seen[n] != inputs[n]]
        if stale:
            detail = ", ".join(f"{n}={seen[n]!r} (wanted {inputs[n]!r})" for n in stale)
            raise AkuaResourceError(f"{self.type_name} {id_}: the API accepted the update but still shows {detail}")
        return obj

    # ---- delete ----

    #: How long a delete waits for a deletion already in progress (an earlier, lost attempt) to finish.
    delete_wait_seconds: ClassVar[float] = 600.0

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete, idempotently in every form: gone (404), already deleted, already being deleted (our
        own earlier attempt whose answer was lost, or an Operation running for it): wait, then done."""
        ctx = self._context(props)
        with self._errors("delete", props, id_):
            try:
                self.api_delete(ctx, id_, props)
            except NotFound:
                return
            except _DELETE_AGAIN:
                # Deleting is the user's intent whatever changed since: retry with the live etag. After
                # an unknown outcome (a lost answer to a write the client does not retry, e.g. a key-less
                # POST action) look first: the delete may have taken effect.
                live = self._read_or_none(ctx, id_, props)
                if live is None or self.deletion_state(live) == "deleted":
                    return
                if self.deletion_state(live) == "deleting":
                    self._wait_deleted(ctx, id_, props)
                    return
                try:
                    self.api_delete(ctx, id_, {**props, **self.project(live)})
                except NotFound:
                    return
                except Conflict as exc:
                    self._delete_refused(ctx, id_, props, exc)
            except Conflict as exc:
                self._delete_refused(ctx, id_, props, exc)

    def deletion_state(self, obj: Mapping[str, Any]) -> str | None:
        """``"deleting"`` / ``"deleted"`` when the live object says so (``state`` or ``status``), else None."""
        for key in ("state", "status"):
            value = str(obj.get(key) or "").lower()
            if value in _DELETING:
                return "deleting"
            if value in _DELETED:
                return "deleted"
        return None

    def _delete_refused(self, ctx: Context, id_: str, props: Mapping[str, Any], exc: Conflict) -> None:
        """A 409 on delete: done when the object is gone or being deleted already; else explain it."""
        live = self._read_or_none(ctx, id_, props)
        state = None if live is None else self.deletion_state(live)
        if live is None or state == "deleted":
            return
        if state == "deleting":  # the live state says it, not the message
            self._wait_deleted(ctx, id_, props)
            return
        raise AkuaResourceError(
            f"{self._label(props, id_)}: the API refused the delete: {self.delete_conflict_hint(exc)}"
        ) from None

    def _wait_deleted(self, ctx: Context, id_: str, props: Mapping[str, Any]) -> None:
        """Wait (bounded) until a deletion in progress is done: the object is gone or shows deleted."""
        log.info("%s %s is already being deleted; waiting for it", self.type_name, id_)

        def gone() -> bool | None:
            live = self._read_or_none(ctx, id_, props)
            return True if live is None or self.deletion_state(live) == "deleted" else None

        wait_for(gone, timeout=self.delete_wait_seconds, interval=0.25, what=f"{self.type_name} {id_} to be deleted")

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


class AkuaProvider(LifecycleProvider):
    """The lifecycle for an Akua object: the Akua client per connection, and workspace scoping."""

    #: Scoped to a workspace: adds ``workspace_id`` and sends ``akua-context``.
    workspace_scoped: ClassVar[bool] = True
    #: Contract operations (``workspaces.create``...) whose request bodies state the fields' constraints,
    #: searched in order by each field's wire name.
    contract_ops: ClassVar[tuple[str, ...]] = ()
    #: The operationIds each step calls (``create``, ``read``, ``update``, ``delete``...): the role each
    #: step needs (docs/resources/, from akua_pulumi.roles) and what the opt-in preflight asks about.
    step_operations: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type_name" in cls.__dict__ and "call_budget" not in cls.__dict__:
            from ._budgets import CALL_BUDGETS  # the one table of every Akua type's budget (none: {})

            cls.call_budget = CALL_BUDGETS.get(cls.type_name, {})

    @classmethod
    def scope_fields(cls) -> tuple[Field, ...]:
        return (WORKSPACE_FIELD,) if cls.workspace_scoped else ()

    @classmethod
    def property_schema(cls, f: Field) -> Mapping[str, Any] | None:
        return request_property(cls.contract_ops, f.wire_name)

    def configure(self, req: dyn.ConfigureRequest) -> None:
        set_stack_defaults(req.config)
        _preflight.configure(req.config)

    def connect(self, connection: Any, inputs: Mapping[str, Any]) -> AkuaClient:
        client = client_for(Connection.from_property(connection))
        ws = self.workspace_of(inputs)
        client = client.for_workspace(ws) if ws is not None else client
        # A server may echo a value it rejects: errors scrub every declared secret this call carries (the
        # connection's secret is its token, the client's own, always scrubbed; its URL and workspace are not).
        secret = [inputs.get(f.name) for f in self.all_fields() if f.secret and f is not self.connection_field]
        return client.with_secrets(*secret)

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


def request_property(operation_ids: tuple[str, ...], wire: str) -> Mapping[str, Any] | None:
    """The schema of body property ``wire`` in the first of ``operation_ids`` that has it (refs resolved,
    ``allOf``/``anyOf``/``oneOf`` branches searched), from the bundled contract; None when none has it."""
    from ..contract import contract

    c = contract()
    schemas = c.document.get("components", {}).get("schemas", {})

    def resolve(schema: Any) -> Mapping[str, Any]:
        while isinstance(schema, Mapping) and "$ref" in schema:
            schema = schemas.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return schema if isinstance(schema, Mapping) else {}

    def find(schema: Any) -> Mapping[str, Any] | None:
        schema = resolve(schema)
        prop = (schema.get("properties") or {}).get(wire)
        if prop is not None:
            return resolve(prop)
        for key in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(key) or ():
                found = find(branch)
                if found is not None:
                    return found
        return None

    for op_id in operation_ids:
        op = c.operations.get(op_id)
        if op is None:
            raise KeyError(f"contract has no operation {op_id!r}")
        found = find(op.request_schema)
        if found is not None:
            return found
    return None


def wait_for(predicate: Callable[[], T | None], *, timeout: float, interval: float = 0.5, what: str = "condition") -> T:
    """Poll ``predicate`` until it returns a value (for state changes the API offers no long poll for)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            raise AkuaResourceError(f"timed out after {timeout:.0f}s waiting for {what}")
        if os.getppid() != _PARENT:
            # The engine that called us is gone: stop polling the API (the watchdog ends the process).
            raise AkuaResourceError(f"stopped waiting for {what}: the Pulumi engine is gone")
        time.sleep(interval)


#: The process that started this one (for a dynamic provider: the engine), see :func:`wait_for`.
_PARENT = os.getppid()

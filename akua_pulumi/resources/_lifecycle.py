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

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import pulumi.dynamic as dyn

from ..errors import UNKNOWN_OUTCOME, AkuaError, Conflict, EtagMismatch, NotFound, OperationFailed
from . import _diagnostics  # noqa: F401  (one short message per provider error)
from ._context import AkuaResourceError, ClientT, Context, _AdoptInstead, log
from ._fields import Kind
from ._lifecycle_base import LifecycleBase
from ._polling import wait_for

__all__ = ["LifecycleProvider"]

#: Live states meaning a deletion is under way / complete (soft-deleted objects stay readable).
_DELETING = frozenset({"deleting", "deletion_pending", "pending_deletion"})
_DELETED = frozenset({"deleted", "destroyed"})
#: Delete failures after which the lifecycle re-reads and (when the object is still there) deletes again.
_DELETE_AGAIN: tuple[type[AkuaError], ...] = (EtagMismatch, *UNKNOWN_OUTCOME)


class LifecycleProvider(LifecycleBase[ClientT]):
    """The API-agnostic lifecycle. Subclasses declare fields and hooks, and say how to connect."""

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

    def _create_new(self, ctx: Context[ClientT], inputs: dict[str, Any]) -> dict[str, Any]:
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

    def recovered(self, ctx: Context[ClientT], obj: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """An object found after a create whose response was lost: return it to keep it, or clean it up
        and return None to create again (e.g. a show-once secret we never saw is useless)."""
        return obj

    def enrich(self, ctx: Context[ClientT], obj: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """After create or adopt: add what only a separate call shows (e.g. a kubeconfig)."""
        return obj

    def _refuse_existing(
        self, ctx: Context[ClientT], inputs: Mapping[str, Any], cause: Exception | None = None
    ) -> None:
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

    def _adopt(self, ctx: Context[ClientT], inputs: dict[str, Any]) -> dict[str, Any]:
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
        self, ctx: Context[ClientT], id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        """``api_update``, surviving its own lost response (every If-Match write inside it: PATCH, actions).

        A stale etag is not necessarily a change outside Pulumi: when our write committed and only its
        answer was lost, the client's retry (or the next ``pulumi up``) carries the old etag. So re-read:

        * the live object already holds every changed value: done (the read-back records the new etag);
        * after an ambiguous failure of this very request (or for a type whose etag moves with its
          children's writes), when every field where live differs from the state we know is one this
          update changes anyway: retry once with the live etag;
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
        if outside or not (mismatch.after_ambiguous or self.etag_moves_with_children):
            raise mismatch
        log.info("%s %s: retrying %s with the live etag", self.type_name, id_, sorted(pending))
        self.api_update(ctx, id_, {**state, **seen}, inputs, pending)

    def _read_back(
        self, ctx: Context[ClientT], id_: str, state: Mapping[str, Any], inputs: Mapping[str, Any], changed: set[str]
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

    def _delete_refused(self, ctx: Context[ClientT], id_: str, props: Mapping[str, Any], exc: Conflict) -> None:
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

    def _wait_deleted(self, ctx: Context[ClientT], id_: str, props: Mapping[str, Any]) -> None:
        """Wait (bounded) until a deletion in progress is done: the object is gone or shows deleted."""
        log.info("%s %s is already being deleted; waiting for it", self.type_name, id_)

        def gone() -> bool | None:
            live = self._read_or_none(ctx, id_, props)
            return True if live is None or self.deletion_state(live) == "deleted" else None

        wait_for(gone, timeout=self.delete_wait_seconds, interval=0.25, what=f"{self.type_name} {id_} to be deleted")

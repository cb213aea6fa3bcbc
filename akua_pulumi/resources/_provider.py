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

The pieces, one job each (this module re-exports them: resource modules, and the state that pickles
providers by reference, keep importing from here):

* :mod:`._context`: the hook's :class:`Context` (typed over the family's client), the lifecycle's
  errors and the fields every resource accepts;
* :mod:`._lifecycle_base` / :mod:`._lifecycle`: the generic lifecycle (declared side; writing steps);
* :mod:`._wire`: request bodies and read-back from the field declarations;
* :mod:`._akua`: the Akua family (:class:`AkuaProvider`); its constraints come from the one schema
  walker, :meth:`akua_pulumi.contract.Contract.request_property`;
* :mod:`._polling`: :func:`wait_for`; :mod:`._budgets`: :class:`CallBudget` and the budget table.
"""

from __future__ import annotations

from ._akua import WORKSPACE_FIELD, AkuaContext, AkuaProvider
from ._budgets import CallBudget
from ._context import CONNECTION_FIELD, OPTION_FIELDS, SEED_FIELD, AkuaResourceError, StaleReplayError, log
from ._context import Context as GenericContext
from ._lifecycle import LifecycleProvider
from ._polling import wait_for

__all__ = [
    "CONNECTION_FIELD",
    "OPTION_FIELDS",
    "SEED_FIELD",
    "WORKSPACE_FIELD",
    "AkuaProvider",
    "AkuaResourceError",
    "CallBudget",
    "Context",
    "GenericContext",
    "LifecycleProvider",
    "StaleReplayError",
    "log",
    "wait_for",
]

#: The context of an Akua hook (``ctx.client`` is an ``AkuaClient``); other families use
#: ``GenericContext[TheirClient]`` (Stripe: ``akua_pulumi.stripe._base.StripeContext``).
Context = AkuaContext

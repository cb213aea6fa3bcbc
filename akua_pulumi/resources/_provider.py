"""The resource layer's public face: the one CRUD loop every resource shares (its rules, each with
its reason, are drawn in :mod:`._lifecycle`'s docstring), and the Akua family on top of it.

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

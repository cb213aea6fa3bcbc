"""What every lifecycle step shares: the :class:`Context` a hook gets (typed over its API family's
client), the lifecycle's own errors, and the fields every resource accepts."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..connection import CONNECTION_PROPERTY
from ..errors import AkuaError, NotFound
from ._fields import Field

__all__ = [
    "CONNECTION_FIELD",
    "OPTION_FIELDS",
    "SEED_FIELD",
    "AkuaResourceError",
    "ClientT",
    "Context",
    "StaleReplayError",
    "log",
]

log = logging.getLogger("akua_pulumi.resources")

#: The client type of an API family (``AkuaClient``, ``StripeApi``): what ``Context.client`` is.
ClientT = TypeVar("ClientT")

#: Fields every resource accepts: adopt an existing object instead of creating one.
OPTION_FIELDS: tuple[Field, ...] = (
    Field.option("adopt", bool, "Take over an existing object found by its natural key instead of creating one."),
    Field.option("adopt_id", str, "Take over the existing object with this id instead of creating one."),
)
#: Hidden per-resource seed (project/stack/type/name) for deterministic idempotency keys.
SEED_FIELD = Field.option("akua_seed", str, "Seed for deterministic idempotency keys (set by the Resource).")
#: Hidden explicit connection (``opts=ResourceOptions(provider=akua_pulumi.Provider(...))``), a secret.
CONNECTION_FIELD = Field.option(
    CONNECTION_PROPERTY, dict, "Explicit connection (API URL, token, workspace) set by the Resource.", secret=True
)


class AkuaResourceError(AkuaError):
    """A lifecycle step failed; the message says what happened and what to do."""


class _AdoptInstead(Exception):
    """Internal: the natural key exists and the resource adopts on conflict (see ``_create_new``)."""

    def __init__(self, obj: dict[str, Any]) -> None:
        self.obj = obj


class StaleReplayError(NotFound):
    """A create answered from an idempotency record, but the object it made is gone."""


@dataclass(frozen=True)
class Context(Generic[ClientT]):
    """What a hook needs for one call: a client (for Akua: bound to the workspace) and a key seed."""

    client: ClientT
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


#: Inputs that never change an idempotency key: options of the provider, not of the object.
_NOT_KEYED = frozenset({"adopt", "adopt_id", "akua_seed", CONNECTION_PROPERTY})

"""Every error the package raises sits under :class:`AkuaError`; the lifecycle reacts to categories.

The resource lifecycle (:mod:`akua_pulumi.resources._provider`) never looks at HTTP statuses or a
particular client: it reacts to these *categories*, which any client adapter raises (the Akua client's
``NotFoundError`` is a :class:`NotFound`, a Stripe adapter's 404 would be one too)::

    AkuaError
    ├── NotFound            the object does not exist (or is not visible)
    ├── Conflict            uniqueness / state precondition refused the write
    │   └── EtagMismatch    the object changed since it was read (``current_etag``)
    ├── Transport           no response: the outcome of a write is unknown
    ├── ServerFailure       the server failed (5xx): the outcome of a write is unknown
    ├── RateLimited         too many requests: the outcome of a write is unknown
    └── OperationFailed     a long-running operation ended failed (``operation``)

This module imports nothing heavy, so every layer can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "UNKNOWN_OUTCOME",
    "AkuaError",
    "Conflict",
    "EtagMismatch",
    "NotFound",
    "OperationFailed",
    "RateLimited",
    "ServerFailure",
    "Transport",
]


class AkuaError(Exception):
    """Base class of every error akua-pulumi raises."""

    #: Set by a client when this failure came on a retry after an attempt whose outcome is unknown (no
    #: answer, 5xx): a stale-etag refusal may then be our own earlier attempt, committed (the lifecycle
    #: recovers; see resources/_provider.py).
    after_ambiguous: bool = False


class NotFound(AkuaError):
    """The object does not exist (a delete treats it as done, a read as gone)."""


class Conflict(AkuaError):
    """The API refused a write because of the current state (a duplicate key, a dependent object)."""

    @property
    def reason(self) -> str:
        """The server's explanation (defaults to the message)."""
        return str(getattr(self, "message", None) or self)


class EtagMismatch(Conflict):
    """The object changed since it was read (optimistic concurrency)."""

    @property
    def current_etag(self) -> str | None:
        """The object's etag now, when the API says."""
        return None


class Transport(AkuaError):
    """No response was received: a write may or may not have happened."""


class ServerFailure(AkuaError):
    """The server failed: a write may or may not have happened."""


class RateLimited(AkuaError):
    """Too many requests: the request was refused (the client may have retried already)."""


class OperationFailed(AkuaError):
    """A long-running operation ended failed; ``operation`` is what the API showed of it."""

    operation: Mapping[str, Any] = MappingProxyType({})

    @property
    def started_at(self) -> float | None:
        """When the failed operation started (Unix seconds), when the API says."""
        value = self.operation.get("started_at")
        return float(value) if isinstance(value, (int, float)) else None


#: The categories after which a non-idempotent write's outcome is unknown.
UNKNOWN_OUTCOME: tuple[type[AkuaError], ...] = (Transport, ServerFailure, RateLimited)

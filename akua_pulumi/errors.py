"""Every error the package raises sits under :class:`AkuaError`; the lifecycle reacts to categories.

The whole tree, in one place. The resource lifecycle (:mod:`akua_pulumi.resources`) never looks at
HTTP statuses or a particular client: it reacts to the *categories* defined here, which every client
adapter raises (the Akua client's ``NotFoundError`` is a :class:`NotFound`, Stripe's ``StripeNotFound``
too). Resource modules import only these categories (a ruff ``banned-api`` rule in pyproject.toml
refuses the client's classes there). The client's HTTP classes live in
:mod:`akua_pulumi.client._exceptions`; the emulator's own names (``Local*``, rendered as HTTP error
envelopes by akua-local, never seen by a client) in :mod:`akua_pulumi.local.errors`::

    AkuaError
    ├── NotFound                    the object does not exist (or is not visible)
    │   ├── client.NotFoundError        404
    │   ├── stripe.StripeNotFound
    │   └── resources.StaleReplayError  a replayed create's object is gone (the lifecycle creates again)
    ├── Conflict                    uniqueness / state precondition refused the write
    │   ├── client.ConflictError        409
    │   ├── stripe.StripeConflict
    │   └── EtagMismatch            the object changed since it was read (``current_etag``)
    │       └── client.EtagMismatchError  409 ABORTED (also a ConflictError)
    ├── PermissionDenied            the credential's role may not do this
    │   └── client.PermissionDeniedError  403
    ├── Transport                   no response: the outcome of a write is unknown
    │   ├── client.TransportError
    │   └── stripe.StripeTransport
    ├── ServerFailure               the server failed (5xx): the outcome of a write is unknown
    │   ├── client.ServerError          5xx
    │   └── stripe.StripeServerFailure
    ├── RateLimited                 too many requests: the outcome of a write is unknown
    │   ├── client.RateLimitedError     429
    │   └── stripe.StripeRateLimited
    ├── OperationFailed             a long-running operation ended failed (``operation``)
    │   └── client.OperationFailedError
    ├── client.ApiError             any non-2xx answer (the HTTP classes above are ApiErrors too)
    │   ├── client.ValidationError      400 / 422 (``field_path``)
    │   └── client.AuthenticationError  401
    ├── client.ConfigurationError, client.OperationTimeoutError, client.InvalidPathIdError
    ├── stripe.StripeApiError, stripe.StripeConfigurationError
    ├── resources.AkuaResourceError     a lifecycle step failed (the message says which and why)
    ├── resources.PreflightDenied       the opt-in preflight found a step the token may not do
    ├── lookups.AkuaLookupError         (also a LookupError)
    ├── components.LayoutError          (also a ValueError) └── LayoutArgsError
    ├── automation.CustomersFileError, InvalidWorkflowInput, MissingPassphraseError (also ValueErrors)
    ├── automation.PulumiNotFoundError, TemporalUnreachableError (also RuntimeErrors), automation.StateReadError
    ├── toolchain.ToolchainError, toolchain.langhost.ProgramPythonError (also RuntimeErrors)
    ├── testing.fake_stripe: a missing ``localstripe`` (``pip install akua-pulumi[testing]``)
    └── local.errors.LocalApiError      the emulator's answers: ValidationFailed, Unprocessable,
        Unauthenticated, Forbidden (RoleDenied, ContextRequired), LocalNotFound, LocalConflict
        (QuotaExceeded, LocalEtagMismatch), Internal; and, at its HTTP edge, MethodNotAllowed (405)
        and PayloadTooLarge (413)

Decisions ride on the class (and the attributes it documents: ``status``, ``code``, ``current_etag``,
``plan_limit``),
never on message text (two places read text that carries no code: the client recognises the contract's
``ABORTED`` 409 in ``_is_etag_mismatch``, and ``automation.cli_messages`` matches Pulumi CLI output).
Calling an API wrongly (a programming error: a missing required argument) raises the builtin
``ValueError``/``TypeError``, as the standard library does. Private control-flow exceptions that never
leave their module (``_AdoptInstead``, akua-local's ``DropConnection``) are not errors the package
raises. tests/test_error_tree.py checks that every public exception class of the package is an
``AkuaError`` and is named here.

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
    "PermissionDenied",
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

    @property
    def plan_limit(self) -> str | None:
        """The entitlement a plan-limit refusal names (``metadata.feature``, e.g. ``compute.max_machines``;
        API.md §6.5), else None: the refusal is about something else."""
        feature = (getattr(self, "metadata", None) or {}).get("feature")
        return str(feature) if feature else None


class EtagMismatch(Conflict):
    """The object changed since it was read (optimistic concurrency)."""

    @property
    def current_etag(self) -> str | None:
        """The object's etag now, when the API says."""
        return None


class PermissionDenied(AkuaError):
    """The credential may not do this (its role, or it is outside the workspace)."""


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

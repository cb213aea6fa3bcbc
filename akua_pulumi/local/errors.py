"""Typed errors raised by akua-local backends, rendered once by the app as the API error envelope.

The emulator's names carry a ``Local`` prefix where the package's other trees use the word (see the
whole tree in :mod:`akua_pulumi.errors`); they are the server side of the wire, never seen by a client.

Tree::

    AkuaError
    └── LocalApiError(status, code, message, path, metadata)
        ├── ValidationFailed        400 / 7001   malformed input (``path`` names the field)
        ├── Unprocessable           422 / 7001   semantically invalid input
        ├── Unauthenticated         401 / 7003   missing, invalid, expired or revoked bearer token
        ├── Forbidden               403 / 7005   refused for another reason (an allowlist, another email)
        │   ├── RoleDenied          403 / 7003   the role table (API.md §6.2): the role needed and the caller's
        │   └── ContextRequired     403 / 7004   "Akua-Context header is required"
        ├── LocalNotFound           404 / 7002   unknown id
        ├── LocalConflict           409 / 7006   uniqueness or state precondition
        │   ├── QuotaExceeded       409 / 7002   plan quota reached (message names the metric)
        │   └── LocalEtagMismatch   409 / 7009   "ABORTED: etag mismatch", metadata {"etag": current}
        └── Internal                500 / 7000   a bug in the emulator
"""

from __future__ import annotations

from typing import Any

from ..errors import AkuaError

__all__ = [
    "ContextRequired",
    "Forbidden",
    "Internal",
    "LocalApiError",
    "LocalConflict",
    "LocalEtagMismatch",
    "LocalNotFound",
    "QuotaExceeded",
    "RoleDenied",
    "Unauthenticated",
    "Unprocessable",
    "ValidationFailed",
]


class LocalApiError(AkuaError):
    """Base of every error the emulator answers with; carries the envelope fields."""

    status = 500
    code = 7000

    def __init__(
        self,
        message: str,
        *,
        path: list[str] | tuple[str, ...] | None = None,
        metadata: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = list(path) if path else None
        self.metadata = metadata
        self.extra: list[dict[str, Any]] = []
        if status is not None:
            self.status = status

    def entry(self) -> dict[str, Any]:
        """One ``ApiErrorEntry``."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.path:
            out["path"] = self.path
        if self.metadata:
            out["metadata"] = self.metadata
        return out

    def envelope(self) -> dict[str, Any]:
        """The ``ApiErrorResponse`` body."""
        return {"success": False, "errors": [self.entry(), *self.extra], "result": {}}


class ValidationFailed(LocalApiError):
    """400: the request breaks the contract (unknown field, wrong type, missing header)."""

    status, code = 400, 7001


class Unprocessable(LocalApiError):
    """422: well-formed but semantically invalid (unknown referenced id, bad semver pin)."""

    status, code = 422, 7001


class Unauthenticated(LocalApiError):
    """401: no valid bearer credential."""

    status, code = 401, 7003


class Forbidden(LocalApiError):
    """403: the principal may not do this."""

    status, code = 403, 7005


class RoleDenied(Forbidden):
    """403/7003: the caller's role is below the operation's row of the role table (API.md §6.2).

    ``metadata`` holds only strings: operation, scope, scope_id, required_role, caller_role,
    role_source, credential, and ``reason``/``feature`` where they apply.
    """

    code = 7003

    def __init__(
        self,
        operation: str,
        *,
        scope: str,
        scope_id: str,
        required_role: str,
        caller_role: str,
        role_source: str,
        credential: str,
        reason: str | None = None,
        message: str | None = None,
    ) -> None:
        if message is None:
            if required_role == "user":
                message = (
                    f"{operation} needs a user credential (role user); the caller is a workspace API token"
                    f" acting as {caller_role}"
                )
            else:
                message = f"{operation} needs the {scope} role {required_role}; the caller's role is {caller_role}"
        metadata = {
            "operation": operation,
            "scope": scope,
            "scope_id": scope_id,
            "required_role": required_role,
            "caller_role": caller_role,
            "role_source": role_source,
            "credential": credential,
        }
        if reason:
            metadata["reason"] = reason
        super().__init__(message, metadata=metadata)
        self.required_role = required_role


class ContextRequired(Forbidden):
    """403/7004: a user credential called a workspace-scoped operation without ``akua-context``."""

    code = 7004

    def __init__(self) -> None:
        super().__init__("Akua-Context header is required")


class LocalNotFound(LocalApiError):
    """404: unknown id."""

    status, code = 404, 7002


class LocalConflict(LocalApiError):
    """409: uniqueness conflict or a state precondition failed."""

    status, code = 409, 7006


class QuotaExceeded(LocalConflict):
    """409/7002: a plan quota is exhausted; the message names the metric."""

    code = 7002


class LocalEtagMismatch(LocalConflict):
    """409/7009 ABORTED: ``If-Match`` differs from the current etag (given in metadata)."""

    code = 7009

    def __init__(self, current: str) -> None:
        super().__init__("ABORTED: etag mismatch", metadata={"etag": current})


class Internal(LocalApiError):
    """500: an emulator bug; never raised on purpose for bad input."""

    status, code = 500, 7000

"""The Akua API client: ``AkuaClient``, its configuration and its exception tree.

See ``docs/client.md`` for configuration, the retry/idempotency policy and examples.
"""

from __future__ import annotations

from ._client import USE_CLIENT_DEFAULT, AkuaClient, UseClientDefault
from ._config import DEFAULT_API_URL, ClientConfig
from ._exceptions import (
    AkuaError,
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    EtagMismatchError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
    error_from_response,
)
from ._retry import RETRYABLE_STATUSES, TokenBucket, should_retry

__all__ = [
    "DEFAULT_API_URL",
    "RETRYABLE_STATUSES",
    "USE_CLIENT_DEFAULT",
    "AkuaClient",
    "AkuaError",
    "ApiError",
    "AuthenticationError",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "EtagMismatchError",
    "NotFoundError",
    "OperationFailedError",
    "OperationTimeoutError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TokenBucket",
    "TransportError",
    "UseClientDefault",
    "ValidationError",
    "error_from_response",
    "should_retry",
]

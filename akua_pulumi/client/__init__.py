"""The Akua API client: ``AkuaClient``, its configuration and its exception tree.

See ``docs/client.md`` for configuration, the retry/idempotency policy and examples.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._exceptions import *  # noqa: F403  (the exception tree, as _exceptions lists it)
from ._exceptions import __all__ as _exceptions_all
from ._paths import InvalidPathIdError, api_path
from ._retry import RETRYABLE_STATUSES, TokenBucket, should_retry

if TYPE_CHECKING:
    from ._client import USE_CLIENT_DEFAULT, AkuaClient, UseClientDefault
    from ._config import DEFAULT_API_URL, ClientConfig

# The client (and httpx with it) loads on first use: a dynamic-provider process that only answers
# check/diff (every preview) never needs it; importing it costs ~0.1 s per engine command.
_LAZY = {
    "AkuaClient": "._client",
    "USE_CLIENT_DEFAULT": "._client",
    "UseClientDefault": "._client",
    "ClientConfig": "._config",
    "DEFAULT_API_URL": "._config",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later lookups (``from akua_pulumi.client import AkuaClient`` per call) are plain
    return value


__all__ = [
    *(name for name in _exceptions_all if name not in ("scrub", "scrub_value", "secret_strings")),
    "DEFAULT_API_URL",
    "InvalidPathIdError",
    "RETRYABLE_STATUSES",
    "USE_CLIENT_DEFAULT",
    "AkuaClient",
    "ClientConfig",
    "TokenBucket",
    "UseClientDefault",
    "api_path",
    "should_retry",
]

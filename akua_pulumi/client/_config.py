"""Client configuration: where settings come from and their defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ._exceptions import ConfigurationError

__all__ = ["DEFAULT_API_URL", "SETTING_ENV", "ClientConfig"]

DEFAULT_API_URL = "https://api.akua.dev/v1"

#: Pulumi stack config keys and environment variables, per setting (checked in that order).
_SOURCES = {
    "api_url": ("akua:apiUrl", "AKUA_API_URL"),
    "token": ("akua:token", "AKUA_API_TOKEN"),
    "workspace": ("akua:workspace", "AKUA_WORKSPACE"),
}
#: Stack config key -> the environment variable that stands in for it (``akua:preflight``: the opt-in
#: access preflight of ``pulumi preview``, read by akua_pulumi.resources._preflight, not by the client).
SETTING_ENV = {**dict(_SOURCES.values()), "akua:preflight": "AKUA_PREFLIGHT"}

MISSING_TOKEN_HELP = (
    "no Akua API token configured: set it with `pulumi config set --secret akua:token <token>` "
    "or export AKUA_API_TOKEN=<token> (or pass token=... to the client)"
)


def _package_version() -> str:
    # Read lazily: ``akua_pulumi/__init__`` imports the resources (and so this module) before it
    # defines ``__version__``, so a module-level ``from akua_pulumi import __version__`` is circular.
    import akua_pulumi

    version = getattr(akua_pulumi, "__version__", None)
    if version:
        return str(version)
    try:
        from importlib.metadata import version as dist_version

        return dist_version("akua-pulumi")
    except Exception:
        return "unknown"


class ClientConfig(BaseModel):
    """Everything an :class:`~akua_pulumi.client.AkuaClient` needs. Immutable; build with :meth:`resolve`.

    The token is a :class:`pydantic.SecretStr`, so it never shows in ``repr``/``str``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_url: str = DEFAULT_API_URL
    token: SecretStr | None = None
    #: Default ``akua-context`` workspace id for requests (None = send no header).
    workspace: str | None = None

    connect_timeout: float = Field(5.0, gt=0)
    #: Must exceed 60 s so that ``POST /operations/{id}:wait?timeout=60`` fits.
    read_timeout: float = Field(75.0, gt=0)
    write_timeout: float = Field(30.0, gt=0)
    pool_timeout: float = Field(30.0, gt=0)
    max_connections: int = Field(10, ge=1)

    #: Total tries per request, the first one included (1 = never retry).
    max_attempts: int = Field(6, ge=1)
    #: No retry is started once this many seconds have passed since the first attempt.
    max_retry_seconds: float = Field(60.0, ge=0)
    #: Full-jitter exponential backoff: sleep ~ U(0, min(backoff_cap, backoff_base * 2**(n-1))).
    backoff_base: float = Field(0.5, ge=0)
    backoff_cap: float = Field(20.0, ge=0)

    #: Client-side token bucket shared by all threads and workspace views; None disables it.
    rate_limit_per_second: float | None = Field(50.0, gt=0)
    #: 200 banked requests: a refresh reads each resource once, so a stack of up to 200 resources (the
    #: 140-resource fleet benchmark included) refreshes unthrottled; 50/s still caps sustained load.
    burst: int = Field(200, ge=1)

    user_agent: str = Field(default_factory=lambda: f"akua-pulumi/{_package_version()}")

    @field_validator("api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"api_url must be an http(s) URL, got {value!r}")
        return value

    @field_validator("workspace")
    @classmethod
    def _empty_workspace_is_none(cls, value: str | None) -> str | None:
        return value or None

    @classmethod
    def resolve(
        cls,
        api_url: str | None = None,
        token: str | SecretStr | None = None,
        workspace: str | None = None,
        pulumi_config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        *,
        require_token: bool = False,
        **overrides: Any,
    ) -> ClientConfig:
        """Resolve settings: explicit arguments > ``pulumi_config`` (``akua:apiUrl``, ``akua:token``,
        ``akua:workspace``) > environment (``AKUA_API_URL``, ``AKUA_API_TOKEN``, ``AKUA_WORKSPACE``) >
        defaults. ``env`` defaults to :data:`os.environ`. ``overrides`` set the other fields
        (timeouts, retries, rate limit). With ``require_token=True`` a missing token raises
        :class:`ConfigurationError` now instead of on the first request."""
        environ: Mapping[str, str] = os.environ if env is None else env
        pconf: Mapping[str, Any] = pulumi_config or {}
        explicit = {"api_url": api_url, "token": token, "workspace": workspace}
        values: dict[str, Any] = {}
        for name, (config_key, env_key) in _SOURCES.items():
            for candidate in (explicit[name], pconf.get(config_key), environ.get(env_key)):
                if isinstance(candidate, SecretStr):
                    candidate = candidate.get_secret_value()
                if candidate is not None and str(candidate).strip() != "":
                    values[name] = str(candidate).strip()
                    break
        try:
            config = cls(**values, **overrides)
        except ValueError as exc:  # pydantic.ValidationError is a ValueError
            # Never echo input values: one of them may be the token.
            fields = ", ".join(
                ".".join(str(p) for p in err["loc"]) + ": " + err["msg"] for err in getattr(exc, "errors", lambda: [])()
            )
            raise ConfigurationError(f"invalid Akua client configuration: {fields or exc}") from None
        if require_token:
            config.require_token()
        return config

    def require_token(self) -> str:
        """The token's value, or :class:`ConfigurationError` explaining how to set one."""
        if self.token is None or not self.token.get_secret_value():
            raise ConfigurationError(MISSING_TOKEN_HELP)
        return self.token.get_secret_value()

"""Client configuration: where settings come from and their defaults."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from ._exceptions import ConfigurationError

__all__ = ["DEFAULT_API_URL", "SETTING_ENV", "ClientConfig", "SecretStr"]

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


class SecretStr:
    """A string that never shows in ``repr``/``str``/logs: ``get_secret_value()`` reads it.

    The interface of ``pydantic.SecretStr`` (which :meth:`ClientConfig.resolve` accepts as well),
    without importing pydantic: a dynamic-provider process builds a client on every engine command.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"SecretStr({str(self)!r})"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


#: Numeric settings: (type, lower bound, whether the bound itself is allowed).
_BOUNDS: dict[str, tuple[type, float, bool]] = {
    "connect_timeout": (float, 0, False),
    "read_timeout": (float, 0, False),
    "write_timeout": (float, 0, False),
    "pool_timeout": (float, 0, False),
    "max_connections": (int, 1, True),
    "max_attempts": (int, 1, True),
    "max_retry_seconds": (float, 0, True),
    "backoff_base": (float, 0, True),
    "backoff_cap": (float, 0, True),
    "rate_limit_per_second": (float, 0, False),
    "burst": (int, 1, True),
}


def _number(name: str, value: Any) -> float | int:
    """``value`` as the setting's type (lax, as pydantic was: ``"3"`` and ``3.0`` are 3), within bounds."""
    kind, bound, inclusive = _BOUNDS[name]
    number: float | int
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
        if kind is int:
            if not number.is_integer():
                raise ValueError
            number = int(number)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: Input should be a valid {'integer' if kind is int else 'number'}") from None
    if number < bound or (number == bound and not inclusive):
        relation = "greater than or equal to" if inclusive else "greater than"
        raise ValueError(f"{name}: Input should be {relation} {bound:g}")
    return number


@dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """Everything an :class:`~akua_pulumi.client.AkuaClient` needs. Immutable; build with :meth:`resolve`.

    The token is a :class:`SecretStr`, so it never shows in ``repr``/``str``. A plain frozen
    dataclass validated in ``__post_init__`` (a bad value raises ``ValueError`` naming the setting;
    :meth:`resolve` turns it into :class:`ConfigurationError`); no pydantic in the process that only
    needs a client.
    """

    api_url: str = DEFAULT_API_URL
    token: SecretStr | None = field(default=None, repr=False)
    #: Default ``akua-context`` workspace id for requests (None = send no header).
    workspace: str | None = None

    connect_timeout: float = 5.0
    #: Must exceed 60 s so that ``POST /operations/{id}:wait?timeout=60`` fits.
    read_timeout: float = 75.0
    write_timeout: float = 30.0
    pool_timeout: float = 30.0
    max_connections: int = 10

    #: Total tries per request, the first one included (1 = never retry).
    max_attempts: int = 6
    #: No retry is started once this many seconds have passed since the first attempt.
    max_retry_seconds: float = 60.0
    #: Full-jitter exponential backoff: sleep ~ U(0, min(backoff_cap, backoff_base * 2**(n-1))).
    backoff_base: float = 0.5
    backoff_cap: float = 20.0

    #: Client-side token bucket shared by all threads and workspace views; None disables it.
    rate_limit_per_second: float | None = 50.0
    #: 200 banked requests: a refresh reads each resource once, so a stack of up to 200 resources (the
    #: 140-resource fleet benchmark included) refreshes unthrottled; 50/s still caps sustained load.
    burst: int = 200

    user_agent: str = field(default_factory=lambda: f"akua-pulumi/{_package_version()}")

    #: The settings by name (``dataclasses.Field``: ``.default``), as pydantic's ``model_fields`` named them.
    model_fields: ClassVar[Mapping[str, Any]]

    def __post_init__(self) -> None:
        values: dict[str, Any] = {}
        api_url = self.api_url
        if not isinstance(api_url, str):
            raise ValueError("api_url: Input should be a valid string")
        api_url = api_url.strip().rstrip("/")
        if not api_url.startswith(("http://", "https://")):
            raise ValueError(f"api_url: Value error, api_url must be an http(s) URL, got {api_url!r}")
        values["api_url"] = api_url
        token: Any = self.token
        if token is not None and not isinstance(token, SecretStr):
            if hasattr(token, "get_secret_value"):  # pydantic.SecretStr
                token = token.get_secret_value()
            if not isinstance(token, str):
                raise ValueError("token: Input should be a valid string")
            values["token"] = SecretStr(token)
        if self.workspace is not None and not isinstance(self.workspace, str):
            raise ValueError("workspace: Input should be a valid string")
        values["workspace"] = self.workspace or None
        if not isinstance(self.user_agent, str):
            raise ValueError("user_agent: Input should be a valid string")
        for name in _BOUNDS:
            value = getattr(self, name)
            if value is not None or name != "rate_limit_per_second":
                values[name] = _number(name, value)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def model_dump(self) -> dict[str, Any]:
        """Every setting by name (the token stays a :class:`SecretStr`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def replace(self, **changes: Any) -> ClientConfig:
        """A copy with ``changes`` applied (validated like a new config)."""
        unknown = sorted(set(changes) - set(self.model_fields))
        if unknown:
            raise ValueError(f"{unknown[0]}: Extra inputs are not permitted")
        return dataclasses.replace(self, **changes)

    @classmethod
    def resolve(
        cls,
        api_url: str | None = None,
        token: Any = None,
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
            candidates: tuple[Any, ...] = (explicit[name], pconf.get(config_key), environ.get(env_key))
            for candidate in candidates:
                if hasattr(candidate, "get_secret_value"):  # ours or pydantic's SecretStr
                    candidate = candidate.get_secret_value()
                if candidate is not None and str(candidate).strip() != "":
                    values[name] = str(candidate).strip()
                    break
        unknown = sorted(set(overrides) - set(cls.model_fields))
        if unknown:
            raise ConfigurationError(f"invalid Akua client configuration: {unknown[0]}: Extra inputs are not permitted")
        try:
            config = cls(**values, **overrides)
        except ValueError as exc:
            # The message names the setting; the token's value never appears in it.
            raise ConfigurationError(f"invalid Akua client configuration: {exc}") from None
        if require_token:
            config.require_token()
        return config

    def require_token(self) -> str:
        """The token's value, or :class:`ConfigurationError` explaining how to set one."""
        if self.token is None or not self.token.get_secret_value():
            raise ConfigurationError(MISSING_TOKEN_HELP)
        return self.token.get_secret_value()


ClientConfig.model_fields = {f.name: f for f in fields(ClientConfig)}

"""Connections: which API URL and token a resource, a component or a lookup talks to.

By default everything uses the stack config (``akua:apiUrl``, ``akua:token``, ``akua:workspace``)
or, where the stack does not set a key, the environment. A program that manages objects under two
accounts (the seller organization's token and a customer workspace's token) names the second one::

    import akua_pulumi as akua

    customer = akua.Provider("customer-a", token=customer_token, api_url="https://api.akua.dev/v1")
    akua.Workspace("ws", name="Customer A", opts=pulumi.ResourceOptions(provider=customer))
    akua.lookups.get_current_workspace(provider=customer)

:class:`Provider` is not a Pulumi provider resource (dynamic resources cannot have one,
pulumi/pulumi#16175): the resource base takes it out of ``opts`` and hands it to the dynamic provider
as the hidden, secret input ``akua_connection``, so the token sits in state only encrypted. The
clients built from connections share one cache (:func:`client_for`), keyed by the resolved connection.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pulumi

    from .client import AkuaClient

__all__ = [
    "CONNECTION_PROPERTY",
    "Connection",
    "Provider",
    "client_for",
    "default_workspace",
    "set_stack_defaults",
    "split_provider",
]

#: The hidden, secret resource property that carries an explicit connection into the provider process.
CONNECTION_PROPERTY = "akua_connection"


@dataclass(frozen=True)
class Connection:
    """Plain connection settings; ``None`` fields fall back to the stack config, then the environment."""

    api_url: str | None = None
    token: str | None = field(default=None, repr=False)
    workspace: str | None = None

    @classmethod
    def from_property(cls, value: Any) -> Connection | None:
        """The connection stored in ``akua_connection`` (None: use the defaults)."""
        if not isinstance(value, Mapping):
            return None
        return cls(**{k: (str(value[k]) if value.get(k) else None) for k in ("api_url", "token", "workspace")})


class Provider:
    """An explicit Akua connection, passed as ``opts=pulumi.ResourceOptions(provider=p)``.

    Args:
        name: A label for messages (like a Pulumi provider's resource name).
        api_url: The API base URL (default: ``akua:apiUrl`` / ``AKUA_API_URL`` / the public API).
        token: The API token, a string or a (secret) Output, e.g. ``ApiToken.token``.
        workspace: Default workspace for workspace-scoped resources under this connection.
    """

    def __init__(
        self,
        name: str,
        *,
        api_url: pulumi.Input[str] | None = None,
        token: pulumi.Input[str] | None = None,
        workspace: pulumi.Input[str] | None = None,
    ) -> None:
        self.name = name
        self.api_url = api_url
        self.token = token
        self.workspace = workspace

    def __repr__(self) -> str:
        return f"akua_pulumi.Provider({self.name!r})"

    def as_property(self) -> pulumi.Output[dict[str, Any]]:
        """The secret ``akua_connection`` input value."""
        import pulumi

        value = pulumi.Output.from_input({"api_url": self.api_url, "token": self.token, "workspace": self.workspace})
        return pulumi.Output.secret(value)

    def connection(self) -> Connection:
        """The plain settings, for lookups that run now (the token must be a plain string then)."""
        values = {"api_url": self.api_url, "token": self.token, "workspace": self.workspace}
        for key, value in values.items():
            if value is not None and not isinstance(value, str):
                from .errors import AkuaError

                raise AkuaError(
                    f"Provider {self.name!r}: {key} is not known yet (an Output); use the *_output lookup instead"
                )
        return Connection(**values)  # type: ignore[arg-type]


def split_provider(opts: pulumi.ResourceOptions | None) -> tuple[pulumi.ResourceOptions | None, Provider | None]:
    """Take an Akua :class:`Provider` out of ``opts`` (``provider=``, or inherited from the parent).

    A component calls it first, sets ``self.akua_provider`` to the Provider found (children created
    with ``parent=self`` inherit it) and gives the rest of ``opts`` to Pulumi.
    """
    import pulumi

    if opts is None:
        return None, None
    chosen: Provider | None = None
    if isinstance(opts.provider, Provider):
        chosen = opts.provider
        opts = pulumi.ResourceOptions.merge(opts, None)
        opts.provider = None
    if chosen is None and opts.parent is not None:
        inherited = getattr(opts.parent, "akua_provider", None)
        chosen = inherited if isinstance(inherited, Provider) else None
    return opts, chosen


# -- one client cache ------------------------------------------------------------------------------------

_stack_defaults: dict[str, Any] = {}
_clients: dict[tuple[str, str], AkuaClient] = {}
_lock = threading.Lock()


def set_stack_defaults(config: Any) -> None:
    """Record the stack config (``akua:apiUrl``, ``akua:token``, ``akua:workspace``) the engine gave
    the provider process; connections without a setting fall back to it."""
    with _lock:
        for key in ("akua:apiUrl", "akua:token", "akua:workspace"):
            value = config.get(key)
            if value is not None:
                _stack_defaults[key] = value


def default_workspace(connection: Connection | None = None) -> str | None:
    """The workspace scoped resources default to: the connection's, else ``akua:workspace``, else
    ``AKUA_WORKSPACE`` (without building a client: previews need no HTTP stack)."""
    if connection is not None and connection.workspace:
        return connection.workspace
    with _lock:
        value = _stack_defaults.get("akua:workspace")
    return str(value) if value else (os.environ.get("AKUA_WORKSPACE") or None)


def client_for(connection: Connection | None = None, stack_config: Mapping[str, Any] | None = None) -> AkuaClient:
    """The shared client (thread-safe, pooled) for ``connection``, defaults filled from ``stack_config``
    (default: what the engine configured), then the environment. One client per resolved connection."""
    from .client import AkuaClient, ClientConfig  # lazily: previews never need httpx/pydantic

    conn = connection or Connection()
    with _lock:
        defaults = dict(_stack_defaults if stack_config is None else stack_config)
    cfg = ClientConfig.resolve(api_url=conn.api_url, token=conn.token, workspace=conn.workspace, pulumi_config=defaults)
    key = (cfg.api_url, cfg.token.get_secret_value() if cfg.token is not None else "")
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = AkuaClient(cfg)
    return client.for_workspace(cfg.workspace)

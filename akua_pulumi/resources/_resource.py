"""The Pulumi-facing half of a resource: typed arguments in, outputs as attributes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic as dyn
from typing_extensions import Self

from ..connection import Provider, split_provider
from ._provider import LifecycleProvider
from ._seed import Seed

__all__ = ["AkuaResource", "LifecycleResource", "merge_args"]


class LifecycleResource(dyn.Resource):
    """Base of every resource class on the shared lifecycle: fills all declared properties, marks
    secrets and hands an explicit connection to the provider.

    Every declared field becomes a property (outputs start as ``None``) so that each one is an
    attribute of the resource. Secret fields are listed in ``additional_secret_outputs``: a dynamic
    provider cannot mark outputs secret itself. An API family's base (:class:`AkuaResource`) says
    how a connection arrives, in :meth:`take_connection`.
    """

    provider_class: ClassVar[type[LifecycleProvider[Any]]]
    _provider_instance: ClassVar[LifecycleProvider[Any] | None] = None

    @classmethod
    def take_connection(cls, opts: pulumi.ResourceOptions | None) -> tuple[pulumi.ResourceOptions | None, Any]:
        """Split ``opts`` into what Pulumi gets and the connection property value (None: defaults)."""
        return opts, None

    def __init__(
        self, resource_name: str, args: Any = None, opts: pulumi.ResourceOptions | None = None, **kwargs: Any
    ) -> None:
        cls = type(self)
        provider_class = cls.provider_class
        args = merge_args(args, kwargs)
        props: dict[str, Any] = {f.name: args.get(f.name) for f in provider_class.all_fields()}
        connection_name = provider_class.connection_field.name
        # The connection arrives through opts, never as an argument.
        unknown = sorted((set(args) - set(props)) | ({connection_name} & set(args)))
        if unknown:
            raise TypeError(f"{cls.__name__} got unexpected arguments: {', '.join(unknown)}")
        opts, connection = cls.take_connection(opts)
        props[connection_name] = connection
        props["akua_seed"] = Seed.format(pulumi.get_project(), pulumi.get_stack(), cls.__name__, resource_name)
        secrets = provider_class.secret_outputs()
        # additional_secret_outputs covers outputs only: a secret *input* (an imported kubeconfig,
        # the connection's token) would sit in the state's inputs in plaintext unless it is a secret.
        for name in secrets:
            if props.get(name) is not None:
                props[name] = pulumi.Output.secret(props[name])
        if secrets:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secrets))
        provider = cls.__dict__.get("_provider_instance")
        if provider is None:
            provider = cls._provider_instance = provider_class()
        super().__init__(provider, resource_name, props, opts)

    @classmethod
    def get(
        cls, resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None, **scope: Any
    ) -> Self:
        """Read the existing object ``id`` into the program (not managed: destroy leaves it alone).

        ``scope`` carries what the API needs to find it (e.g. ``workspace_id=`` for a workspace other
        than the connection's default).
        """
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return cls(resource_name, scope, opts)


def merge_args(args: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """One dict from an ``<Name>Args`` dataclass (or a dict) and keyword arguments (keywords win)."""
    if args is None:
        base: dict[str, Any] = {}
    elif dataclasses.is_dataclass(args) and not isinstance(args, type):
        base = {f.name: getattr(args, f.name) for f in dataclasses.fields(args) if getattr(args, f.name) is not None}
    elif isinstance(args, Mapping):
        base = dict(args)
    else:
        raise TypeError(f"args must be an Args dataclass or a dict, got {type(args).__name__}")
    return {**base, **kwargs}


class AkuaResource(LifecycleResource):
    """Base of every Akua resource class. ``opts=pulumi.ResourceOptions(provider=akua_pulumi.Provider(...))``
    (or a parent component that got one) selects an explicit connection."""

    #: The explicit :class:`~akua_pulumi.Provider` this resource uses (None: stack config / env).
    akua_provider: Provider | None

    def __init__(
        self, resource_name: str, args: Any = None, opts: pulumi.ResourceOptions | None = None, **kwargs: Any
    ) -> None:
        _, self.akua_provider = split_provider(opts)
        super().__init__(resource_name, args, opts, **kwargs)

    @classmethod
    def take_connection(cls, opts: pulumi.ResourceOptions | None) -> tuple[pulumi.ResourceOptions | None, Any]:
        opts, provider = split_provider(opts)
        return opts, (provider.as_property() if provider is not None else None)

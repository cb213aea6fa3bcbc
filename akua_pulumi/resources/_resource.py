"""The Pulumi-facing half of a resource: typed arguments in, outputs as attributes."""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi.dynamic as dyn

from ..connection import Provider, split_provider
from ._provider import LifecycleProvider

__all__ = ["AkuaResource", "LifecycleResource"]


class LifecycleResource(dyn.Resource):
    """Base of every resource class on the shared lifecycle: fills all declared properties, marks
    secrets and hands an explicit connection to the provider.

    Every declared field becomes a property (outputs start as ``None``) so that each one is an
    attribute of the resource. Secret fields are listed in ``additional_secret_outputs``: a dynamic
    provider cannot mark outputs secret itself. An API family's base (:class:`AkuaResource`) says
    how a connection arrives, in :meth:`take_connection`.
    """

    provider_class: ClassVar[type[LifecycleProvider]]
    _provider_instance: ClassVar[LifecycleProvider | None] = None

    @classmethod
    def take_connection(cls, opts: pulumi.ResourceOptions | None) -> tuple[pulumi.ResourceOptions | None, Any]:
        """Split ``opts`` into what Pulumi gets and the connection property value (None: defaults)."""
        return opts, None

    def __init__(self, resource_name: str, args: dict[str, Any], opts: pulumi.ResourceOptions | None) -> None:
        cls = type(self)
        provider_class = cls.provider_class
        props: dict[str, Any] = {f.name: args.get(f.name) for f in provider_class.all_fields()}
        connection_name = provider_class.connection_field.name
        # The connection arrives through opts, never as an argument.
        unknown = sorted((set(args) - set(props)) | ({connection_name} & set(args)))
        if unknown:
            raise TypeError(f"{cls.__name__} got unexpected arguments: {', '.join(unknown)}")
        opts, connection = cls.take_connection(opts)
        props[connection_name] = connection
        props["akua_seed"] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{cls.__name__}/{resource_name}"
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


class AkuaResource(LifecycleResource):
    """Base of every Akua resource class. ``opts=pulumi.ResourceOptions(provider=akua_pulumi.Provider(...))``
    (or a parent component that got one) selects an explicit connection."""

    #: The explicit :class:`~akua_pulumi.Provider` this resource uses (None: stack config / env).
    akua_provider: Provider | None

    def __init__(self, resource_name: str, args: dict[str, Any], opts: pulumi.ResourceOptions | None) -> None:
        _, self.akua_provider = split_provider(opts)
        super().__init__(resource_name, args, opts)

    @classmethod
    def take_connection(cls, opts: pulumi.ResourceOptions | None) -> tuple[pulumi.ResourceOptions | None, Any]:
        opts, provider = split_provider(opts)
        return opts, (provider.as_property() if provider is not None else None)

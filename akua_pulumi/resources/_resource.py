"""The Pulumi-facing half of a resource: typed arguments in, outputs as attributes."""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi.dynamic as dyn

from ._provider import AkuaProvider

__all__ = ["AkuaResource"]


class AkuaResource(dyn.Resource):
    """Base of every Akua resource class: fills all declared properties and marks secrets.

    Every declared field becomes a property (outputs start as ``None``) so that each one is an
    attribute of the resource. Secret fields are listed in ``additional_secret_outputs``: a dynamic
    provider cannot mark outputs secret itself.
    """

    provider_class: ClassVar[type[AkuaProvider]]
    _provider_instance: ClassVar[AkuaProvider | None] = None

    def __init__(self, resource_name: str, args: dict[str, Any], opts: pulumi.ResourceOptions | None) -> None:
        cls = type(self)
        props: dict[str, Any] = {f.name: args.get(f.name) for f in cls.provider_class.all_fields()}
        unknown = sorted(set(args) - set(props))
        if unknown:
            raise TypeError(f"{cls.__name__} got unexpected arguments: {', '.join(unknown)}")
        props["akua_seed"] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{cls.__name__}/{resource_name}"
        secrets = cls.provider_class.secret_outputs()
        # additional_secret_outputs covers outputs only: a secret *input* (an imported kubeconfig)
        # would sit in the state's inputs in plaintext unless the value itself is a secret.
        for name in secrets:
            if props.get(name) is not None:
                props[name] = pulumi.Output.secret(props[name])
        if secrets:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secrets))
        provider = cls.__dict__.get("_provider_instance")
        if provider is None:
            provider = cls._provider_instance = cls.provider_class()
        super().__init__(provider, resource_name, props, opts)

"""``akua:CustomDomain``: a hostname the seller owns, routed to an install, a cluster or an endpoint."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ._akua import operations
from ._fields import CREATED_AT, ETAG, OPERATION_TIMEOUT, TRAFFIC, Field, id_bounds, operation_timeout
from ._generated import CustomDomainArgs, CustomDomainArgsDict, CustomDomainBase
from ._provider import AkuaProvider, Context, StaleReplayError

__all__ = [
    "PROTOCOLS",
    "ROUTING_MODES",
    "CustomDomain",
    "CustomDomainArgs",
    "CustomDomainArgsDict",
    "CustomDomainProvider",
    "hostname_problem",
]

PROTOCOLS = ("http", "websocket", "grpc")
ROUTING_MODES = ("through_dispatcher", "bypass_dispatcher")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
#: The target fields and the ``target.kind`` each stands for.
_TARGETS = {"install_id": "install", "cluster_id": "cluster", "endpoint": "external"}
_MTLS = "mtls_secret_id"


def hostname_problem(value: Any) -> str | None:
    """A lower-case DNS name of two or more dot-separated labels, each 1 to 63 of ``a-z``, ``0-9`` and
    ``-``, not starting or ending with ``-`` (e.g. ``shop.example.com``); our choice: the contract gives no
    pattern, and the domain could never validate otherwise."""
    labels = str(value).split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return f"hostname {value!r} is not a lower-case DNS name such as 'shop.example.com'"
    return None


def _endpoint_problem(value: Any) -> str | None:
    """An http(s) URL with a host, e.g. ``https://origin.example.com`` (our choice)."""
    if not re.match(r"^https?://[^\s/]+", str(value)):
        return f"endpoint must be an http(s) URL such as 'https://origin.example.com', got {value!r}"
    return None


class CustomDomainProvider(AkuaProvider):
    """Lifecycle of ``/workspaces/{id}/custom_domains``.

    * Create, update and delete are async Operations with required Idempotency-Keys (deterministic
      per resource and step, so a retry replays); update and delete send the domain's etag.
    * The target is flattened: set exactly one of ``install_id``, ``cluster_id`` or ``endpoint``
      (with an optional ``mtls_secret_id``); changing it, ``protocol`` or ``routing_mode`` updates in place.
    * Hostnames are unique: the provider looks the hostname up in the workspace before creating and
      fails with an adoption hint when it exists; one used in another workspace fails the operation,
      whose message says so.
    """

    type_name = "akua:CustomDomain"
    step_operations = operations("customDomains")
    contract_ops = ("customDomains.create", "customDomains.update")
    natural_key = ("hostname",)
    precheck_natural_key = True
    idempotent_create = True
    fields = (
        Field.create_only(
            "hostname",
            str,
            "The host name, e.g. 'shop.example.com' (unique across Akua).",
            required=True,
            validator=hostname_problem,
        ),
        # The four are sent as one tagged ``target`` object (see _target) and shown inside it.
        Field.updatable(
            "install_id", str, "Route to this install.", **id_bounds(55), send="never", read="target.install_id"
        ),
        Field.updatable(
            "cluster_id", str, "Route to this cluster.", **id_bounds(54), send="never", read="target.cluster_id"
        ),
        Field.updatable(
            "endpoint",
            str,
            "Route to this external URL.",
            validator=_endpoint_problem,
            send="never",
            read="target.endpoint",
        ),
        Field.updatable(
            "mtls_secret_id",
            str,
            "External targets: Secret used for mutual TLS.",
            **id_bounds(54),
            send="never",
            read="target.mtls_secret_id",
        ),
        *TRAFFIC,
        OPERATION_TIMEOUT,
        Field.output("status", str, "provisioning, active, failed or releasing."),
        Field.output("ssl", dict, "Certificate status and validation records."),
        CREATED_AT,
        ETAG,
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * Exactly one target: ``install_id``, ``cluster_id`` or ``endpoint``.
        * ``mtls_secret_id`` applies to an ``endpoint`` target only.
        """
        targets = [t for t in _TARGETS if inputs.get(t) is not None]
        if len(targets) != 1:
            return [("install_id", "set exactly one target: install_id, cluster_id or endpoint")]
        if inputs.get("mtls_secret_id") is not None and targets != ["endpoint"]:
            return [("mtls_secret_id", "mtls_secret_id applies to an endpoint target only")]
        return []

    def _target(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        # A tagged union: its kind says which target field is set (validate allows exactly one).
        name = next((n for n in _TARGETS if inputs.get(n) is not None), "endpoint")
        target = {"kind": _TARGETS[name], name: inputs.get(name)}
        if _TARGETS[name] == "external" and inputs.get(_MTLS) is not None:
            target[_MTLS] = inputs[_MTLS]
        return target

    def _base(self, inputs: Mapping[str, Any], domain_id: str | None = None) -> str:
        """The workspace's custom domains, or one of them."""
        base = api_path("/workspaces/{}/custom_domains", inputs["workspace_id"])
        return base if domain_id is None else base + api_path("/{}", domain_id)

    def _timeout(self, inputs: Mapping[str, Any]) -> float:
        return operation_timeout(inputs)

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = {**self.create_body(inputs), "target": self._target(inputs)}
        op = ctx.client.post(self._base(inputs), json=body, idempotency_key=ctx.idempotency_key("create"))
        done = ctx.client.wait_operation(op, timeout=self._timeout(inputs))
        domain: dict[str, Any] = ctx.client.get(self._base(inputs, done["response"]["custom_domain_id"]))
        if domain.get("status") == "releasing":
            raise StaleReplayError(f"custom domain {domain['id']} is being deleted")
        return domain

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        domain: dict[str, Any] = ctx.client.get(self._base(state, id_))
        return None if domain.get("status") == "releasing" else domain

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.find_by_key(ctx.client.paginate(self._base(inputs)), inputs)

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        body = self.update_body(inputs, changed)
        if changed & {*_TARGETS, _MTLS}:
            body["target"] = self._target(inputs)
        etag = str(state["etag"])
        op = ctx.client.patch(
            self._base(state, id_),
            json=body,
            if_match=etag,
            idempotency_key=ctx.idempotency_key(f"update:{etag}"),
        )
        ctx.client.wait_operation(op, timeout=self._timeout(inputs))

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        etag = str(state["etag"])
        op = ctx.client.delete(
            self._base(state, id_), if_match=etag, idempotency_key=ctx.idempotency_key(f"delete:{etag}")
        )
        if op:
            ctx.client.wait_operation(op, timeout=self._timeout(state))


class CustomDomain(CustomDomainBase, module="akua", name="CustomDomain"):
    """A custom domain of a workspace, routed to exactly one of ``install_id``, ``cluster_id`` or
    ``endpoint``. ``ssl.validation_records`` lists the DNS records to publish while it validates."""

    provider_class = CustomDomainProvider

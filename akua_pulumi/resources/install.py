"""``akua:Install``: a product (or a package directly) installed into a workspace's cluster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..client import api_path
from ._akua import RestProvider, operations
from ._fields import ETAG, HTML_URL, OPERATION_TIMEOUT, Field, operation_timeout, to_pin, version_pin, version_problem
from ._generated import InstallArgs, InstallArgsDict, InstallBase
from ._provider import AkuaResourceError, Context, StaleReplayError, wait_for

__all__ = ["Install", "InstallArgs", "InstallArgsDict", "InstallProvider"]

_SETTLED = ("healthy", "degraded", "failed")


class InstallProvider(RestProvider):
    """Lifecycle of ``/installs``.

    * Create and delete are async Operations; the id comes from ``response.install_id``.
    * ``region_id``, ``initial_values``, the package pin and ``automatic_updates`` are never returned:
      they are kept from state, and ``package_version_id`` shows version drift.
    * Changing ``package_version_id`` calls ``:update`` (If-Match + Idempotency-Key) and waits for the
      render to deploy; ``automatic_updates`` uses its own endpoint.
    """

    type_name = "akua:Install"
    step_operations = operations("installs", update=("updateVersion", "setAutomaticUpdates"))
    collection = "/installs"
    contract_ops = ("installs.create", "installs.updateVersion")
    idempotent_create = True
    fields = (
        Field.create_only("product_id", str, "Install this product (product-based install)."),
        Field.create_only("package_id", str, "Install this package directly (direct install).", write_only=True),
        version_pin(Field.create_only, "Direct installs: 'latest' or a SemVer version.", write_only=True),
        Field.create_only("region_id", str, "Region to install into.", required=True, write_only=True),
        Field.create_only(
            "cluster_id", str, "Cluster to install into (the server picks one when omitted).", server_default=True
        ),
        Field.create_only("initial_values", dict, "Initial chart values (write-only).", write_only=True),
        Field.updatable(
            "package_version_id",
            str,
            "Pin the install to this package version.",
            server_default=True,
            send="update",  # the :update action after the create (which installs what the pin resolves to)
        ),
        Field.updatable(
            "automatic_updates",
            bool,
            "Let Akua update the install automatically.",
            server_default=True,
            write_only=True,
            send="never",  # its own endpoint (setAutomaticUpdates), after create and on update
        ),
        Field.option("wait_for_healthy", bool, "Wait until the install is healthy after create.", default=True),
        replace(OPERATION_TIMEOUT, description="How long to wait for operations and health."),
        Field.output("state", str, "pending, rendering, syncing, healthy, degraded, failed or deleted."),
        Field.output("urls", list, "Routes the install exposes."),
        HTML_URL,
        ETAG,
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * Exactly one of ``product_id`` (a product install) or ``package_id`` (a direct install).
        * ``version`` applies to direct installs (``package_id``) only, and is ``latest`` or a SemVer 2.0 version.
        """
        product, package, version = inputs.get("product_id"), inputs.get("package_id"), inputs.get("version")
        if (product is None) == (package is None):
            return [("product_id", "set exactly one of product_id (product install) or package_id (direct install)")]
        if product is not None and version is not None:
            return [("version", "version applies to direct installs (package_id) only")]
        if version is not None and (problem := version_problem(version)):
            return [("version", problem)]
        return []

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = self.create_body(inputs)
        if inputs.get("package_id") and not inputs.get("version"):
            body["package_version_pin"] = to_pin("latest")  # a direct install's default (product installs have none)
        timeout = operation_timeout(inputs)
        op = ctx.client.post("/installs", json=body, idempotency_key=ctx.idempotency_key("create"))
        install_id = ctx.client.wait_operation(op, timeout=timeout)["response"]["install_id"]
        install = self.api_read(ctx, install_id, inputs)  # 404: a stale replay
        if install is None:
            raise StaleReplayError(f"install {install_id} was deleted")
        if inputs.get("wait_for_healthy", True):
            install = self._wait_settled(ctx, install_id, timeout, first=install)
        wanted = inputs.get("package_version_id")
        if wanted and install.get("package_version_id") != wanted:
            # The create installs what the pin resolves to; a declared version differs: move to it now
            # rather than leaving the difference for the next `up`.
            self.api_update(ctx, install_id, install, inputs, {"package_version_id"})
            install = ctx.client.get(self.object_path(install_id))
        if inputs.get("automatic_updates") is not None:
            self._set_automatic_updates(ctx, install, bool(inputs["automatic_updates"]))
            install = ctx.client.get(self.object_path(install_id))
        return install

    def _wait_settled(
        self, ctx: Context, install_id: str, timeout: float, first: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        pending = first  # the GET the caller just made is the first poll: no second read when settled

        def settled() -> dict[str, Any] | None:
            nonlocal pending
            install, pending = pending or ctx.client.get(self.object_path(install_id)), None
            return install if install.get("state") in _SETTLED and not install.get("reconciling") else None

        install = wait_for(settled, timeout=timeout, interval=0.2, what=f"install {install_id} to become healthy")
        if install["state"] == "failed":
            raise AkuaResourceError(
                f"install {install_id} failed to deploy (state 'failed'); see {install.get('html_url')}"
            )
        return install

    def _set_automatic_updates(self, ctx: Context, install: Mapping[str, Any], enabled: bool) -> None:
        ctx.client.patch(
            api_path("/installs/{}/automatic_updates", install["id"]),
            json={"automatic_updates_enabled": enabled},
            if_match=install["etag"],
            idempotency_key=ctx.idempotency_key(f"auto:{install['etag']}"),
        )

    def gone(self, obj: Mapping[str, Any]) -> bool:
        return obj.get("state") == "deleted"

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        etag = state["etag"]
        timeout = operation_timeout(inputs)
        if "package_version_id" in changed:
            result = ctx.client.post(
                api_path("/installs/{}:update", id_),
                json=self.update_body(inputs, changed),  # the pin: the one field the :update action takes
                if_match=etag,
                idempotency_key=ctx.idempotency_key(f"update:{etag}"),
            )
            etag = result["install"]["etag"]
            want = inputs["package_version_id"]

            def deployed() -> dict[str, Any] | None:
                install: dict[str, Any] = ctx.client.get(self.object_path(id_))
                if install.get("package_version_id") == want and not install.get("reconciling"):
                    return install
                return None

            etag = wait_for(deployed, timeout=timeout, interval=0.2, what=f"install {id_} to deploy {want}")["etag"]
        if "automatic_updates" in changed and inputs.get("automatic_updates") is not None:
            self._set_automatic_updates(ctx, {"id": id_, "etag": etag}, bool(inputs["automatic_updates"]))

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        op = ctx.client.delete(self.object_path(id_), if_match=state["etag"])
        if op:
            ctx.client.wait_operation(op, timeout=operation_timeout(state))


class Install(InstallBase, module="akua", name="Install"):
    """An install. Product-based: ``product_id``. Direct: ``package_id`` (+ ``version``)."""

    provider_class = InstallProvider

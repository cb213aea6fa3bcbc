"""``LocalAdmin``: a small httpx client for the akua-local ``/_local`` control plane."""

from __future__ import annotations

from typing import Any

import httpx

from ..client._paths import api_path

__all__ = ["LocalAdmin"]


class LocalAdmin:
    """Drive the emulator's control plane: ``LocalAdmin("http://127.0.0.1:8765", token=owner_token)``.

    ``token`` is the owner token (``akua-local serve --token``, ``LocalServer.owner_token``); the control
    plane answers 401 without it.
    """

    def __init__(self, base_url: str, token: str, client: httpx.Client | None = None) -> None:
        if not token:
            raise ValueError("LocalAdmin needs the owner token (akua-local serve --token / LocalServer.owner_token)")
        self.base_url = base_url.rstrip("/")
        if self.base_url.endswith("/v1"):
            self.base_url = self.base_url[:-3]
        self._auth = {"Authorization": f"Bearer {token}"}
        self._client = client or httpx.Client(base_url=self.base_url, timeout=30)

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        resp = self._client.request(method, "/_local" + path, json=json, headers=self._auth)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def _json(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        """:meth:`_call` for the endpoints that answer with a JSON object (an empty answer reads as ``{}``)."""
        result = self._call(method, path, json)
        return result if isinstance(result, dict) else {}

    def create_user(self, name: str, email: str, user_id: str | None = None) -> dict[str, Any]:
        """A new user with a session token: ``{id, name, email, token}``."""
        body = {"name": name, "email": email, **({"id": user_id} if user_id else {})}
        return self._json("POST", "/users", body)

    def publish_artifact(
        self, oci_ref: str, semver: str, ref: str, input_schema: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Publish ``oci_ref@semver`` so package import / createVersion accept it."""
        return self._json(
            "POST",
            "/artifacts",
            {
                "oci_ref": oci_ref,
                "semver": semver,
                "ref": ref,
                "input_schema": input_schema or {},
            },
        )

    def grant_management(self, workspace_id: str, organization_id: str) -> dict[str, Any]:
        """Simulate the customer granting management of a workspace to an organization."""
        return self._json(
            "POST",
            api_path("/workspaces/{}/management", workspace_id),
            {"organization_id": organization_id},
        )

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Replace the fault settings (latency_ms, error_rate, rate_limited_rate, ...)."""
        return self._json("PUT", "/faults", settings)

    def get_faults(self) -> dict[str, Any]:
        return self._json("GET", "/faults")

    def clear_faults(self) -> dict[str, Any]:
        return self.set_faults()

    def counters(self) -> dict[str, Any]:
        """``{total, reads, writes, by_operation, by_status}`` of /v1 requests."""
        return self._json("GET", "/counters")

    def reset_counters(self) -> None:
        self._call("POST", "/counters:reset")

    def set_operation_delay(self, seconds: float) -> dict[str, Any]:
        return self._json("PUT", "/config", {"operation_delay_seconds": seconds})

    def set_config(self, **settings: Any) -> dict[str, Any]:
        """``PUT /_local/config``: operation_delay_seconds, secret_retention_seconds, subdomain_base_domain."""
        return self._json("PUT", "/config", settings)

    def fail_next_operation(self, op_type: str, message: str = "injected failure") -> None:
        """Make the next operation of metadata type ``op_type`` end FAILED with ``message``."""
        self._call("POST", "/operations:fail-next", {"type": op_type, "message": message})

    def advance_operations(self) -> None:
        """Complete every pending operation and render now."""
        self._call("POST", "/operations:advance")

    def clock(self) -> dict[str, Any]:
        """The emulator's clock: ``{now, now_iso, offset_seconds, wall_now}``."""
        return self._json("GET", "/clock")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the emulator's clock ``seconds`` forward and run what came due (e.g. the Free machine lifetime).

        Answers the new clock plus ``expired``: one ``{machine_id, workspace_id, operation_id, reason}`` per
        machine retired (``reason`` ``lifetime`` or ``snapshot_expired``).
        """
        return self._json("POST", "/clock:advance", {"seconds": seconds})

    def get_object(self, object_id: str) -> dict[str, Any]:
        """Raw stored object, including internal fields: ``{kind, data}``."""
        return self._json("GET", api_path("/objects/{}", object_id))

    def patch_object(self, object_id: str, **fields: Any) -> dict[str, Any]:
        """Merge ``fields`` into a stored object out of band (drift) and bump its etag."""
        return self._json("PATCH", api_path("/objects/{}", object_id), fields)

    def delete_object(self, object_id: str) -> None:
        """Remove one object out of band."""
        self._call("DELETE", api_path("/objects/{}", object_id))

    def seed_order_draft(
        self, offer_id: str, customer_user_id: str, customer_email: str | None = None
    ) -> dict[str, Any]:
        """Create an order draft in ``auth`` on an offer, as a customer would (API.md §7.8)."""
        body: dict[str, Any] = {"offer_id": offer_id, "customer_user_id": customer_user_id}
        if customer_email is not None:
            body["customer_email"] = customer_email
        return dict(self._call("POST", "/order_drafts", body))

    def advance_order_draft(self, draft_id: str, **fields: Any) -> dict[str, Any]:
        """Move an order draft one phase on (``workspace_id``, ``cluster_id``, ``field_values``, ``pay``)."""
        return dict(self._call("POST", api_path("/order_drafts/{}:advance", draft_id), fields))

    def terminate_order_draft(self, draft_id: str, reason: str = "revoked") -> dict[str, Any]:
        """Terminate an order draft (through ``cleaning_up``) with ``reason``."""
        return dict(self._call("POST", api_path("/order_drafts/{}:terminate", draft_id), {"reason": reason}))

    def add_agent_skill(self, workspace_id: str, name: str, **fields: Any) -> dict[str, Any]:
        """Publish one more agent skill in a workspace (``description``, ``version``, ``capabilities``)."""
        return dict(self._call("POST", "/agent_skills", {"workspace_id": workspace_id, "name": name, **fields}))

    def add_agent_template(self, name: str, instructions: str, **fields: Any) -> dict[str, Any]:
        """Add a platform agent template (``description``, ``capabilities``), the same in every workspace."""
        return dict(self._call("POST", "/agent_templates", {"name": name, "instructions": instructions, **fields}))

    def seed_repository(self, workspace_id: str, purpose: str, name: str, **owner: str) -> dict[str, Any]:
        """A repository of any purpose (``cluster_id``, ``package_id`` or ``repository_change_request_id``)."""
        body = {"workspace_id": workspace_id, "purpose": purpose, "name": name, **owner}
        return dict(self._call("POST", "/repositories", body))

    def reset(self) -> None:
        """Wipe everything; the bootstrap owner keeps its token."""
        self._call("POST", "/reset")

    def close(self) -> None:
        self._client.close()

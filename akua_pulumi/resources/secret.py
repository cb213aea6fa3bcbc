"""``akua:Secret``: a workspace secret whose value is a secret input; state keeps only a salted hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets as _random
from collections.abc import Mapping
from typing import Any

from ..client import api_path
from ..errors import Conflict
from ._akua import operations
from ._fields import CREATED_AT, ETAG, HTML_URL, Field, is_unknown
from ._generated import SecretArgs, SecretArgsDict, SecretBase
from ._provider import AkuaProvider, Context, StaleReplayError, log

__all__ = ["SECRET_KINDS", "Secret", "SecretArgs", "SecretArgsDict", "SecretProvider", "value_hash"]

#: The kinds a secret can be created with (the legacy ``cloud_credential`` can only be read).
SECRET_KINDS = (
    "generic",
    "cloud_provider/hcloud",
    "cloud_provider/aws",
    "cloud_provider/gcp",
    "cloud_provider/azure",
    "oci_registry",
    "cloudflare_api",
    "webhook_signing",
)
_ON_ROTATE = ("disable", "destroy", "keep")


def value_hash(value: str, salt: str | None = None) -> str:
    """``sha256:<salt>:<hex>``: a salted hash of a secret value (the salt is random per secret)."""
    salt = salt or _random.token_hex(8)
    digest = hashlib.sha256(f"akua-secret\0{salt}\0{value}".encode()).hexdigest()
    return f"sha256:{salt}:{digest}"


def _same_value(value: str, stored: Any) -> bool:
    if not isinstance(stored, str) or not stored.startswith("sha256:") or stored.count(":") != 2:
        return False
    return hmac.compare_digest(value_hash(value, stored.split(":")[1]), stored)


class SecretProvider(AkuaProvider):
    """Lifecycle of ``/secrets`` and its versions.

    * The value is sent once, on create (it becomes version 1), and never read back: the outputs keep
      only ``value_hash``, a salted SHA-256 of it. The engine keeps the declared input encrypted with
      the stack's secrets provider, as it does for every secret input.
    * A changed value rotates: ``createVersion`` makes version n+1 (readers of ``latest`` pick it up at
      once), then the versions enabled before it are disabled (``on_rotate="disable"``, the default),
      destroyed (``"destroy"``, final) or left enabled (``"keep"``).
    * A version added outside Pulumi shows on refresh (``version_count`` grew past ``version_number``),
      and the next ``up`` rotates back to the declared value.
    * Destroy soft-deletes: the secret keeps its name and payloads until the API purges it
      (``purge_at``, 30 days in akua-local), and refresh treats it as gone. ``force_delete=True``
      destroys the payloads at once. Declaring a secret whose name a soft-deleted one still holds
      undeletes that one and rotates the declared value into it, so destroy and up again converges.
    * Adoption (``adopt=True`` by name, or ``adopt_id``) compares the value by reading the latest
      version once (``:access``) and rotates only when it differs.
    """

    type_name = "akua:Secret"
    step_operations = operations(
        "secrets",
        create=("create", "update"),
        update=("update", "createVersion", "disableVersion"),
        adopt="accessVersion",
    )
    delete_conflict_advice = (
        "A compute config, custom domain or Cloudflare connection still refers to this secret: destroy it "
        "first (make it depend on the Secret so destroy orders them)."
    )
    # Not secrets.create: its body is a oneOf per kind, each branch allowing one kind only; kind and
    # value are checked here (the eight kinds, and a webhook_signing value of 16 characters or more).
    contract_ops = ("secrets.update",)
    natural_key = ("name",)
    idempotent_create = True
    fields = (
        Field.updatable("name", str, "Secret name, unique in the workspace.", required=True),
        Field.create_only("kind", str, "What the secret holds.", default="generic", choices=SECRET_KINDS, ours=True),
        Field.updatable(
            "value",
            str,
            "The secret value (a secret input; never returned; a change rotates a new version in).",
            required=True,
            min_length=1,
            ours=True,
            secret=True,
            write_only=True,
            send="create",  # a change rotates a new version in (createVersion), never a PATCH
        ),
        Field.updatable("description", str, "Description.", server_default=True),
        Field.updatable("labels", dict, "Labels: string to string (values up to 200 characters).", server_default=True),
        # The create takes neither: api_create PATCHes them right after.
        Field.updatable("mime_type", str, "MIME type of the value.", server_default=True, send="update"),
        Field.updatable(
            "version_aliases",
            dict,
            "Alias to version number (e.g. {'current': 2}).",
            server_default=True,
            send="update",
        ),
        Field.create_only(
            "aws_access_key_id", str, "cloud_provider/aws only: the access key id.", secret=True, write_only=True
        ),
        Field.create_only("username", str, "oci_registry only: the registry user name.", write_only=True),
        Field.option(
            "on_rotate",
            str,
            "What a rotation does to the versions enabled before it.",
            default="disable",
            choices=_ON_ROTATE,
            ours=True,
        ),
        Field.option(
            "force_delete", bool, "On destroy, destroy the payloads at once instead of a soft delete.", default=False
        ),
        Field.output("value_hash", str, "Salted SHA-256 of the value the secret holds (never the value)."),
        Field.output("version_number", int, "The version that holds the declared value."),
        Field.output("version_count", int, "Versions ever created."),
        Field.output("enabled_version_count", int, "Versions currently enabled."),
        Field.output("state", str, "active (a soft-deleted secret reads as gone)."),
        HTML_URL,
        CREATED_AT,
        ETAG,
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * ``aws_access_key_id`` applies to kind ``cloud_provider/aws`` only; ``username`` to kind
          ``oci_registry`` only.
        * The ``value`` of a ``webhook_signing`` secret is at least 16 characters.
        * Each ``labels`` value is a string of at most 200 characters; each ``version_aliases`` value a version
          number >= 1.
        """
        kind, value = inputs.get("kind"), inputs.get("value")
        out: list[tuple[str, str]] = []
        if inputs.get("aws_access_key_id") is not None and kind != "cloud_provider/aws":
            out.append(("aws_access_key_id", "aws_access_key_id applies to kind 'cloud_provider/aws' only"))
        if inputs.get("username") is not None and kind != "oci_registry":
            out.append(("username", "username applies to kind 'oci_registry' only"))
        if kind == "webhook_signing" and isinstance(value, str) and not is_unknown(value) and len(value) < 16:
            out.append(("value", "value of a webhook_signing secret must be at least 16 characters"))
        for name in ("labels", "version_aliases"):
            mapping = inputs.get(name)
            if not isinstance(mapping, Mapping) or is_unknown(mapping):
                continue
            for key, item in mapping.items():
                if name == "labels" and not (isinstance(item, str) and len(item) <= 200):
                    out.append((name, f"labels[{key!r}] must be a string of at most 200 characters"))
                if name == "version_aliases":
                    number = int(item) if isinstance(item, float) and item.is_integer() else item
                    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                        out.append((name, f"version_aliases[{key!r}] must be a version number >= 1, got {item!r}"))
        return out

    # ---- the value: compared by hash, never stored in outputs ----

    def changed_fields(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[Field]:
        # State keeps only a salted hash of the value, so the value compares by hash (no declaration says that).
        out = [f for f in super().changed_fields(olds, news) if f.name != "value"]
        new = news.get("value")
        if new is not None and (is_unknown(new) or not _same_value(str(new), olds.get("value_hash"))):
            out.append(self.field_map()["value"])
        return out

    def _outputs(self, inputs: Mapping[str, Any], obj: Mapping[str, Any], prior: Mapping[str, Any]) -> dict[str, Any]:
        # The value never enters outputs; its hash and version do, by rules no declaration expresses.
        outs = super()._outputs(inputs, obj, prior)
        outs.pop("value", None)
        declared = inputs.get("value")
        count = obj.get("version_count")
        seen = obj.get("value_hash")  # set by a read that compared the live value (adoption)
        if declared is not None and not is_unknown(declared):
            if _same_value(str(declared), prior.get("value_hash")):
                outs["value_hash"] = prior["value_hash"]
                outs["version_number"] = prior.get("version_number")
            elif _same_value(str(declared), seen):
                outs["value_hash"], outs["version_number"] = seen, count
            else:  # just written: by create (version 1) or a rotation (the newest version)
                outs["value_hash"], outs["version_number"] = value_hash(str(declared)), count
        else:  # refresh: the value is not known here; a version added elsewhere means drift
            outs["value_hash"] = prior.get("value_hash")
            outs["version_number"] = prior.get("version_number")
            known = prior.get("version_number")  # numbers come back from the engine as floats
            if isinstance(count, (int, float)) and isinstance(known, (int, float)) and count > known:
                outs["value_hash"] = f"drifted: version {int(count)} was added outside Pulumi"
        return outs

    # ---- hooks ----

    def _set(self, inputs: Mapping[str, Any]) -> set[str]:
        """The updatable fields ``inputs`` sets."""
        return {f.name for f in self.all_fields() if "update" in f.sent_on and inputs.get(f.name) is not None}

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = self.create_body(inputs)
        try:
            secret: dict[str, Any] = ctx.client.post(
                "/secrets", json=body, idempotency_key=ctx.idempotency_key("create")
            )
        except Conflict:
            deleted = self._soft_deleted(ctx, str(inputs["name"]))
            if deleted is None:
                raise
            return self._undelete(ctx, deleted, inputs)
        if secret.get("state") == "soft_deleted":
            raise StaleReplayError(f"secret {secret['id']} was deleted")
        extra = {k: v for k, v in self.update_body(inputs, self._set(inputs)).items() if k not in body}
        if extra:
            secret = ctx.client.patch(api_path("/secrets/{}", secret["id"]), json=extra, if_match=secret["etag"])
        return secret

    def _soft_deleted(self, ctx: Context, name: str) -> dict[str, Any] | None:
        return next(
            (s for s in ctx.client.paginate("/secrets") if s.get("name") == name and s.get("state") == "soft_deleted"),
            None,
        )

    def _undelete(self, ctx: Context, deleted: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The name is held by a soft-deleted secret (destroyed, or deleted outside Pulumi): restore it
        and rotate the declared value and metadata into it rather than fail."""
        sid = deleted["id"]
        log.info("akua:Secret %s: undeleting soft-deleted %s and rotating the declared value in", inputs["name"], sid)
        restored: dict[str, Any] = ctx.client.post(
            api_path("/secrets/{}:undelete", sid),
            if_match=deleted["etag"],
            idempotency_key=ctx.idempotency_key(f"undelete:{sid}"),
        )
        names = self._set(inputs) - set(self.natural_key)  # the restored secret has the name already
        self.api_update(ctx, sid, restored, dict(inputs), {"value", *names})
        return dict(ctx.client.get(api_path("/secrets/{}", sid)))

    def _with_live_hash(
        self, ctx: Context, secret: dict[str, Any] | None, state: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """For adoption (no hash known yet): read the latest value once and keep only its hash."""
        if secret is None or secret.get("state") == "soft_deleted":
            return None
        if state.get("value_hash") is None and state.get("value") is not None and secret.get("enabled_version_count"):
            live = ctx.client.post(api_path("/secrets/{}/versions/latest:access", secret["id"]))["value"]
            secret = {**secret, "value_hash": value_hash(str(live))}
        return secret

    def api_read(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._with_live_hash(ctx, ctx.client.get(api_path("/secrets/{}", id_)), state)

    def api_find(self, ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        found = self.find_by_key(ctx.client.paginate("/secrets"), inputs, lambda s: s.get("state") == "active")
        return self._with_live_hash(ctx, found, inputs)

    def api_update(
        self, ctx: Context, id_: str, state: Mapping[str, Any], inputs: dict[str, Any], changed: set[str]
    ) -> None:
        self.patch_changed(ctx, api_path("/secrets/{}", id_), state["etag"], inputs, changed)  # metadata
        if "value" in changed:
            self._rotate(ctx, id_, inputs, str(state["etag"]))

    def _rotate(self, ctx: Context, id_: str, inputs: Mapping[str, Any], etag: str) -> None:
        # The key names the revision rotated from: a retry of this step replays, a later rotation
        # back to an earlier value does not.
        new: dict[str, Any] = ctx.client.post(
            api_path("/secrets/{}/versions", id_),
            json={"value": inputs["value"], "comment": "rotated by Pulumi"},
            idempotency_key=ctx.idempotency_key(f"rotate:{id_}:{etag}"),
        )
        action = inputs.get("on_rotate") or "disable"
        if action == "keep":
            return
        for version in ctx.client.paginate(api_path("/secrets/{}/versions", id_), params={"state": "enabled"}):
            if version["id"] != new["id"] and version["version_number"] < new["version_number"]:
                ctx.client.post(
                    api_path("/secrets/{}/versions/{}", id_, version["id"]) + f":{action}", if_match=version["etag"]
                )

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        params = {"force": "true"} if state.get("force_delete") else None
        ctx.client.delete(api_path("/secrets/{}", id_), params=params, if_match=state["etag"])


class Secret(SecretBase, module="akua", name="Secret"):
    """A workspace secret. ``value`` is a secret input: the API never returns it and state outputs keep
    only ``value_hash``; changing it rotates a new version in. Destroy soft-deletes
    (``force_delete=True`` purges at once)."""

    provider_class = SecretProvider

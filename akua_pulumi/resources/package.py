"""``akua:Package``: a deployable package, from a Helm chart (hosted) or a published OCI artifact."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._akua import RestProvider, operations
from ._fields import ETAG, HTML_URL, SEMVER, Field
from ._generated import PackageArgs, PackageArgsDict, PackageBase
from ._provider import Context

__all__ = ["Package", "PackageArgs", "PackageArgsDict", "PackageProvider"]

_OCI = r"^oci://"


class PackageProvider(RestProvider):
    """Lifecycle of ``/packages``. Packages have no PATCH, so every input change replaces them.

    * ``helm``: the hosted flow, an async Operation whose response names the package.
    * ``oci_ref`` + ``version``: the synchronous import of a published artifact.
    * Delete is refused while a product or install uses the package.
    """

    type_name = "akua:Package"
    step_operations = operations("packages", create=("importPublished", "create"), update=None)
    collection = "/packages"
    delete_conflict_advice = "Destroy the products and installs that use this package first."
    contract_ops = ("packages.create", "packages.importPublished")
    idempotent_create = True
    fields = (
        Field.create_only("name", str, "Package name.", required=True),
        Field.create_only("description", str, "Description (import only)."),
        Field.create_only("display_image_url", str, "Image URL."),
        Field.create_only(
            "helm",
            dict,
            "Helm source: repo_url (oci://), target_revision, chart, path, values.",
            write_only=True,
            wire="sources.0",
            encode=lambda helm: {"kind": "helm", **helm},
        ),
        Field.create_only("oci_ref", str, "Published OCI artifact to import (oci://...).", write_only=True),
        Field.create_only("version", dict, "Version to import: semver, ref, input_schema.", write_only=True),
        Field.output("latest_version_id", str, "Newest version."),
        Field.output("source", dict, "hosted (repository_id) or oci (oci_ref)."),
        HTML_URL,
        ETAG,
    )

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rules across fields, checked before any call:

        * Exactly one of ``helm`` (a hosted package) or ``oci_ref`` (a published artifact).
        * With ``helm``: ``helm.repo_url`` starts with ``oci://``, ``helm.target_revision`` is set,
          ``helm`` has no keys but ``repo_url``, ``chart``, ``target_revision``, ``path`` and ``values``,
          and ``description`` is not set.
        * With ``oci_ref``: ``version`` is ``{semver, ref, input_schema}``, with a SemVer 2.0
          ``semver``, a ``ref`` and an object ``input_schema``.
        """
        import re

        helm, oci = inputs.get("helm"), inputs.get("oci_ref")
        if (helm is None) == (oci is None):
            return [("helm", "set exactly one of helm (hosted package) or oci_ref (published artifact)")]
        if helm is not None:
            problems = []
            if not re.match(_OCI, str(helm.get("repo_url", ""))):
                problems.append(("helm", "helm.repo_url is required and must start with oci://"))
            if not helm.get("target_revision"):
                problems.append(("helm", "helm.target_revision is required"))
            unknown = set(helm) - {"repo_url", "chart", "target_revision", "path", "values"}
            if unknown:
                problems.append(("helm", f"helm has unknown keys: {', '.join(sorted(unknown))}"))
            if inputs.get("description") is not None:
                problems.append(("description", "description is only accepted with oci_ref (import)"))
            return problems
        version = inputs.get("version")
        if not isinstance(version, dict):
            return [("version", "version {semver, ref, input_schema} is required with oci_ref")]
        problems = []
        if not re.match(SEMVER, str(version.get("semver", ""))):
            problems.append(("version", f"version.semver {version.get('semver')!r} is not a SemVer 2.0 version"))
        if not version.get("ref"):
            problems.append(("version", "version.ref is required"))
        if not isinstance(version.get("input_schema"), dict):
            problems.append(("version", "version.input_schema (an object) is required"))
        return problems

    def replace_deletes_first(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        # An OCI artifact can be imported once per workspace: the old import must go before the new one.
        return bool(olds.get("oci_ref") or news.get("oci_ref"))

    def api_create(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        body = self.create_body(inputs)  # validate allows the fields of one of the two endpoints only
        if inputs.get("helm") is not None:
            op = ctx.client.post("/packages", json=body, idempotency_key=ctx.idempotency_key("create"))
            package_id = ctx.client.wait_operation(op)["response"]["package_id"]
        else:
            package_id = ctx.client.post("/packages:import", json=body, idempotency_key=ctx.idempotency_key("import"))[
                "id"
            ]
        return dict(ctx.client.get(self.object_path(package_id)))

    def api_delete(self, ctx: Context, id_: str, state: Mapping[str, Any]) -> None:
        ctx.client.delete(self.object_path(id_), if_match=state.get("etag"))


class Package(PackageBase, module="akua", name="Package"):
    """A package. Set ``helm`` for a hosted package, or ``oci_ref`` + ``version`` to import one."""

    provider_class = PackageProvider

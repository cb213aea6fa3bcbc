"""Helpers shared by the estate resource tests (issue 13): secrets never in plaintext, bad-input matrix."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.stacks import AkuaStack


def assert_no_plaintext(stack: AkuaStack, engine_output: Iterable[str], secrets: Iterable[str]) -> None:
    """No secret appears in ``pulumi stack export`` (as a user runs it), the state files on disk, or the
    engine output (``secrets`` must be long enough not to occur by chance)."""
    exported = json.dumps(stack.export_masked())
    stored = "\n".join(
        p.read_text(errors="replace")
        for p in stack.env.state_dir.rglob("*")
        if p.is_file() and ".pulumi-home" not in p.parts
    )
    text = "\n".join(engine_output)
    for secret in secrets:
        escaped = json.dumps(secret)[1:-1]
        for where, blob in (("stack export", exported), ("stored state", stored), ("engine output", text)):
            assert secret not in blob and escaped not in blob, f"secret {secret[:6]}... appears in {where}"


def assert_bad_input_fails_at_preview(
    make_stack: Callable[..., AkuaStack],
    akua: LocalServer,
    workspace_id: str,
    build: Callable[[Mapping[str, Any]], Callable[[], object]],
    cases: Mapping[str, Mapping[str, Any]],
) -> None:
    """Each case fails ``preview`` with an error naming the property, and nothing is written."""
    for i, (prop, kwargs) in enumerate(cases.items()):
        bad = make_stack(build(kwargs), workspace=workspace_id, stack=f"bad{i}")
        akua.admin.reset_counters()
        with pytest.raises(auto.CommandError) as err:
            bad.preview()
        assert prop.strip() in str(err.value), (prop, str(err.value)[-600:])
        assert akua.admin.counters()["writes"] == 0, prop


def arrange_product(api: AkuaClient, akua: LocalServer, ws: str, oci_ref: str, digest: str) -> dict[str, Any]:
    """A product (pinned to the latest version) of package ``app``, imported from an artifact published at
    ``oci_ref`` as version 1.0.0 with ``digest``."""
    akua.admin.publish_artifact(oci_ref, "1.0.0", digest, {})
    pkg = api.post(
        "/packages:import",
        json={"name": "app", "oci_ref": oci_ref, "version": {"semver": "1.0.0", "ref": digest, "input_schema": {}}},
        workspace=ws,
    )
    return dict(
        api.post(
            "/products",
            json={"name": "App", "package_id": pkg["id"], "package_version_pin": {"kind": "latest"}},
            workspace=ws,
        )
    )

"""Package: the lifecycle invariants against the real engine and akua-local."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from akua_pulumi import Package
from akua_pulumi.client import AkuaClient, NotFoundError
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.package import PackageProvider
from akua_pulumi.testing import fixtures
from akua_pulumi.testing.stacks import AkuaStack

from ._estate import assert_bad_input_fails_at_preview
from .conftest import CallCounter

REF = "oci://registry.example/acme/app"
VERSION = {"semver": "1.0.0", "ref": "sha256:app-1", "input_schema": {"type": "object"}}


def _packages(api: AkuaClient, ws: str) -> list[dict]:
    return list(api.for_workspace(ws).paginate("/packages"))


def test_package_lifecycle(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    akua.admin.publish_artifact(REF, "1.0.0", "sha256:app-1", {"type": "object"})
    ws = api.for_workspace(workspace_id)
    stack = make_stack(lambda: Package("pkg", name="app", oci_ref=REF, version=VERSION), workspace=workspace_id)
    fixtures.up_within_budget(stack, calls, PackageProvider, "create")
    pid = stack.state_of("Package")["id"]
    assert ws.get(f"/packages/{pid}")["source"] == {"kind": "oci", "oci_ref": REF}

    # 1. No-op preview: no API call; no-op up: no write.
    fixtures.assert_steady_state(stack, calls, PackageProvider)

    # 2. Drift of a create-only field (packages have no PATCH): refresh shows it, up replaces the
    # package, deleting the old import first (an artifact is imported once per workspace).
    akua.admin.patch_object(pid, name="renamed elsewhere")
    fixtures.assert_refresh_shows(stack, "Package", name="renamed elsewhere")
    assert stack.preview().change_summary.get("replace") == 1
    stack.up()
    new = stack.state_of("Package")["id"]
    assert new != pid
    assert [(p["id"], p["name"]) for p in _packages(api, workspace_id)] == [(new, "app")]

    # 3. Out-of-band deletion: refresh drops it, up imports it again.
    ws.delete(f"/packages/{new}", if_match=ws.get(f"/packages/{new}")["etag"])
    fixtures.assert_refresh_drops(stack, "Package")
    stack.up()
    last = stack.state_of("Package")["id"]
    assert [p["id"] for p in _packages(api, workspace_id)] == [last]

    # 5. Destroy: nothing left.
    fixtures.destroy_within_budget(stack, calls, PackageProvider)
    with pytest.raises(NotFoundError):
        ws.get(f"/packages/{last}")
    assert _packages(api, workspace_id) == []


def test_package_helm_adoption_and_bad_input(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    akua: LocalServer,
    workspace_id: str,
    calls: Callable[[], CallCounter],
) -> None:
    ws = api.for_workspace(workspace_id)
    helm = {"repo_url": "oci://charts.example/web", "chart": "web", "target_revision": "2.1.0"}
    stack = make_stack(lambda: Package("hosted", name="web", helm=helm), workspace=workspace_id)
    fixtures.up_within_budget(stack, calls, PackageProvider, "create_helm")
    hosted = ws.get(f"/packages/{stack.state_of('Package')['id']}")
    assert hosted["source"]["kind"] == "hosted"

    # 4. Adopt by id (packages have no natural key): the next preview is empty.
    akua.admin.publish_artifact("oci://registry.example/acme/other", "0.3.0", "sha256:o", {})
    version = {"semver": "0.3.0", "ref": "sha256:o", "input_schema": {}}
    existing = ws.post(
        "/packages:import", json={"name": "other", "oci_ref": "oci://registry.example/acme/other", "version": version}
    )
    adopt = make_stack(
        lambda: Package(
            "other", name="other", oci_ref="oci://registry.example/acme/other", version=version, adopt_id=existing["id"]
        ),
        workspace=workspace_id,
        stack="adopt",
    )
    adopt.up()
    assert adopt.state_of("Package")["id"] == existing["id"]
    adopt.preview(expect_no_changes=True)
    assert len(_packages(api, workspace_id)) == 2

    # 6. Bad input fails at preview, naming the property, without any write.
    cases = {
        "set exactly one of helm": dict(name="x", helm=helm, oci_ref=REF, version=VERSION),
        "version.semver '1.0' is not a SemVer": dict(name="x", oci_ref=REF, version={**VERSION, "semver": "1.0"}),
        "oci_ref 'https://registry.example/x' does not match": dict(
            name="x", oci_ref="https://registry.example/x", version=VERSION
        ),
        "helm.repo_url is required": dict(name="x", helm={"target_revision": "1.0.0"}),
    }
    assert_bad_input_fails_at_preview(make_stack, akua, workspace_id, lambda kw: lambda: Package("bad", **kw), cases)

    stack.destroy()
    adopt.destroy()
    assert _packages(api, workspace_id) == []

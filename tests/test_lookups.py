"""Lookups against a real akua-local over HTTP, configured from the environment or an explicit client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi import lookups
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.lookups import AkuaLookupError
from akua_pulumi.lookups._base import _stack_config

OCI = "oci://registry.example/acme/app"
SCHEMA: dict[str, Any] = {"type": "object", "properties": {"replicas": {"type": "integer"}}}


@pytest.fixture(scope="module")
def akua(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(db=str(tmp_path_factory.mktemp("lookups") / "akua.db")) as server:
        yield server


@pytest.fixture(scope="module")
def api(akua: LocalServer) -> Iterator[AkuaClient]:
    with AkuaClient(api_url=akua.api_url, token=akua.owner_token) as client:
        yield client


@pytest.fixture(scope="module")
def ws(api: AkuaClient) -> dict[str, Any]:
    return dict(api.post("/workspaces", json={"name": "Lookup Workspace", "slug": "lookup-ws"}))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, akua: LocalServer, ws: dict[str, Any]) -> None:
    """Configure the lookups the way a user's shell would (no Pulumi program is running)."""
    monkeypatch.setenv("AKUA_API_URL", akua.api_url)
    monkeypatch.setenv("AKUA_API_TOKEN", akua.owner_token)
    monkeypatch.setenv("AKUA_WORKSPACE", ws["id"])


@pytest.fixture(scope="module")
def package(akua: LocalServer, api: AkuaClient, ws: dict[str, Any]) -> dict[str, Any]:
    for v in ("1.0.0", "1.1.0"):
        akua.admin.publish_artifact(OCI, v, f"sha256:{v}", SCHEMA)
    w = api.for_workspace(ws["id"])
    pkg = w.post(
        "/packages:import",
        json={
            "name": "app",
            "oci_ref": OCI,
            "version": {"semver": "1.0.0", "ref": "sha256:1.0.0", "input_schema": SCHEMA},
        },
    )
    w.post(f"/packages/{pkg['id']}/versions", json={"semver": "1.1.0", "ref": "sha256:1.1.0", "input_schema": SCHEMA})
    return dict(w.get(f"/packages/{pkg['id']}"))


def test_current_workspace_from_env(env: None, ws: dict[str, Any]) -> None:
    info = lookups.get_current_workspace()
    assert (info.id, info.name, info.slug, info.plan_tier) == (ws["id"], "Lookup Workspace", "lookup-ws", "free")
    assert info.as_dict()["slug"] == "lookup-ws"
    with pytest.raises(AttributeError):
        info.name = "x"  # type: ignore[misc]  # frozen


def test_current_workspace_explicit_id_and_errors(
    env: None, api: AkuaClient, monkeypatch: pytest.MonkeyPatch, ws: dict[str, Any]
) -> None:
    other = api.post("/workspaces", json={"name": "Other", "slug": "lookup-other"})
    assert lookups.get_current_workspace(other["id"]).slug == "lookup-other"
    with pytest.raises(AkuaLookupError, match="does not exist"):
        lookups.get_current_workspace("ws_doesnotexist")
    monkeypatch.delenv("AKUA_WORKSPACE")
    with pytest.raises(AkuaLookupError, match="akua:workspace"):
        lookups.get_current_workspace()


def test_explicit_client_ignores_env(akua: LocalServer, ws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKUA_API_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    with AkuaClient(api_url=akua.api_url, token=akua.owner_token, workspace=ws["id"]) as client:
        assert lookups.get_current_workspace(client=client).id == ws["id"]


def test_lookup_client_is_cached_per_settings(env: None, ws: dict[str, Any]) -> None:
    a, b = lookups.lookup_client(), lookups.lookup_client()
    assert a.workspace == b.workspace == ws["id"]
    assert a._shared is b._shared  # one pool, one rate limiter


def test_quotas(env: None, api: AkuaClient, ws: dict[str, Any], akua: LocalServer) -> None:
    quotas = {q.metric: q for q in lookups.get_quotas()}
    managed = quotas["kaas/clusters"]
    assert managed.type == "allocation" and managed.limit == 1 and managed.usage == 0 and managed.remaining == 1
    w = api.for_workspace(ws["id"])
    region = w.post("/regions", json={"name": "eu"})
    op = w.post("/clusters", json={"name": "c1", "region_id": region["id"]}, idempotency_key="lookup-c1")
    cluster_id = w.wait_operation(op)["response"]["cluster_id"]
    after = lookups.get_quota("kaas/clusters")
    assert (after.usage, after.remaining) == (1, 0)
    per_cluster = {q.metric: q for q in lookups.get_quotas(cluster_id=cluster_id)}
    assert per_cluster["compute/machine_launches"].type == "concurrency"
    assert "compute/machine_launches" not in quotas
    with pytest.raises(AkuaLookupError):
        lookups.get_quota("nope/nothing")


def test_workspace_management(env: None, api: AkuaClient, akua: LocalServer) -> None:
    target = api.post("/workspaces", json={"name": "Managed", "slug": "lookup-managed"})
    assert lookups.get_workspace_management(target["id"]) is None
    org = api.post("/organizations", json={"name": "Vendor Inc"})
    akua.admin.grant_management(target["id"], org["id"])
    mgmt = lookups.get_workspace_management(target["id"])
    assert mgmt is not None
    assert (mgmt.organization_id, mgmt.organization_name) == (org["id"], "Vendor Inc")
    assert isinstance(mgmt.granted_at, int)
    with pytest.raises(AkuaLookupError):
        lookups.get_workspace_management("ws_doesnotexist")


def test_package_version(env: None, package: dict[str, Any]) -> None:
    pid = package["id"]
    latest = lookups.get_package_version(pid)
    assert (latest.id, latest.semver) == (package["latest_version_id"], "1.1.0")
    first = lookups.get_package_version(pid, semver="1.0.0")
    assert (first.semver, first.ref, first.input_schema) == ("1.0.0", "sha256:1.0.0", SCHEMA)
    assert first.package_id == pid
    assert lookups.get_package_version(pid, semver="v1.0.0") == first
    assert lookups.get_package_version(pid, version_id=first.id) == first
    with pytest.raises(AkuaLookupError, match="no version"):
        lookups.get_package_version(pid, semver="9.9.9")
    with pytest.raises(AkuaLookupError):
        lookups.get_package_version(pid, version_id="pkv_doesnotexist")
    with pytest.raises(AkuaLookupError, match="not both"):
        lookups.get_package_version(pid, semver="1.0.0", version_id=first.id)


def test_no_stack_config_outside_a_program(env: None, tmp_path: Path) -> None:
    """Outside a program the lookups never consult pulumi.Config, only explicit values and env."""
    assert _stack_config() == {}

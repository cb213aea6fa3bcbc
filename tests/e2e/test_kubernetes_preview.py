"""A pulumi_kubernetes Namespace into an Akua cluster previews through the real engine (issue 11).

The ``kubernetes`` plugin is the one the toolchain builds offline (``akua-pulumi-toolchain
--kubernetes``, run by ``scripts/setup --all`` and so by scripts/test, or here on first use) at the
version ``pulumi-kubernetes`` pins, found on ``PATH``; the language host reports it from the
package's ``pulumi-plugin.json``. No Kubernetes API runs here: akua-local's kubeconfig points at a
cluster that does not answer, so this is a preview only.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.local import LocalServer
from akua_pulumi.toolchain import ensure_kubernetes

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1800)]

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s

from akua_pulumi import Cluster, Region, Workspace
from akua_pulumi.kubernetes import kubernetes_provider

ws = Workspace("main", name="K8s Handoff", slug="k8s-handoff")
region = Region("eu", name="eu-west", workspace_id=ws.id)
cluster = Cluster("prod", name="prod", region_id=region.id, workspace_id=ws.id)
if pulumi.Config().get_bool("namespace"):
    k8s.core.v1.Namespace("apps", opts=pulumi.ResourceOptions(provider=kubernetes_provider(cluster)))
"""


def test_namespace_previews_through_the_engine(
    pulumi_env: PulumiEnvironment, akua: LocalServer, tmp_path: Path
) -> None:
    plugin_dir = ensure_kubernetes()  # cached; built here on first use (scripts/demo never builds it)
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: k8s-handoff\nruntime: python\n")
    (project / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    env = {**pulumi_env.env(), "PATH": f"{plugin_dir}{os.pathsep}{pulumi_env.env()['PATH']}"}

    def cli(*args: str, check: bool = True) -> str:
        proc = subprocess.run(
            [pulumi_env.pulumi, *args, "--non-interactive"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
        )
        out = proc.stdout + proc.stderr
        if check:
            assert proc.returncode == 0, out[-5000:]
        return out

    cli("stack", "init", "dev")
    cli("config", "set", "akua:apiUrl", akua.api_url)
    cli("config", "set", "--secret", "akua:token", akua.owner_token)
    cli("up", "--yes", "--skip-preview")  # the cluster exists, with its kubeconfig
    cli("config", "set", "namespace", "true")
    out = cli("preview", "--diff")
    assert "kubernetes:core/v1:Namespace" in out and "pulumi:providers:kubernetes" in out, out
    assert "Traceback" not in out
    cli("config", "set", "namespace", "false")
    cli("destroy", "--yes", "--skip-preview")

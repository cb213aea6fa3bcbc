"""kubernetes_provider wiring, with Pulumi mocks: no engine, no Akua API and no Kubernetes API run here."""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from akua_pulumi.kubernetes import KUBERNETES_EXTRA_HINT, kubernetes_provider

KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n"


class Recorder(pulumi.runtime.Mocks):
    """Records every registered resource; a Cluster gets a kubeconfig output like the real provider sets."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(args)
        state = dict(args.inputs)
        if args.typ.endswith("akua:Cluster"):
            state["kubeconfig"] = KUBECONFIG
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def provider(self) -> pulumi.runtime.MockResourceArgs:
        found = [r for r in self.resources if r.typ == "pulumi:providers:kubernetes"]
        assert len(found) == 1, [r.typ for r in self.resources]
        return found[0]


def _run(program: Callable[[], Any]) -> Recorder:
    """Run ``program`` under mocks in a copied context, so the mock settings do not leak into other tests."""
    mocks = Recorder()

    def body() -> None:
        pulumi.runtime.set_mocks(mocks, project="k8s-test", stack="test", preview=False)
        pulumi.runtime.test(program)()

    contextvars.copy_context().run(body)
    return mocks


def _secret_value(value: Any) -> Any:
    """The plain value of a secret as the monitor receives it; fails when the value is not a secret."""
    assert isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig, value
    return value["value"]


def test_provider_from_kubeconfig_input_is_secret() -> None:
    def program() -> pulumi.Output[Any]:
        provider = kubernetes_provider(KUBECONFIG, name="byo", namespace="apps")
        return provider.urn

    mocks = _run(program)
    args = mocks.provider()
    assert args.name == "byo"
    assert _secret_value(args.inputs["kubeconfig"]) == KUBECONFIG
    assert args.inputs["namespace"] == "apps"


def test_provider_from_cluster_uses_its_secret_kubeconfig() -> None:
    from akua_pulumi import Cluster

    def program() -> pulumi.Output[Any]:
        cluster = Cluster("prod", name="prod", region_id="reg_1", workspace_id="ws_1")
        return kubernetes_provider(cluster).urn

    mocks = _run(program)
    args = mocks.provider()
    assert args.name == "prod-k8s"
    assert _secret_value(args.inputs["kubeconfig"]) == KUBECONFIG


def test_kubeconfig_keyword_is_refused() -> None:
    with pytest.raises(TypeError, match="first argument"):
        kubernetes_provider(KUBECONFIG, kubeconfig="other")


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pulumi_kubernetes", None)  # makes `import pulumi_kubernetes` fail
    with pytest.raises(ImportError, match=r"akua-pulumi\[kubernetes\]") as info:
        kubernetes_provider(KUBECONFIG)
    assert str(info.value) == KUBERNETES_EXTRA_HINT

"""Deploy into an Akua cluster with ``pulumi_kubernetes``: a Provider built from the cluster's kubeconfig.

::

    import pulumi
    import pulumi_kubernetes as k8s
    from akua_pulumi import Cluster, Region
    from akua_pulumi.kubernetes import kubernetes_provider

    region = Region("eu", name="eu")
    cluster = Cluster("prod", name="prod", region_id=region.id)
    k8s_provider = kubernetes_provider(cluster)
    k8s.core.v1.Namespace("apps", opts=pulumi.ResourceOptions(provider=k8s_provider))

``kubernetes_provider`` accepts a :class:`~akua_pulumi.resources.Cluster` (its ``kubeconfig`` output,
fetched once after create, owners and admins only) or any kubeconfig Input. The kubeconfig is always
passed as a secret, so it is encrypted in state and masked in the CLI output.

It needs the ``kubernetes`` extra: ``pip install 'akua-pulumi[kubernetes]'``.

Our tests check the wiring only, with Pulumi mocks: the Provider receives the kubeconfig, and the
kubeconfig is still secret when it arrives. They never reach a Kubernetes API (akua-local emulates the
Akua API, not the clusters), so whether a given kubeconfig actually works is not tested here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    import pulumi_kubernetes

    from .resources.cluster import Cluster

__all__ = ["KUBERNETES_EXTRA_HINT", "kubernetes_provider"]

KUBERNETES_EXTRA_HINT = (
    "akua_pulumi.kubernetes needs pulumi-kubernetes: install the 'kubernetes' extra with "
    "`pip install 'akua-pulumi[kubernetes]'` (or `pip install pulumi-kubernetes`)"
)


def _import_kubernetes() -> Any:
    """Import pulumi_kubernetes only when a provider is asked for (it is an optional extra)."""
    try:
        import pulumi_kubernetes
    except ImportError as exc:
        raise ImportError(KUBERNETES_EXTRA_HINT) from exc
    return pulumi_kubernetes


def kubernetes_provider(
    cluster: Cluster | pulumi.Input[str],
    name: str | None = None,
    opts: pulumi.ResourceOptions | None = None,
    **provider_args: Any,
) -> pulumi_kubernetes.Provider:
    """A ``pulumi_kubernetes.Provider`` for an Akua cluster.

    Args:
        cluster: An Akua ``Cluster`` resource (its secret ``kubeconfig`` output is used, and the
            provider depends on the cluster), or a kubeconfig as an Input string.
        name: Pulumi name of the provider. Default: ``<cluster resource name>-k8s`` for a Cluster,
            ``akua-k8s`` for a kubeconfig.
        opts: Resource options for the provider (merged with ``depends_on=[cluster]`` for a Cluster).
        provider_args: Further ``pulumi_kubernetes.Provider`` arguments (``namespace``,
            ``enable_server_side_apply``...).

    Returns:
        A ``pulumi_kubernetes.Provider`` whose ``kubeconfig`` input is a secret.

    Raises:
        ImportError: pulumi-kubernetes is not installed (the message names the ``kubernetes`` extra).
    """
    k8s = _import_kubernetes()
    from .resources.cluster import Cluster

    if isinstance(cluster, Cluster):
        kubeconfig: pulumi.Input[str] = cluster.kubeconfig
        default_name = f"{cluster.pulumi_resource_name}-k8s"
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[cluster]))
    else:
        kubeconfig = cluster
        default_name = "akua-k8s"
    if "kubeconfig" in provider_args:
        raise TypeError("pass the kubeconfig as the first argument, not as kubeconfig=")
    provider: pulumi_kubernetes.Provider = k8s.Provider(
        name or default_name,
        kubeconfig=pulumi.Output.secret(kubeconfig),
        opts=opts,
        **provider_args,
    )
    return provider

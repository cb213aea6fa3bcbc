"""One Akua workspace per environment, declared with ``EnvironmentWorkspaces``.

Stack config (all in this project's namespace unless noted):

* ``prefix``        workspace slugs are ``<prefix>-<env>`` (default ``acme``)
* ``displayName``   workspace names are ``"<displayName> (<env>)"`` (default: the prefix)
* ``environments``  list of environment names (default ``[prod, staging, dev]``)
* ``members``       list of ``{user_id, role}`` added to every environment's workspace (role: admin | member)
* ``region``        the region every environment gets (default ``eu-west``); each environment has one
  cluster in it, named ``<env>-main``
* ``networkProfile`` optional network profile of the clusters (e.g. ``linux_cilium``)
* ``productId``     optional: install this (marketplace-published) product into every environment's cluster
* ``akua:apiUrl``, ``akua:token`` (secret): where and as whom the provider calls the Akua API
"""

import pulumi

from akua_pulumi.components import (
    ClusterArgs,
    EnvironmentArgs,
    EnvironmentWorkspaces,
    EnvironmentWorkspacesArgs,
    InstallArgs,
    MemberArgs,
    RegionArgs,
)

config = pulumi.Config()
prefix = config.get("prefix") or "acme"
environments = config.get_object("environments") or ["prod", "staging", "dev"]
members = [MemberArgs(m["user_id"], m.get("role", "member")) for m in config.get_object("members") or []]
region = config.get("region") or "eu-west"
network_profile = config.get("networkProfile")
product_id = config.get("productId")

layout = EnvironmentWorkspaces(
    prefix,
    EnvironmentWorkspacesArgs(
        prefix=prefix,
        display_name=config.get("displayName"),
        environments=[
            # Each environment gets its own region declaration with a cluster named after it.
            EnvironmentArgs(
                name=env,
                regions=[RegionArgs(region, clusters=[ClusterArgs(f"{env}-main", network_profile=network_profile)])],
            )
            for env in environments
        ],
        members=members,
        installs=[InstallArgs("app", product_id=product_id)] if product_id else [],
    ),
)

pulumi.export("workspace_ids", layout.workspace_ids)  # {env: workspace id}
pulumi.export("workspace_slugs", layout.workspace_slugs)  # {env: slug}
pulumi.export("cluster_ids", layout.cluster_ids)  # {env: {cluster name: id}}
pulumi.export("kubeconfigs", layout.kubeconfigs)  # secret: {env: {cluster name: kubeconfig}}

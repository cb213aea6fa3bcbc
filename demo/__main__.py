"""The demo stack: a seller with prod/staging/dev workspaces and three customer workspaces.

Run it with ``scripts/demo`` (starts akua-local, seeds users and an artifact, runs ``pulumi up``).
"""

import pulumi

from akua_pulumi import Package, Product, Workspace
from akua_pulumi.components import (
    ApiTokenArgs,
    ClusterArgs,
    CustomerWorkspace,
    CustomerWorkspaceArgs,
    EnvironmentWorkspaces,
    EnvironmentWorkspacesArgs,
    InstallArgs,
    MemberArgs,
    RegionArgs,
)

config = pulumi.Config("akua-demo")
users: list[str] = config.require_object("users")
artifact = config.require_object("artifact")

# The seller's platform workspace, with the package and the product it sells.
platform = Workspace("platform", name="Acme Platform", slug="acme-platform")
package = Package(
    "dashboards",
    name="dashboards",
    oci_ref=artifact["oci_ref"],
    version={"semver": artifact["semver"], "ref": artifact["ref"], "input_schema": artifact["input_schema"]},
    workspace_id=platform.id,
)
product = Product(
    "dashboards",
    name="Dashboards",
    package_id=package.id,
    marketplace_published=True,
    workspace_id=platform.id,
)

# One workspace per environment, each with the team, a region, a cluster and the product installed.
environments = EnvironmentWorkspaces(
    "acme",
    EnvironmentWorkspacesArgs(
        prefix="acme",
        display_name="Acme",
        members=[MemberArgs(users[0], "admin"), MemberArgs(users[1])],
        regions=[RegionArgs("eu-west", clusters=[ClusterArgs("main")])],
        installs=[InstallArgs("dashboards", product_id=product.id)],
    ),
)

# One workspace per customer: their admin, a cluster, the seller's product and a CI token.
customers = {}
for slug, name in (("globex", "Globex"), ("initech", "Initech"), ("umbrella", "Umbrella")):
    customers[slug] = CustomerWorkspace(
        slug,
        CustomerWorkspaceArgs(
            name=name,
            slug=slug,
            members=[MemberArgs(users[2], "admin")],
            region=RegionArgs("us-east"),
            cluster=ClusterArgs(f"{slug}-main"),
            installs=[InstallArgs("dashboards", product_id=product.id)],
            api_token=ApiTokenArgs("ci"),
        ),
    )

pulumi.export("environment_workspaces", environments.workspace_ids)
pulumi.export("customer_workspaces", {slug: c.workspace_id for slug, c in customers.items()})
pulumi.export("customer_tokens", {slug: c.api_token for slug, c in customers.items()})

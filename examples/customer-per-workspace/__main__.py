"""One ``CustomerWorkspace`` per entry of the ``customers`` stack config.

Each entry has the shape of a customers-file entry (see akua_pulumi/automation/customers.py)::

    {id, name, slug?, members: [{user_id, role}], region: {name, icon?},
     cluster?: {name, network_profile?}, installs: [{product_id} | {package_id, version}, name?],
     api_token?: {name}}

It is validated with the same rules as the onboarding pipeline's customers file, so a typo fails
before anything is created, naming the customer and the field. Every resource name derives from the
customer ``id``: adding a customer creates only that customer's resources, removing one deletes only
that customer's. Never rename an ``id`` (it would replace the customer's workspace).
"""

import pulumi

from akua_pulumi.automation.customers import parse_customers
from akua_pulumi.automation.programs import customer_args
from akua_pulumi.components import CustomerWorkspace

config = pulumi.Config()
customers = parse_customers({"customers": config.require_object("customers")}, source="stack config 'customers'")

summary = {}
kubeconfigs = {}
api_tokens = {}
for c in customers:
    # The same mapping the onboarding pipeline uses: customers-file entry -> layout arguments.
    layout = CustomerWorkspace(c.id, customer_args(c))
    summary[c.id] = {
        "workspace_id": layout.workspace_id,
        "workspace_slug": layout.workspace_slug,
        "cluster_id": layout.cluster_id,
        "install_ids": layout.install_ids,
    }
    kubeconfigs[c.id] = layout.kubeconfig  # secret
    api_tokens[c.id] = layout.api_token  # secret

pulumi.export("customers", summary)
pulumi.export("kubeconfigs", pulumi.Output.secret(kubeconfigs))
pulumi.export("api_tokens", pulumi.Output.secret(api_tokens))

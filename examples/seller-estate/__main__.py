"""A seller's estate, declared: everything around the product that a seller otherwise clicks together.

In the seller's workspace (``akua:workspace``): its subdomain, a webhook signing secret, the
Hetzner token as a Secret and a compute config using it (bring your own machines), a pull
credential for the seller's registry, a Cloudflare connection, a custom domain for the storefront,
and one offer link per customer. Operating it: an ambient agent that watches the customers' installs
of the product, a snippet counting those installs by state and a dashboard showing it, and a preview
install of the product whose preview hostname is bound to its deployed render (``get_render``).

Config: ``akua:apiUrl``, ``akua:token`` (secret), ``akua:workspace`` (the seller's), ``subdomain``,
``productId``, ``storefront`` (a host name), ``origin`` (an https URL), and the secrets
``webhookSecret``, ``hcloudToken``, ``registryToken``, ``cloudflareToken``; ``customers`` is a list of
``{id, name, email}``.
"""

from __future__ import annotations

import pulumi

import akua_pulumi as akua
from akua_pulumi import lookups

config = pulumi.Config()
customers: list[dict[str, str]] = config.require_object("customers")

subdomain = akua.WorkspaceSubdomain("subdomain", name=config.require("subdomain"))
akua.Secret(
    "webhook-signing",
    name="webhook-signing",
    kind="webhook_signing",
    value=config.require_secret("webhookSecret"),
    force_delete=True,
)
hcloud = akua.Secret(
    "hcloud-token",
    name="hcloud-token",
    kind="cloud_provider/hcloud",
    value=config.require_secret("hcloudToken"),
    force_delete=True,
)
machines = akua.ComputeConfig(
    "machines",
    name="eu-machines",
    provider_config={"region": "fsn1", "image": "ubuntu-24.04", "machine_type_filter": "cx*"},
    secret_id=hcloud.id,
)
akua.RegistryConnection(
    "registry",
    name="ghcr",
    registry_url="ghcr.io",
    type="token",
    credentials={"token": config.require_secret("registryToken")},
)
akua.CloudflareConnection(
    "cloudflare",
    name="cloudflare",
    account_id="seller-account",
    origin_zone_id="seller-zone",
    origin_hostname_suffix="origin.seller.example",
    api_token=config.require_secret("cloudflareToken"),
)
storefront = akua.CustomDomain("storefront", hostname=config.require("storefront"), endpoint=config.require("origin"))

offers = {
    c["id"]: akua.Offer(
        f"offer-{c['id']}",
        product_id=config.require("productId"),
        customer={"display_name": c["name"], "external_id": c["id"]},
        allowed_emails=[c["email"]],
    )
    for c in customers
}

# Operating the product: an agent that watches the customers' installs of it, and a dashboard.
product_id = config.require("productId")
watcher = akua.Agent(
    "install-watcher",
    name="install-watcher",
    description="Watches customer installs of the product",
    instructions="When a customer's install of the product fails or degrades, find out why and say what to change.",
    capabilities=["AMBIENT", "CHAT"],
    ambient={
        "enabled": True,
        "policy": {"remediation_mode": "READ_ONLY", "allowed_resource_scopes": [{"type": "install"}]},
        "triggers": [
            {
                "trigger_id": "customer-install-state",
                "type": "INSTALL_STATE",
                "state": "ENABLED",
                "runtime_hint": "AUTO",
                "severity_min": "MEDIUM",
                "resource_filters": [{"type": "product", "id": product_id}],
            }
        ],
    },
)
installs_by_state = akua.Snippet(
    "installs-by-state",
    name="customer-installs-by-state",
    description="Customer installs of the product, counted by state",
    code=(
        "const r = await platform.request('GET', '/installs');\n"
        "const counts = {};\n"
        "for (const i of r.data) counts[i.state] = (counts[i.state] || 0) + 1;\n"
        "return Object.entries(counts).map(([state, count]) => ({ state, count }));"
    ),
    display_type="table",
)
dashboard = akua.Dashboard("operations", name="Customer installs", description="How the customers' installs run")
akua.DashboardWidget(
    "installs-widget",
    dashboard_id=dashboard.id,
    snippet_id=installs_by_state.id,  # the widget goes before the snippet on destroy
    title="Installs by state",
    col_span=4,
)

# A preview install of the product, and a preview hostname bound to its deployed render.
preview_region = akua.Region("preview", name="preview")
preview = akua.Install("preview", product_id=product_id, region_id=preview_region.id)
render = lookups.get_render_output(preview.id, state="deployed")
preview_host = akua.PreviewHostname("preview", install_id=preview.id, render_id=render.apply(lambda r: r.id))

pulumi.export("fqdn", subdomain.fqdn)
pulumi.export("storefront_status", storefront.status)
pulumi.export("compute_config_id", machines.id)
pulumi.export("agent_id", watcher.id)
pulumi.export("dashboard_url", dashboard.html_url)
pulumi.export("preview_hostname", preview_host.hostname)
pulumi.export("offer_links", {cid: o.short_hash.apply(lambda h: f"/i/{h}") for cid, o in offers.items()})

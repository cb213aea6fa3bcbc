"""A seller's estate, declared: everything around the product that a seller otherwise clicks together.

In the seller's workspace (``akua:workspace``): its subdomain, a webhook signing secret, the
Hetzner token as a Secret and a compute config using it (bring your own machines), a pull
credential for the seller's registry, a Cloudflare connection, a custom domain for the storefront,
and one offer link per customer.

Config: ``akua:apiUrl``, ``akua:token`` (secret), ``akua:workspace`` (the seller's), ``subdomain``,
``productId``, ``storefront`` (a host name), ``origin`` (an https URL), and the secrets
``webhookSecret``, ``hcloudToken``, ``registryToken``, ``cloudflareToken``; ``customers`` is a list of
``{id, name, email}``.
"""

from __future__ import annotations

import pulumi

import akua_pulumi as akua

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

pulumi.export("fqdn", subdomain.fqdn)
pulumi.export("storefront_status", storefront.status)
pulumi.export("compute_config_id", machines.id)
pulumi.export("offer_links", {cid: o.short_hash.apply(lambda h: f"/i/{h}") for cid, o in offers.items()})

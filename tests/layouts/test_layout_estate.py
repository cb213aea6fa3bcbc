"""Layouts use the estate resources: a customer's offer, custom domain and secrets; an environment's
subdomain, custom domain and registry connection (issue 13 item 4)."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest

from akua_pulumi.automation.customers import CustomersFileError, parse_customers
from akua_pulumi.client import AkuaClient
from akua_pulumi.components import (
    ClusterArgs,
    CustomDomainArgs,
    CustomerWorkspace,
    CustomerWorkspaceArgs,
    EnvironmentArgs,
    EnvironmentWorkspaces,
    EnvironmentWorkspacesArgs,
    LayoutArgsError,
    OfferArgs,
    RegionArgs,
    RegistryConnectionArgs,
    SecretArgs,
)
from akua_pulumi.testing.stacks import AkuaStack
from tests.resources._estate import assert_no_plaintext

from .conftest import Seller

SECRET = "db-password-h16-6f2c9a1e7b"
PASSWORD = "registry-password-h16-93d1c0e4"


def _estate(seller: Seller) -> Callable[[], None]:
    def program() -> None:
        globex = CustomerWorkspace(
            "globex",
            CustomerWorkspaceArgs(
                name="Globex",
                slug="globex",
                region=RegionArgs("us-east"),
                cluster=ClusterArgs("main"),
                offer=OfferArgs(product_id=seller.product_id, max_uses=3),
                custom_domains=[CustomDomainArgs("shop.globex.example", cluster="main")],
                secrets=[SecretArgs("db-password", SECRET)],
            ),
        )
        acme = EnvironmentWorkspaces(
            "acme",
            EnvironmentWorkspacesArgs(
                prefix="acme",
                environments=[
                    EnvironmentArgs(
                        "prod",
                        subdomain="acme-shop",
                        custom_domains=[CustomDomainArgs("prod.acme.example", endpoint="https://origin.acme.example")],
                    )
                ],
                registry_connection=RegistryConnectionArgs(
                    "ghcr", "ghcr.io", "basic", {"username": "bot", "password": PASSWORD}
                ),
            ),
        )
        pulumi.export("customer_ws", globex.workspace_id)
        pulumi.export("offer_id", globex.offer.id if globex.offer else None)
        pulumi.export("offer_short_hash", globex.offer_short_hash)
        pulumi.export("cluster_id", globex.cluster_id)
        pulumi.export("domain_ids", globex.custom_domain_ids)
        pulumi.export("secret_ids", globex.secret_ids)
        pulumi.export("env_ws", acme.workspace_ids)

    return program


@pytest.mark.e2e
def test_layouts_declare_the_estate(make_stack: Callable[..., AkuaStack], api: AkuaClient, seller: Seller) -> None:
    # The offer lives in the seller's workspace (akua:workspace), beside the product it offers.
    stack = make_stack(_estate(seller), workspace=seller.workspace_id)
    engine_output: list[str] = []
    stack.up(on_output=engine_output.append)
    out = stack.outputs()

    # The customer: an offer of the seller's product, a domain routed to its cluster, a secret.
    offer = api.for_workspace(seller.workspace_id).get(f"/offers/{out['offer_id']}")
    assert offer["product_id"] == seller.product_id and offer["status"] == "active"
    assert offer["short_hash"] == out["offer_short_hash"] and offer["customer"]["display_name"] == "Globex"
    cws = out["customer_ws"]
    [domain] = api.paginate(f"/workspaces/{cws}/custom_domains")
    assert domain["hostname"] == "shop.globex.example" and domain["target"]["cluster_id"] == out["cluster_id"]
    assert out["domain_ids"] == {"shop.globex.example": domain["id"]}
    [secret] = api.for_workspace(cws).paginate("/secrets")
    assert secret["name"] == "db-password" and out["secret_ids"] == {"db-password": secret["id"]}
    value = api.for_workspace(cws).post(f"/secrets/{secret['id']}/versions/latest:access")["value"]
    assert value == SECRET

    # The environment: its subdomain, a domain routed to an endpoint, the layout-wide registry connection.
    ews = out["env_ws"]["prod"]
    assert api.get(f"/workspaces/{ews}/subdomain")["name"] == "acme-shop"
    [edomain] = api.paginate(f"/workspaces/{ews}/custom_domains")
    assert edomain["hostname"] == "prod.acme.example"
    assert edomain["target"]["endpoint"] == "https://origin.acme.example"
    [conn] = api.for_workspace(ews).paginate("/registry_connections")
    assert (conn["name"], conn["registry_url"], conn["type"]) == ("ghcr", "ghcr.io", "basic")

    stack.preview(expect_no_changes=True, on_output=engine_output.append)
    assert_no_plaintext(stack, engine_output, [SECRET, PASSWORD])

    stack.destroy(on_output=engine_output.append)
    assert [w["slug"] for w in api.paginate("/workspaces")] == ["seller-platform"]
    # Offers have no DELETE: destroy archives (the API keeps archived offers).
    assert api.for_workspace(seller.workspace_id).get(f"/offers/{out['offer_id']}")["status"] == "archived"
    assert_no_plaintext(stack, engine_output, [SECRET, PASSWORD])


def test_customers_file_accepts_the_estate_fields() -> None:
    entry = {
        "id": "globex",
        "name": "Globex",
        "region": {"name": "us-east"},
        "cluster": {"name": "main"},
        "offer": {"product_id": "prd_app", "max_uses": 3},
        "custom_domains": [{"hostname": "shop.globex.example", "cluster": "main"}],
        "secrets": [{"name": "db-password", "value": SECRET}],
    }
    [customer] = parse_customers({"customers": [entry]})
    args = customer.layout_args()
    assert args.offer == OfferArgs(product_id="prd_app", max_uses=3)
    assert args.custom_domains == (CustomDomainArgs("shop.globex.example", cluster="main"),)
    assert args.secrets == (SecretArgs("db-password", SECRET),)

    bad = {**entry, "custom_domains": [{"hostname": "Shop_Globex", "cluster": "main"}]}
    with pytest.raises(CustomersFileError) as err:
        parse_customers({"customers": [bad]})
    [line] = err.value.errors
    assert line.startswith("customers[0] (globex): custom_domains[0].hostname: hostname 'Shop_Globex' is not"), line
    with pytest.raises(LayoutArgsError, match=r"CustomDomainArgs\.hostname: hostname 'Shop_Globex' is not"):
        CustomDomainArgs("Shop_Globex", cluster="main")

    # Cross-field rules come from the resources too: a domain needs exactly one target.
    with pytest.raises(CustomersFileError, match="set exactly one target"):
        parse_customers({"customers": [{**entry, "custom_domains": [{"hostname": "a.globex.example"}]}]})
    with pytest.raises(CustomersFileError, match=r"offer\.max_uses: max_uses must be >= 1"):
        parse_customers({"customers": [{**entry, "offer": {"product_id": "prd_app", "max_uses": 0}}]})
    # A bad secret is rejected without echoing its value.
    with pytest.raises(CustomersFileError) as err:
        parse_customers({"customers": [{**entry, "secrets": [{"name": "db", "value": SECRET, "kind": "nope"}]}]})
    assert "secrets[0].kind: kind must be one of" in str(err.value) and SECRET not in str(err.value)

    # Registry connections (environments): the resource's credential rules apply to the layout args.
    with pytest.raises(LayoutArgsError, match=r"RegistryConnectionArgs\.credentials: credentials of type 'basic'"):
        RegistryConnectionArgs("ghcr", "ghcr.io", "basic", {"token": "x"})
    with pytest.raises(LayoutArgsError, match=r"EnvironmentArgs\.subdomain: "):
        EnvironmentArgs("prod", subdomain="Not A Label")

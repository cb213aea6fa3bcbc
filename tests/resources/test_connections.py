"""Explicit connections: two tokens in one stack, tokens never in plaintext state; ``.get`` reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi

import akua_pulumi
from akua_pulumi import Workspace, lookups
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.stacks import AkuaStack


def _slugs(client: AkuaClient) -> set[str]:
    return {w["slug"] for w in client.paginate("/workspaces")}


def test_two_workspaces_through_two_tokens_in_one_stack(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer
) -> None:
    customer_user = akua.admin.create_user("Customer A", "customer.a@example.com")
    customer_token = customer_user["token"]

    def program() -> None:
        customer = akua_pulumi.Provider("customer-a", api_url=akua.api_url, token=customer_token)
        Workspace("seller-ws", name="Seller Home", slug="seller-home")
        ws = Workspace(
            "customer-ws",
            name="Customer Home",
            slug="customer-home",
            opts=pulumi.ResourceOptions(provider=customer),
        )
        info = lookups.get_current_workspace_output(ws.id, provider=customer)
        pulumi.export("customer_ws_name", info.apply(lambda i: i.name))

    stack = make_stack(program)
    stack.up()
    assert stack.outputs()["customer_ws_name"] == "Customer Home"

    with AkuaClient(api_url=akua.api_url, token=customer_token) as customer_api:
        # Each workspace was created by its own token: the customer owns only its own.
        assert "customer-home" in _slugs(customer_api) and "seller-home" not in _slugs(customer_api)
    assert "seller-home" in _slugs(api) and "customer-home" not in _slugs(api)

    # Neither token is in plaintext in `pulumi stack export`; the explicit one is stored as a secret.
    exported = json.dumps(stack.export_masked())
    assert customer_token not in exported and akua.owner_token not in exported
    customer_state = next(r for r in stack.resources("Workspace") if r["urn"].endswith("customer-ws"))
    assert customer_state["inputs"]["akua_connection"]["4dabf18193072939515e22adb298388d"] == (
        "1b47061264138c4ac30d75fd1eb44270"
    )

    stack.preview(expect_no_changes=True)
    stack.refresh()
    stack.preview(expect_no_changes=True)
    stack.destroy()
    with AkuaClient(api_url=akua.api_url, token=customer_token) as customer_api:
        assert "customer-home" not in _slugs(customer_api)
    assert "seller-home" not in _slugs(api)


def test_get_reads_an_existing_object_without_managing_it(
    make_stack: Callable[..., AkuaStack], api: AkuaClient
) -> None:
    existing: dict[str, Any] = api.post("/workspaces", json={"name": "Outside Pulumi", "slug": "outside-pulumi"})

    def program() -> None:
        ws = Workspace.get("existing", existing["id"])
        pulumi.export("name", ws.name)
        pulumi.export("slug", ws.slug)

    stack = make_stack(program)
    stack.up()
    assert stack.outputs() == {"name": "Outside Pulumi", "slug": "outside-pulumi"}
    stack.preview(expect_no_changes=True)
    stack.destroy()
    # A read resource is not managed: destroy leaves the object alone.
    assert api.get(f"/workspaces/{existing['id']}")["name"] == "Outside Pulumi"

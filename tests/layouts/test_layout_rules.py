"""Layouts are declared like the resources: the same rules, adoption of every child, Inputs for references.

* A bad value is rejected with the same message by the resource at preview (real engine, 0 writes),
  by the layout's args and by the customers file, each naming the field.
* Everything a layout creates can be adopted through the layout's args, with no diff afterwards.
* Layout inputs that reference other resources take ``pulumi.Input`` (``org.id``).
"""

from __future__ import annotations

import contextvars
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
import pytest
from pulumi import automation as auto

from akua_pulumi import Organization, Workspace, WorkspaceMember, WorkspaceSubscription
from akua_pulumi.automation.customers import CustomersFileError, parse_customers
from akua_pulumi.client import AkuaClient
from akua_pulumi.components import (
    ApiTokenArgs,
    ClusterArgs,
    CustomerWorkspace,
    CustomerWorkspaceArgs,
    EnvironmentArgs,
    EnvironmentWorkspaces,
    EnvironmentWorkspacesArgs,
    InstallArgs,
    LayoutArgsError,
    MemberArgs,
    RegionArgs,
)
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.fixtures import CallCounter
from akua_pulumi.testing.stacks import AkuaStack

from .conftest import Seller


@dataclass(frozen=True)
class BadValue:
    """One bad value, as each of the three surfaces spells it."""

    field: str
    value: Any
    resource: Callable[[], pulumi.Resource]
    args: Callable[[], object]
    entry: dict[str, Any]
    declared: Any  # the resource class whose declared field must reject it

    @property
    def reason(self) -> str:
        """What the resource's declared field says about the value (None would mean: accepted)."""
        reason = self.declared.provider_class.field_map()[self.field].validate(self.value)
        assert reason, f"{self.declared.__name__}.{self.field} accepts {self.value!r}"
        return str(reason)


def _entry(**over: Any) -> dict[str, Any]:
    return {"id": "acme", "name": "Acme", "region": {"name": "eu-west"}, **over}


def _cases() -> list[BadValue]:
    region = RegionArgs("eu-west")
    cases = [
        BadValue(
            "slug",
            slug,
            lambda slug=slug, i=i: Workspace(f"bad-slug-{i}", name="Acme", slug=slug),
            lambda slug=slug: CustomerWorkspaceArgs(name="Acme", slug=slug, region=region),
            _entry(slug=slug),
            Workspace,
        )
        for i, slug in enumerate(("Bad_Slug!", "bad_slug", "bad-slug!"))
    ]
    cases += [
        BadValue(
            "role",
            "owner",
            lambda: WorkspaceMember("bad-role", user_id="usr_1", role="owner", workspace_id="ws_1"),
            lambda: MemberArgs("usr_1", "owner"),
            _entry(members=[{"user_id": "usr_1", "role": "owner"}]),
            WorkspaceMember,
        ),
        BadValue(
            "name",
            "x" * 101,
            lambda: Workspace("bad-name", name="x" * 101, slug="long-name"),
            lambda: CustomerWorkspaceArgs(name="x" * 101, region=region),
            _entry(name="x" * 101),
            Workspace,
        ),
        BadValue(
            "tier",
            "gold",
            lambda: WorkspaceSubscription("bad-tier", tier="gold", workspace_id="ws_1"),
            lambda: EnvironmentArgs("prod", tier="gold"),
            _entry(tier="gold"),
            WorkspaceSubscription,
        ),
    ]
    return cases


def test_bad_values_are_rejected_identically_by_args_and_customers_file() -> None:
    for case in _cases():
        with pytest.raises(LayoutArgsError) as args_err:
            case.args()
        assert f".{case.field}: {case.reason}" in str(args_err.value), (case.field, case.value)

        with pytest.raises(CustomersFileError) as file_err:
            parse_customers({"customers": [case.entry]})
        [line] = file_err.value.errors
        assert line.startswith("customers[0] (acme): ") and line.endswith(f"{case.field}: {case.reason}"), line


def test_layout_fields_are_one_declaration() -> None:
    """Every binding resolves to a declared resource field; the customers file has exactly the layout's
    fields; a new bound field reaches the file with its resource's rule and no other edit."""
    from pydantic import ValidationError

    from akua_pulumi import Region
    from akua_pulumi.automation.customers import ClusterSpec, Customer, RegionSpec, _file_model
    from akua_pulumi.components import Bound, LayoutArgs

    for cls in (MemberArgs, RegionArgs, ClusterArgs, InstallArgs, ApiTokenArgs, CustomerWorkspaceArgs, EnvironmentArgs):
        assert cls.bindings(), cls
    names = {f.name for f in dataclasses.fields(CustomerWorkspaceArgs)}
    assert set(Customer.model_fields) == names | {"id", "extra"}
    assert set(RegionSpec.model_fields) == {f.name for f in dataclasses.fields(RegionArgs)}
    assert set(ClusterSpec.model_fields) == {f.name for f in dataclasses.fields(ClusterArgs)} - {"import_kubeconfig"}

    @dataclass(frozen=True)
    class SiteArgs(LayoutArgs):
        name: Annotated[str, Bound(Region)]
        icon: Annotated[str | None, Bound(Region)] = None

    reason = Region.provider_class.field_map()["icon"].validate("flag-us")
    assert reason
    with pytest.raises(LayoutArgsError, match=re.escape(f"SiteArgs.icon: {reason}")):
        SiteArgs("eu", icon="flag-us")
    model = _file_model(SiteArgs)
    assert set(model.model_fields) == {"name", "icon"}
    with pytest.raises(ValidationError, match=re.escape(reason)):
        model(name="eu", icon="flag-us")


@pytest.mark.e2e
def test_bad_values_are_rejected_identically_at_preview(
    make_stack: Callable[..., AkuaStack], calls: Callable[[], CallCounter]
) -> None:
    # The engine stops at the first failed check, so each bad value gets its own preview.
    for i, case in enumerate(_cases()):
        stack = make_stack(case.resource, stack=f"bad-{i}")
        with calls() as c, pytest.raises(auto.CommandError) as err:
            stack.preview()
        assert c.reads + c.writes == 0, c.by_operation
        assert f"has a problem: {case.reason}" in str(err.value), (case.field, case.value, str(err.value)[-2000:])


# --------------------------------------------------------------------------- adoption through the layout


class _Recorder(pulumi.runtime.Mocks):
    """Records each registered resource's inputs by resource name (components left out)."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.typ.startswith("akua:layouts:"):  # the components themselves are not recorded
            self.inputs[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def _record(program: Callable[[], None]) -> dict[str, dict[str, Any]]:
    mocks = _Recorder()

    def body() -> None:
        pulumi.runtime.set_mocks(mocks, project="layouts", stack="test", preview=False)
        pulumi.runtime.test(program)()

    contextvars.copy_context().run(body)
    return mocks.inputs


def test_every_child_takes_adopt_through_the_layout_args() -> None:
    def program() -> None:
        EnvironmentWorkspaces(
            "acme",
            EnvironmentWorkspacesArgs(
                prefix="acme",
                environments=["prod", EnvironmentArgs("dev", adopt_id="ws_dev", tier="pro")],
                adopt=True,
                members=[MemberArgs("usr_1", adopt=True)],
                regions=[RegionArgs("eu", adopt=True, clusters=[ClusterArgs("main", adopt_id="cls_1")])],
                installs=[InstallArgs("app", product_id="prd_1", adopt_id="ins_1")],
            ),
        )
        CustomerWorkspace(
            "globex",
            CustomerWorkspaceArgs(
                name="Globex",
                region=RegionArgs("us", adopt=True),
                cluster=ClusterArgs("c", adopt_id="cls_2"),
                api_token=ApiTokenArgs("ci", adopt=True),
                adopt_id="ws_globex",
            ),
        )

    inputs = _record(program)
    assert inputs["acme-prod"]["adopt"] is True and inputs["acme-dev"]["adopt_id"] == "ws_dev"
    assert inputs["acme-dev-subscription"]["tier"] == "pro" and "acme-prod-subscription" not in inputs
    for env in ("prod", "dev"):
        assert inputs[f"acme-{env}-member-usr_1"]["adopt"] is True
        assert inputs[f"acme-{env}-region-eu"]["adopt"] is True
        assert inputs[f"acme-{env}-cluster-main"]["adopt_id"] == "cls_1"
        assert inputs[f"acme-{env}-install-app"]["adopt_id"] == "ins_1"
    assert inputs["globex"]["adopt_id"] == "ws_globex"
    assert inputs["globex-region-us"]["adopt"] is True
    assert inputs["globex-cluster-c"]["adopt_id"] == "cls_2"
    assert inputs["globex-token"]["adopt"] is True


def _customer_program(seller: Seller, user: str, adopt: dict[str, Any] | None = None) -> Callable[[], None]:
    """A customer layout; with ``adopt`` (ids from a first stack), every child is taken over."""

    def program() -> None:
        a = adopt or {}
        layout = CustomerWorkspace(
            "initech",
            CustomerWorkspaceArgs(
                name="Initech",
                slug="initech",
                members=[MemberArgs(user, "admin", adopt=True if adopt else None)],
                region=RegionArgs("eu-west", adopt=True if adopt else None),
                cluster=ClusterArgs("initech-main", adopt_id=a.get("cluster_id")),
                installs=[InstallArgs("app", product_id=seller.product_id, adopt_id=a.get("install_id"))],
                api_token=ApiTokenArgs("ci", adopt=True if adopt else None),
                adopt=True if adopt else None,
            ),
        )
        pulumi.export("workspace_id", layout.workspace_id)
        pulumi.export("cluster_id", layout.cluster_id)
        pulumi.export("install_id", layout.install_ids.apply(lambda ids: ids["app"]))
        pulumi.export("token_id", layout.token.id if layout.token else None)

    return program


@pytest.mark.e2e
@pytest.mark.slow
def test_customer_layout_adopts_every_child_with_no_diff(
    make_stack: Callable[..., AkuaStack],
    api: AkuaClient,
    calls: Callable[[], CallCounter],
    seller: Seller,
    users: list[str],
) -> None:
    # What exists already: a customer layout some other stack (or a person) created.
    first = make_stack(_customer_program(seller, users[0]), stack="first")
    first.up()
    existing = first.outputs()

    # A new stack adopts all of it through the layout's args: no create on the API, then no diff.
    second = make_stack(_customer_program(seller, users[0], adopt=existing), stack="second")
    with calls() as c:
        second.up()
    assert c.writes == 0, c.by_operation
    assert {k: v for k, v in second.outputs().items() if k in existing} == existing
    second.preview(expect_no_changes=True)
    scoped = api.for_workspace(existing["workspace_id"])
    assert len(list(scoped.paginate("/clusters"))) == 1 and len(list(scoped.paginate("/api_tokens"))) == 1

    second.destroy()
    assert [w["slug"] for w in api.paginate("/workspaces")] == ["seller-platform"]


@pytest.mark.e2e
def test_managing_organization_id_takes_an_output(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer
) -> None:
    def program() -> None:
        org = Organization("seller-org", name="Seller Inc", slug="seller-inc")
        layout = CustomerWorkspace(
            "hooli",
            CustomerWorkspaceArgs(
                name="Hooli", slug="hooli", region=RegionArgs("eu-west"), managing_organization_id=org.id
            ),
        )
        pulumi.export("org_id", org.id)
        pulumi.export("workspace_id", layout.workspace_id)
        pulumi.export("management_ok", layout.management_ok)

    stack = make_stack(program, stack="org-output")
    stack.up()
    out = stack.outputs()
    assert out["management_ok"] is False  # not granted yet: a warning, not a failure
    akua.admin.grant_management(out["workspace_id"], out["org_id"])
    stack.up()
    assert stack.outputs()["management_ok"] is True
    stack.destroy()


def test_an_explicit_connection_reaches_every_child() -> None:
    from akua_pulumi import Provider

    customer = Provider("customer-a", api_url="http://127.0.0.1:9/v1", token="customer-token")

    def program() -> None:
        opts = pulumi.ResourceOptions(provider=customer)
        CustomerWorkspace(
            "globex",
            CustomerWorkspaceArgs(
                name="Globex",
                region=RegionArgs("us", clusters=[ClusterArgs("c")]),
                members=[MemberArgs("usr_1")],
                installs=[InstallArgs("app", product_id="prd_1")],
                api_token=ApiTokenArgs("ci"),
                tier="pro",
            ),
            opts=opts,
        )
        EnvironmentWorkspaces("acme", EnvironmentWorkspacesArgs(prefix="acme", environments=["prod"]), opts=opts)

    inputs = _record(program)
    assert {"globex", "globex-region-us", "globex-cluster-c", "globex-member-usr_1", "globex-install-app"} <= set(
        inputs
    )
    assert {"globex-token", "globex-subscription", "acme-prod"} <= set(inputs)
    for name, props in inputs.items():
        connection = props.get("akua_connection")
        assert isinstance(connection, dict) and "customer-token" in str(connection), name


def _environments_program(user: str, cluster_ids: dict[str, str] | None = None) -> Callable[[], None]:
    """Two environments; with ``cluster_ids`` (from a first stack) every child is taken over."""

    def program() -> None:
        adopt = True if cluster_ids is not None else None
        layout = EnvironmentWorkspaces(
            "umbrella",
            EnvironmentWorkspacesArgs(
                prefix="umbrella",
                environments=[
                    EnvironmentArgs(
                        env,
                        regions=[
                            RegionArgs(
                                "eu-west",
                                adopt=adopt,
                                clusters=[ClusterArgs("main", adopt_id=(cluster_ids or {}).get(env))],
                            )
                        ],
                    )
                    for env in ("prod", "dev")
                ],
                members=[MemberArgs(user, "admin", adopt=adopt)],
                adopt=adopt,
            ),
        )
        pulumi.export("workspace_ids", layout.workspace_ids)
        pulumi.export("cluster_ids", layout.cluster_ids.apply(lambda ids: {e: c["main"] for e, c in ids.items()}))

    return program


@pytest.mark.e2e
@pytest.mark.slow
def test_environment_layout_adopts_every_child_with_no_diff(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, calls: Callable[[], CallCounter], users: list[str]
) -> None:
    first = make_stack(_environments_program(users[0]), stack="first")
    first.up()
    existing = first.outputs()

    second = make_stack(_environments_program(users[0], existing["cluster_ids"]), stack="second")
    with calls() as c:
        second.up()
    assert c.writes == 0, c.by_operation
    assert second.outputs() == existing
    second.preview(expect_no_changes=True)

    second.destroy()
    assert not [w for w in api.paginate("/workspaces") if w["slug"].startswith("umbrella-")]

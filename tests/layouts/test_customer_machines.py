"""CustomerWorkspace's machines: the arguments' checks, and workers built with an existing compute config of
the customer's workspace (the layout then creates none) through the real engine, grown and shrunk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.components import ClusterArgs, CustomerWorkspace, CustomerWorkspaceArgs, MachinesArgs, RegionArgs
from akua_pulumi.components._args import LayoutArgsError
from akua_pulumi.testing.stacks import AkuaStack


@pytest.mark.parametrize(
    ("build", "names"),
    [
        (lambda: MachinesArgs(count=-1), "MachinesArgs.count"),
        (lambda: MachinesArgs(count=101), "MachinesArgs.count"),
        (lambda: MachinesArgs(instance_type=""), "MachinesArgs.instance_type"),
        (lambda: MachinesArgs(compute_config_id="cfg_1", provider_config={"region": "fsn1"}), "provider_config"),
        (
            lambda: CustomerWorkspaceArgs(name="G", region=RegionArgs("r"), machines=MachinesArgs(count=1)),
            "CustomerWorkspaceArgs.machines",
        ),
    ],
)
def test_machines_arguments_are_checked(build: Callable[[], object], names: str) -> None:
    with pytest.raises(LayoutArgsError) as err:
        build()
    assert names in str(err.value)


def test_no_machines_need_no_cluster() -> None:
    args = CustomerWorkspaceArgs(name="G", region=RegionArgs("r"), machines=MachinesArgs(count=0))
    assert args.machines is not None and args.machines.count == 0


def _machines(api: AkuaClient, ws: str) -> list[tuple[str | None, str]]:
    return sorted((m.get("name"), m["compute_config_id"]) for m in api.paginate("/machines", workspace=ws))


def test_machines_with_an_existing_compute_config(make_stack: Callable[..., AkuaStack], api: AkuaClient) -> None:
    ws = api.post("/workspaces", json={"name": "Globex", "slug": "globex"})["id"]
    config = api.post(
        "/compute_configs",
        json={
            "name": "globex-own",
            "provider": "hcloud",
            "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"},
            "credential_scope": {"kind": "system"},
        },
        workspace=ws,
    )["id"]

    def program(count: int, instance_type: str = "cax11") -> Callable[[], None]:
        def run() -> None:
            layout = CustomerWorkspace(
                "globex",
                CustomerWorkspaceArgs(
                    name="Globex",
                    slug="globex",
                    adopt_id=ws,
                    region=RegionArgs("us-east"),
                    cluster=ClusterArgs("globex-main"),
                    machines=MachinesArgs(count=count, instance_type=instance_type, compute_config_id=config),
                ),
            )
            pulumi.export("machine_ids", layout.machine_ids)

        return run

    stack = make_stack(program(1))
    stack.up()
    assert _machines(api, ws) == [("globex-main-1", config)]
    # The layout built them with the given config and created none of its own.
    assert [c["id"] for c in api.paginate("/compute_configs", workspace=ws)] == [config]
    assert stack.outputs()["machine_ids"] == [m["id"] for m in api.paginate("/machines", workspace=ws)]
    stack.preview(expect_no_changes=True)

    # Growing past the Free plan's one machine fails naming the limit, and leaves the first machine.
    stack.program = program(2)
    with pytest.raises(auto.CommandError) as err:
        stack.up()
    assert "compute.max_machines" in str(err.value)
    assert _machines(api, ws) == [("globex-main-1", config)]

    # Shrinking to none deletes the machine; the config (not the layout's) stays.
    stack.program = program(0)
    stack.up()
    assert _machines(api, ws) == [] and stack.outputs()["machine_ids"] == []
    stack.preview(expect_no_changes=True)

    # docs/layouts.md's way to another type on a full plan: after the shrink, grow back with the new type.
    stack.program = program(1, "cx23")
    stack.up()
    assert _machines(api, ws) == [("globex-main-1", config)]
    # The API never shows the type (write-only): the state has the one the new machine was created with.
    resources = stack.deployment()["resources"]
    assert [r["outputs"]["instance_type"] for r in resources if "instance_type" in r.get("outputs", {})] == ["cx23"]
    stack.preview(expect_no_changes=True)
    stack.destroy()
    remaining: list[dict[str, Any]] = [w for w in api.paginate("/workspaces") if w["slug"] == "globex"]
    assert remaining == []

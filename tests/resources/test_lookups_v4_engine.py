"""The v4 lookups inside a real Pulumi program: ``*_output`` variants on ids unknown until ``up`` (an
install's deployed render bound by a PreviewHostname, an offer's orders), the others with the stack's config."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
from pulumi import automation as auto

from akua_pulumi import Install, Offer, PreviewHostname, lookups
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.testing.stacks import AkuaStack

REF = "oci://registry.example/acme/lookups"
V1 = {
    "semver": "1.0.0",
    "ref": "sha256:l1",
    "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
}


def test_v4_lookups_in_a_program(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = api.for_workspace(workspace_id)
    region = ws.post("/regions", json={"name": "eu"})["id"]
    cluster = ws.wait_operation(ws.post("/clusters", json={"name": "c1", "region_id": region}))["response"][
        "cluster_id"
    ]
    akua.admin.publish_artifact(REF, V1["semver"], V1["ref"], V1["input_schema"])
    pkg = ws.post("/packages:import", json={"name": "app", "oci_ref": REF, "version": V1})
    product = ws.post(
        "/products", json={"name": "App", "package_id": pkg["id"], "package_version_pin": {"kind": "latest"}}
    )
    org = api.post("/organizations", json={"name": "Vendor Inc"})["id"]
    akua.admin.grant_management(workspace_id, org)

    def program() -> None:
        install = Install("app", package_id=pkg["id"], region_id=region)
        # Unknown until the install exists: the render is looked up once its id is known.
        render = lookups.get_render_output(install.id, state="deployed")
        PreviewHostname("preview", install_id=install.id, render_id=render.apply(lambda r: r.id))
        pulumi.export("render", render.apply(lambda r: r.as_dict()))
        pulumi.export("install_state", lookups.get_install_status_output(install.id).apply(lambda s: s.state))
        offer = Offer("offer", product_id=product["id"])
        pulumi.export("orders", lookups.get_order_drafts_output(offer.id).apply(len))
        # Known ids, and the stack's akua:workspace.
        caps = lookups.get_cluster_capabilities_output(cluster)
        pulumi.export("freshness", caps.apply(lambda c: c.freshness["state"]))
        inputs = lookups.get_package_version_inputs_output(pkg["id"], pkg["latest_version_id"])
        pulumi.export("inputs", inputs)
        pulumi.export("access", lookups.get_access_state_output().apply(lambda a: a.status))
        pulumi.export("managed", lookups.get_managed_workspaces_output(org).apply(lambda ws: [w.id for w in ws]))
        deploy = lookups.get_repositories_output("deploy", view="full")
        pulumi.export("deploy_clusters", deploy.apply(lambda rs: [r.cluster_id for r in rs]))
        pulumi.export("skills", lookups.get_agent_skills_output().apply(lambda s: sorted(x.name for x in s)))
        pulumi.export("templates", lookups.get_agent_templates_output().apply(lambda t: [x.id for x in t]))
        pulumi.export("overview", lookups.get_workspace_overview_output().apply(lambda d: d.purpose))
        pulumi.export("plain_skills", len(lookups.get_agent_skills()))  # a plain lookup, config from the stack

    stack = make_stack(program, workspace=workspace_id)
    preview = stack.preview()
    # The stack, Install, PreviewHostname and Offer; lookups create nothing.
    assert preview.change_summary.get(auto.OpType.CREATE) == 4
    stack.up()
    out = stack.outputs()
    install_id = stack.state_of("Install")["id"]
    (live_render,) = ws.get(f"/installs/{install_id}/renders")["data"]
    assert out["render"]["id"] == live_render["id"] and out["render"]["state"] == "deployed"
    assert out["render"]["install_id"] == install_id
    hostname = stack.state_of("PreviewHostname")
    binding = ws.get(f"/installs/{install_id}/preview_hostnames/{hostname['id']}")["binding"]
    assert binding == {"kind": "pinned", "render_id": live_render["id"]}
    assert out["install_state"] == ws.get(f"/installs/{install_id}/status")["state"]
    assert out["orders"] == 0
    assert out["freshness"] == ws.get(f"/clusters/{cluster}/capabilities")["freshness"]["state"]
    assert out["inputs"] == V1["input_schema"]
    assert out["access"] == "active"
    assert out["managed"] == [workspace_id]
    assert out["deploy_clusters"] == [cluster]
    assert out["skills"] == ["Deployment investigation", "Repository change triage"]
    assert "agtpl_failed_install_triage" in out["templates"]
    assert out["overview"] == "workspace_overview"
    assert out["plain_skills"] == 2
    stack.preview(expect_no_changes=True)
    stack.destroy()

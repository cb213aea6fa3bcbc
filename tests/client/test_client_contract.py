"""Every request the client sends is checked against the contract (``openapi.json``).

The handler strips the ``/v1`` base path, matches the operation, and runs
``contract().validate_request`` with the headers, query, path params and JSON body actually sent.
The client is driven through a representative call for every operation of the contract.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import MakeClient

from akua_pulumi.client import AkuaClient
from akua_pulumi.contract import contract

Call = Callable[[AkuaClient], Any]
E = "7"  # an etag as read
K = "idem-key-0001"

VERSION = {
    "semver": "1.2.3",
    "ref": "sha256:abc",
    "input_schema": {"type": "object"},
    "compatibility": {
        "clusterTypes": ["managed"],
        "kubernetes": {"minVersion": "1.28"},
        "placement": {"providers": "any", "regions": ["reg_1"]},
    },
}

CALLS: dict[str, Call] = {
    # workspaces
    "workspaces.list": lambda c: list(c.paginate("/workspaces")),
    "workspaces.create": lambda c: c.post("/workspaces", json={"name": "Acme", "slug": "acme"}),
    "workspaces.get": lambda c: c.get("/workspaces/ws_1"),
    "workspaces.update": lambda c: c.patch("/workspaces/ws_1", json={"name": "A"}, if_match=E),
    "workspaces.delete": lambda c: c.delete("/workspaces/ws_1", if_match=E, idempotency_key=K),
    "workspaces.listMembers": lambda c: list(c.paginate("/workspaces/ws_1/members")),
    "workspaces.addMember": lambda c: c.post(
        "/workspaces/ws_1/members",
        json={"user_id": "usr_1", "role": "admin"},
        idempotency_key=K,
    ),
    "workspaces.updateMember": lambda c: c.patch("/workspaces/ws_1/members/usr_1", json={"role": "member"}),
    "workspaces.removeMember": lambda c: c.delete("/workspaces/ws_1/members/usr_1", idempotency_key=K),
    "workspaces.getSubscription": lambda c: c.get("/workspaces/ws_1/subscription"),
    "workspaces.getAccessState": lambda c: c.get("/workspaces/ws_1/access_state"),
    "workspaces.getManagement": lambda c: c.get("/workspaces/ws_1/management"),
    "workspaces.revokeManagement": lambda c: c.post("/workspaces/ws_1:revokeManagement", if_match=E),
    "workspaces.cancelSubscription": lambda c: c.post(
        "/workspaces/ws_1/subscription:cancel",
        json={"effective": "period_end"},
        if_match=E,
        idempotency_key=K,
    ),
    "workspaces.reactivateSubscription": lambda c: c.post(
        "/workspaces/ws_1/subscription:reactivate", json={}, if_match=E
    ),
    "workspaces.changeSubscriptionTier": lambda c: c.post(
        "/workspaces/ws_1/subscription:changeTier",
        json={"tier": "pro"},
        if_match=E,
    ),
    "workspaces.listSubscriptionChangeRequests": lambda c: list(
        c.paginate("/workspaces/ws_1/subscription/change_requests", page_size=10)
    ),
    "workspaces.getSubscriptionChangeRequest": lambda c: c.get("/workspaces/ws_1/subscription/change_requests/scr_1"),
    # organizations
    "organizations.list": lambda c: list(c.paginate("/organizations")),
    "organizations.create": lambda c: c.post(
        "/organizations",
        json={"name": "Acme Inc", "slug": "acme"},
        idempotency_key=K,
    ),
    "organizations.get": lambda c: c.get("/organizations/org_1"),
    "organizations.update": lambda c: c.patch(
        "/organizations/org_1", json={"name": "Acme & Co", "icon": None}, if_match=E
    ),
    "organizations.delete": lambda c: c.delete("/organizations/org_1", if_match=E),
    "organizations.listMembers": lambda c: list(c.paginate("/organizations/org_1/members")),
    "organizations.addMember": lambda c: c.post(
        "/organizations/org_1/members",
        json={"user_id": "usr_2", "role": "admin"},
        if_match=E,
        idempotency_key=K,
    ),
    "organizations.updateMemberRole": lambda c: c.patch(
        "/organizations/org_1/members/usr_2",
        json={"role": "owner"},
        if_match=E,
    ),
    "organizations.removeMember": lambda c: c.delete("/organizations/org_1/members/usr_2", if_match=E),
    "organizations.listInvitations": lambda c: list(c.paginate("/organizations/org_1/invitations")),
    "organizations.createInvitation": lambda c: c.post("/organizations/org_1/invitations", json={"email": "a@b.co"}),
    "organizations.resendInvitation": lambda c: c.post("/organizations/org_1/invitations/orgi_1/resend"),
    "organizations.cancelInvitation": lambda c: c.delete("/organizations/org_1/invitations/orgi_1"),
    "organizations.acceptInvitation": lambda c: c.post("/organization_invitations/accept", json={"token": "t" * 40}),
    "organizations.listManagedWorkspaces": lambda c: list(c.paginate("/organizations/org_1/workspaces")),
    # tokens, regions
    "apiTokens.create": lambda c: c.post("/api_tokens", json={"name": "ci", "expires_at": None}),
    "apiTokens.list": lambda c: list(c.paginate("/api_tokens")),
    "apiTokens.revoke": lambda c: c.delete("/api_tokens/tok_1"),
    "regions.list": lambda c: list(c.paginate("/regions")),
    "regions.create": lambda c: c.post("/regions", json={"name": "EU", "icon": "https://x.dev/i.png"}),
    # clusters
    "clusters.list": lambda c: list(c.paginate("/clusters")),
    "clusters.create": lambda c: c.post(
        "/clusters",
        json={"name": "c", "region_id": "reg_1", "network_profile": "mixed_os_calico"},
        idempotency_key=K,
    ),
    "clusters.import": lambda c: c.post(
        "/clusters:import",
        json={"name": "c", "region_id": "reg_1", "kubeconfig": "apiVersion: v1"},
        idempotency_key=K,
    ),
    "clusters.get": lambda c: c.get("/clusters/clu_1"),
    "clusters.update": lambda c: c.patch(
        "/clusters/clu_1", json={"name": "c2", "provider": "imported_byoc"}, if_match=E
    ),
    "clusters.delete": lambda c: c.delete("/clusters/clu_1", if_match=E, idempotency_key=K),
    "clusters.suspend": lambda c: c.post("/clusters/clu_1:suspend", if_match=E, idempotency_key=K),
    "clusters.resume": lambda c: c.post("/clusters/clu_1:resume", if_match=E),
    "clusters.getCapabilities": lambda c: c.get("/clusters/clu_1/capabilities"),
    "clusters.refreshCapabilities": lambda c: c.post("/clusters/clu_1/capabilities:refresh", idempotency_key=K),
    "clusters.getKubeconfig": lambda c: c.get("/clusters/clu_1/kubeconfig"),
    # packages
    "packages.list": lambda c: list(c.paginate("/packages", params={"view": "full"})),
    "packages.create": lambda c: c.post(
        "/packages",
        json={
            "name": "shop",
            "sources": [
                {"kind": "helm", "repo_url": "oci://ghcr.io/a/b", "target_revision": "1.0.0", "values": {"a": 1}}
            ],
        },
        idempotency_key=K,
    ),
    "packages.importPublished": lambda c: c.post(
        "/packages:import",
        json={"name": "shop", "oci_ref": "oci://ghcr.io/a/b", "version": VERSION},
        idempotency_key=K,
    ),
    "packages.get": lambda c: c.get("/packages/pkg_1", params={"view": "basic"}),
    "packages.delete": lambda c: c.delete("/packages/pkg_1", if_match=E),
    "packages.listVersions": lambda c: list(c.paginate("/packages/pkg_1/versions")),
    "packages.createVersion": lambda c: c.post("/packages/pkg_1/versions", json=VERSION),
    "packages.getVersion": lambda c: c.get("/packages/pkg_1/versions/pkv_1"),
    "packages.getVersionInputs": lambda c: c.get("/packages/pkg_1/versions/pkv_1/inputs"),
    # products
    "products.list": lambda c: list(c.paginate("/products")),
    "products.create": lambda c: c.post(
        "/products",
        json={
            "name": "Shop",
            "package_id": "pkg_1",
            "package_version_pin": {"kind": "pinned", "version": "1.2.3"},
            "custom_image": "https://x.dev/i.png",
            "marketplace": {"published": True},
        },
        idempotency_key=K,
    ),
    "products.get": lambda c: c.get("/products/prod_1"),
    "products.update": lambda c: c.patch(
        "/products/prod_1",
        json={"package_version_pin": {"kind": "latest"}, "custom_image": None, "custom_description": None},
        if_match=E,
    ),
    "products.archive": lambda c: c.post(
        "/products/prod_1:archive",
        json={"cascade_offers": True, "archive_reason": "eol"},
        if_match=E,
        idempotency_key=K,
    ),
    "products.unarchive": lambda c: c.post("/products/prod_1:unarchive", json={}, if_match=E),
    # installs
    "installs.list": lambda c: list(c.paginate("/installs", params={"product_id": "prod_1"})),
    "installs.create": lambda c: [
        c.post(
            "/installs",
            json={"product_id": "prod_1", "region_id": "reg_1"},
            idempotency_key=K,
        ),
        c.post(
            "/installs",
            json={
                "package_id": "pkg_1",
                "package_version_pin": {"kind": "pinned", "version": "1.0.0"},
                "region_id": "reg_1",
                "cluster_id": "clu_1",
                "initial_values": {"replicas": 2},
            },
            idempotency_key=K,
        ),
    ],
    "installs.get": lambda c: c.get("/installs/inst_1"),
    "installs.delete": lambda c: c.delete("/installs/inst_1", if_match=E, idempotency_key=K),
    "installs.updateVersion": lambda c: c.post(
        "/installs/inst_1:update",
        json={"package_version_id": "pkv_2"},
        if_match=E,
        idempotency_key=K,
    ),
    "installs.restore": lambda c: c.post(
        "/installs/inst_1:restore",
        json={"render_id": "rnd_1"},
        if_match=E,
        idempotency_key=K,
    ),
    "installs.setAutomaticUpdates": lambda c: c.patch(
        "/installs/inst_1/automatic_updates",
        json={"automatic_updates_enabled": True},
        if_match=E,
        idempotency_key=K,
    ),
    "installs.getStatus": lambda c: c.get("/installs/inst_1/status"),
    # operations, quotas
    "operations.list": lambda c: list(c.paginate("/operations", params={"owner_type": "cluster", "owner_id": "clu_1"})),
    "operations.get": lambda c: c.get("/operations/op_1"),
    "operations.wait": lambda c: c.wait_operation("op_1", timeout=5),
    "operations.cancel": lambda c: c.post("/operations/op_1:cancel", if_match="3", idempotency_key=K),
    "quotas.list": lambda c: list(c.paginate("/quotas", params={"cluster_id": "clu_1"})),
    "quotas.get": lambda c: c.get("/quotas/compute%2Fmachines"),
    # roles and permissions (API.md section 6)
    "entitlements.list": lambda c: list(c.paginate("/entitlements", params={"feature_set": "compute"})),
    "accessDecisions.explain": lambda c: c.post(
        "/access_decisions",
        json={"permission": "clusters.delete", "resource": {"workspace_id": "ws_1", "cluster_id": "clu_1"}},
    ),
    "accessDecisions.explainBatch": lambda c: c.post(
        "/access_decisions:explainBatch",
        json={"requests": [{"permission": "packages.create"}]},
    ),
    # seller estate (API.md section 5)
    "secrets.list": lambda c: list(c.paginate("/secrets", params={"kind": "generic"})),
    "secrets.create": lambda c: c.post(
        "/secrets", json={"name": "s", "kind": "generic", "value": "v", "labels": {"a": "b"}}, idempotency_key=K
    ),
    "secrets.get": lambda c: c.get("/secrets/sec_1"),
    "secrets.update": lambda c: c.patch("/secrets/sec_1", json={"version_aliases": {"current": 2}}, if_match=E),
    "secrets.delete": lambda c: c.delete("/secrets/sec_1", params={"force": "true"}, if_match=E),
    "secrets.undelete": lambda c: c.post("/secrets/sec_1:undelete", if_match=E, idempotency_key=K),
    "secrets.validateToken": lambda c: c.post("/secrets/validate_token", json={"provider": "hcloud", "value": "t"}),
    "secrets.createVersion": lambda c: c.post("/secrets/sec_1/versions", json={"value": "v2"}, idempotency_key=K),
    "secrets.listVersions": lambda c: list(c.paginate("/secrets/sec_1/versions", params={"state": "enabled"})),
    "secrets.getVersion": lambda c: c.get("/secrets/sec_1/versions/secv_1"),
    "secrets.enableVersion": lambda c: c.post("/secrets/sec_1/versions/secv_1:enable", if_match=E),
    "secrets.disableVersion": lambda c: c.post("/secrets/sec_1/versions/secv_1:disable", if_match=E),
    "secrets.destroyVersion": lambda c: c.post("/secrets/sec_1/versions/secv_1:destroy", if_match=E),
    "secrets.accessVersion": lambda c: c.post("/secrets/sec_1/versions/latest:access"),
    "customDomains.list": lambda c: list(c.paginate("/workspaces/ws_1/custom_domains", params={"state": "active"})),
    "customDomains.create": lambda c: c.post(
        "/workspaces/ws_1/custom_domains",
        json={"hostname": "a.example.com", "target": {"kind": "install", "install_id": "inst_1"}},
        idempotency_key=K,
    ),
    "customDomains.get": lambda c: c.get("/workspaces/ws_1/custom_domains/cdm_1"),
    "customDomains.update": lambda c: c.patch(
        "/workspaces/ws_1/custom_domains/cdm_1", json={"protocol": "grpc"}, if_match=E, idempotency_key=K
    ),
    "customDomains.delete": lambda c: c.delete("/workspaces/ws_1/custom_domains/cdm_1", if_match=E, idempotency_key=K),
    "workspaceSubdomains.get": lambda c: c.get("/workspaces/ws_1/subdomain"),
    "workspaceSubdomains.setName": lambda c: c.post(
        "/workspaces/ws_1/subdomain:setName", json={"name": "shop"}, if_match=E, idempotency_key=K
    ),
    "previewHostnames.list": lambda c: list(
        c.paginate("/installs/inst_1/preview_hostnames", params={"binding_kind": "floating", "track": "main"})
    ),
    "previewHostnames.get": lambda c: c.get("/installs/inst_1/preview_hostnames/phn_1"),
    "previewHostnames.delete": lambda c: c.delete(
        "/installs/inst_1/preview_hostnames/phn_1", if_match=E, idempotency_key=K
    ),
    "previewHostnames.bindPinned": lambda c: c.post(
        "/installs/inst_1/preview_hostnames:bindPinned", json={"render_id": "rnd_1"}, idempotency_key=K
    ),
    "previewHostnames.bindFloating": lambda c: c.post(
        "/installs/inst_1/preview_hostnames:bindFloating",
        json={"track": "main", "render_id": "rnd_1", "protocol": "http"},
        idempotency_key=K,
    ),
    "offers.list": lambda c: list(c.paginate("/offers", params={"product_id": "prod_1"})),
    "offers.create": lambda c: c.post(
        "/offers", json={"product_id": "prod_1", "max_uses": None, "allowed_emails": ["a@b.example"]}, idempotency_key=K
    ),
    "offers.get": lambda c: c.get("/offers/offer_1"),
    "offers.resolve": lambda c: c.get("/offers:resolve", params={"short_hash": "abcdEF12"}),
    "offers.archive": lambda c: c.post("/offers/offer_1:archive", if_match=E, idempotency_key=K),
    "offers.unarchive": lambda c: c.post("/offers/offer_1:unarchive", if_match=E, idempotency_key=K),
    "registry.listCredentials": lambda c: list(c.paginate("/registry_connections")),
    "registry.createCredential": lambda c: c.post(
        "/registry_connections",
        json={"name": "r", "registry_url": "ghcr.io", "type": "token", "credentials": {"token": "t"}},
        idempotency_key=K,
    ),
    "registry.deleteCredential": lambda c: c.delete("/registry_connections/rcon_1"),
    "cloudflare.listCredentials": lambda c: list(c.paginate("/cloudflare_connections")),
    "cloudflare.createCredential": lambda c: c.post(
        "/cloudflare_connections",
        json={
            "name": "cf",
            "account_id": "acc",
            "origin_zone_id": "zone",
            "origin_hostname_suffix": "o.example.com",
            "api_token": "t",
        },
    ),
    "cloudflare.deleteCredential": lambda c: c.delete("/cloudflare_connections/cfcon_1"),
    "computeConfigs.list": lambda c: list(c.paginate("/compute_configs", params={"view": "full"})),
    "computeConfigs.create": lambda c: c.post(
        "/compute_configs",
        json={
            "name": "fsn",
            "provider": "hcloud",
            "provider_config": {"region": "fsn1", "image": "ubuntu-24.04"},
            "credential_scope": {"kind": "system"},
        },
        idempotency_key=K,
    ),
    "computeConfigs.get": lambda c: c.get("/compute_configs/ccf_1"),
    "computeConfigs.update": lambda c: c.patch(
        "/compute_configs/ccf_1", json={"credential_scope": {"kind": "byom", "secret_id": "sec_1"}}, if_match=E
    ),
    "computeConfigs.delete": lambda c: c.delete("/compute_configs/ccf_1", if_match=E, idempotency_key=K),
    "clusters.getComputeSettings": lambda c: c.get("/clusters/clu_1/compute_settings"),
    "clusters.updateComputeSettings": lambda c: c.patch(
        "/clusters/clu_1/compute_settings", json={"max_machines": 2}, if_match=E
    ),
    # the seller's operating surface (API.md section 7)
    "machines.list": lambda c: list(c.paginate("/machines", params={"cluster_id": "clu_1", "state": "ACTIVE"})),
    "machines.create": lambda c: c.post(
        "/machines",
        json={"cluster_id": "clu_1", "compute_config_id": "ccf_1", "instance_type": "cx23", "name": "w1"},
        idempotency_key=K,
    ),
    "machines.get": lambda c: c.get("/machines/mch_1"),
    "machines.update": lambda c: c.patch("/machines/mch_1", json={"name": None}, if_match=E, idempotency_key=K),
    "machines.delete": lambda c: c.delete("/machines/mch_1", if_match=E, idempotency_key=K),
    "machines.suspend": lambda c: c.post(
        "/machines/mch_1:suspend", json={"reason": "manual"}, if_match=E, idempotency_key=K
    ),
    "machines.resume": lambda c: c.post("/machines/mch_1:resume", json={}, if_match=E, idempotency_key=K),
    "clusters.createWorkerBootstrap": lambda c: c.post(
        "/clusters/clu_1/worker_bootstraps", json={"ttl_seconds": 600}, idempotency_key=K
    ),
    "clusters.listWorkerBootstraps": lambda c: list(c.paginate("/clusters/clu_1/worker_bootstraps")),
    "clusters.getWorkerBootstrap": lambda c: c.get("/clusters/clu_1/worker_bootstraps/wbs_1"),
    "clusters.revokeWorkerBootstrap": lambda c: c.post(
        "/clusters/clu_1/worker_bootstraps/wbs_1:revoke", if_match=E, idempotency_key=K
    ),
    "agents.list": lambda c: list(c.paginate("/agents")),
    "agents.create": lambda c: c.post(
        "/agents", json={"name": "a", "instructions": "watch", "capabilities": ["CHAT", "AMBIENT"]}
    ),
    "agents.get": lambda c: c.get("/agents/agt_1"),
    "agents.update": lambda c: c.patch("/agents/agt_1", json={"description": "d"}, if_match=E),
    "agents.archive": lambda c: c.delete("/agents/agt_1"),
    "agents.enable": lambda c: c.post("/agents/agt_1:enable"),
    "agentSkills.list": lambda c: list(c.paginate("/agent_skills")),
    "agentSkills.get": lambda c: c.get("/agent_skills/skl_1"),
    "agentTemplates.list": lambda c: list(c.paginate("/agent_templates")),
    "agentTemplates.get": lambda c: c.get("/agent_templates/agtpl_1"),
    "dashboards.list": lambda c: list(c.paginate("/dashboards")),
    "dashboards.create": lambda c: c.post(
        "/dashboards", json={"name": "Ops", "widgets": [{"snippet_id": "snp_1", "title": "t"}]}
    ),
    "dashboards.getWorkspaceOverview": lambda c: c.get("/dashboards/workspace_overview"),
    "dashboards.get": lambda c: c.get("/dashboards/dash_1"),
    "dashboards.update": lambda c: c.patch("/dashboards/dash_1", json={"description": "d"}, if_match=E),
    "dashboards.delete": lambda c: c.delete("/dashboards/dash_1", if_match=E),
    "dashboards.listRevisions": lambda c: list(c.paginate("/dashboards/dash_1/revisions", params={"limit": 10})),
    "dashboards.getRevision": lambda c: c.get("/dashboards/dash_1/revisions/drev_1"),
    "dashboards.createWidget": lambda c: c.post(
        "/dashboards/dash_1/widgets",
        json={"widget_type": "snippet", "snippet_id": "snp_1", "col_span": 2},
        idempotency_key=K,
    ),
    "dashboards.listWidgets": lambda c: list(c.paginate("/dashboards/dash_1/widgets")),
    "dashboards.getWidget": lambda c: c.get("/dashboards/dash_1/widgets/wgt_1"),
    "dashboards.updateWidget": lambda c: c.patch(
        "/dashboards/dash_1/widgets/wgt_1", json={"title": "t"}, if_match=E, idempotency_key=K
    ),
    "dashboards.deleteWidget": lambda c: c.delete("/dashboards/dash_1/widgets/wgt_1", if_match=E),
    "snippets.list": lambda c: list(c.paginate("/snippets")),
    "snippets.create": lambda c: c.post("/snippets", json={"name": "s", "code": "return 1", "display_type": "stat"}),
    "snippets.listUsage": lambda c: c.get("/snippets:usage"),
    "snippets.getUsage": lambda c: c.get("/snippets/snp_1:usage"),
    "snippets.get": lambda c: c.get("/snippets/snp_1"),
    "snippets.update": lambda c: c.patch("/snippets/snp_1", json={"name": "n"}, if_match=E),
    "snippets.delete": lambda c: c.delete("/snippets/snp_1", if_match=E),
    "installs.listRenders": lambda c: list(c.paginate("/installs/inst_1/renders")),
    "installs.getRender": lambda c: c.get("/installs/inst_1/renders/rnd_1"),
    "repositories.list": lambda c: list(c.paginate("/repositories", params={"purpose": "deploy", "view": "full"})),
    "repositories.get": lambda c: c.get("/repositories/repo_1", params={"view": "full"}),
    "orderDrafts.list": lambda c: list(c.paginate("/order_drafts", params={"offer": "offer_1"})),
    "orderDrafts.get": lambda c: c.get("/order_drafts/odft_1"),
}


class ContractChecker:
    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.violations: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        raw_path = request.url.raw_path.decode().split("?", 1)[0]
        assert raw_path.startswith("/v1/")
        path = raw_path[len("/v1") :]
        matched = contract().match(request.method, path)
        if matched is None:
            with self.lock:
                self.violations.append(f"{request.method} {path}: no such operation")
            return httpx.Response(404)
        op, path_params = matched
        has_body = bool(request.content)
        body = json.loads(request.content) if has_body else None
        violations = contract().validate_request(
            op,
            body=body,
            has_body=has_body,
            headers=dict(request.headers),
            query=dict(request.url.params),
            path_params={k.lower(): v for k, v in path_params.items()},  # contract keys are lower-case
        )
        with self.lock:
            self.seen.add(op.operation_id)
            self.violations.extend(f"{op.operation_id}: {v}" for v in violations)
        if op.operation_id == "operations.wait":
            return httpx.Response(200, json={"id": "op_1", "state": "SUCCEEDED", "done": True})
        if (op.method == "GET" and "limit" in op.parameters("query")) or path.endswith(("/members", "/quotas")):
            return httpx.Response(200, json={"data": [{"id": "x"}], "has_more": False, "next_cursor": None})
        return httpx.Response(200, json={"id": "x"})


def test_calls_cover_every_operation() -> None:
    assert set(CALLS) == {op.operation_id for op in contract()}


@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_request_matches_contract(make_client: MakeClient, operation_id: str) -> None:
    checker = ContractChecker()
    client, rec = make_client(checker)
    CALLS[operation_id](client)
    assert rec.count >= 1
    assert checker.seen == {operation_id}
    assert checker.violations == []


def test_checker_catches_violations(make_client: MakeClient) -> None:
    """The checker is not vacuous: a bad body and a missing header are reported."""
    checker = ContractChecker()
    client, _ = make_client(checker)
    client.post("/products", json={"name": "x", "bogus": 1})
    client.request("POST", "/clusters/clu_1:suspend", if_match="1", json={"x": 1})
    text = "\n".join(checker.violations)
    assert "body.bogus: unknown field" in text and "body.package_id: field required" in text
    assert "clusters.suspend: body" in text

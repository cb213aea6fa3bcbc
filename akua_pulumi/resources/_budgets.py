"""How many API requests each lifecycle step of a resource makes: one table for every resource.

Every Akua provider's ``call_budget`` is its row (``CALL_BUDGETS[type_name]``, set when the class is
defined: see ``AkuaProvider.__init_subclass__``). The resource tests assert each
budget against akua-local's request counters, the fleet benchmark compares with it, and
``scripts/gen-resource-docs`` renders it into docs/resources/. Side by side, the costs of all
resources are reviewed together; a change to a provider's calls changes its row here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CALL_BUDGETS", "CallBudget"]


@dataclass(frozen=True)
class CallBudget:
    """API requests one lifecycle step makes, as measured by akua-local's counters in our tests."""

    reads: int
    writes: int
    note: str = ""


CALL_BUDGETS: Mapping[str, Mapping[str, CallBudget]] = {
    "akua:Workspace": {
        "create": CallBudget(0, 1, "POST /workspaces (the response is the object)"),
        "refresh": CallBudget(1, 0, "GET /workspaces/{id}"),
        "update": CallBudget(1, 1, "PATCH with If-Match, then GET to read back"),
        "delete": CallBudget(0, 1, "DELETE (202 Operation); :wait long polls until done (none if already done)"),
    },
    "akua:WorkspaceMember": {
        "create": CallBudget(1, 1, "POST members (empty 201), GET members to read back"),
        "refresh": CallBudget(1, 0, "GET /workspaces/{id}/members (not paginated)"),
        "update": CallBudget(1, 1, "PATCH role (empty 200), GET members to read back"),
        "delete": CallBudget(0, 1, "DELETE /workspaces/{id}/members/{user_id}"),
    },
    "akua:WorkspaceSubscription": {
        "create": CallBudget(4, 1, "GET subscription, GET workspace (etag), POST :changeTier, :wait, GET subscription"),
        "refresh": CallBudget(1, 0, "GET /workspaces/{id}/subscription"),
        "update": CallBudget(3, 1, "GET workspace (etag), POST :changeTier, :wait, GET subscription"),
        "delete": CallBudget(0, 0, "nothing: the tier stays"),
    },
    "akua:Organization": {
        "create": CallBudget(1, 1, "POST with Idempotency-Key, GET (a replayed key may name a deleted org)"),
        "refresh": CallBudget(1, 0, "GET /organizations/{id}"),
        "update": CallBudget(1, 1, "PATCH with the stored etag (answers {ok}), GET to read back"),
        "delete": CallBudget(0, 1, "DELETE with the stored etag"),
    },
    "akua:OrganizationMember": {
        "create": CallBudget(2, 1, "GET the organization's etag, POST member, list members to read back"),
        "refresh": CallBudget(1, 0, "list members (no single-member GET; one page up to 100 members)"),
        "update": CallBudget(1, 1, "PATCH role with the member's etag, list to read back"),
        "delete": CallBudget(0, 1, "DELETE with the member's etag"),
    },
    "akua:OrganizationInvitation": {
        "create": CallBudget(1, 1, "list pending invitations (no duplicate), POST (the response is the object)"),
        "refresh": CallBudget(1, 0, "list pending invitations (no single GET)"),
        "delete": CallBudget(0, 1, "DELETE (cancel); 404 when no longer pending counts as done"),
    },
    "akua:ApiToken": {
        "create": CallBudget(2, 1, "GET /api_tokens (name precheck), POST, GET /api_tokens (prefix, created_at)"),
        "refresh": CallBudget(1, 0, "GET /api_tokens, filtered by id (no GET by id)"),
        "delete": CallBudget(0, 1, "DELETE /api_tokens/{id}"),
    },
    "akua:Region": {
        "create": CallBudget(1, 1, "GET /regions (name precheck), POST /regions (the response is the object)"),
        "refresh": CallBudget(1, 0, "GET /regions, filtered by id (no GET by id)"),
        "delete": CallBudget(0, 0, "nothing: the API cannot delete a region; it is only dropped from state"),
    },
    "akua:Cluster": {
        "create": CallBudget(
            2, 1, "POST /clusters (202 Operation; :wait only while it runs), GET cluster, GET kubeconfig"
        ),
        "refresh": CallBudget(1, 0, "GET /clusters/{id}"),
        "update": CallBudget(1, 1, "PATCH name with If-Match, GET to read back"),
        "delete": CallBudget(0, 1, "DELETE with If-Match (202 Operation; :wait only while it runs)"),
    },
    "akua:Package": {
        "create": CallBudget(1, 1, "oci_ref: POST /packages:import with Idempotency-Key, GET"),
        "create_helm": CallBudget(1, 1, "helm: POST /packages (202 Operation), GET (no :wait when already done)"),
        "refresh": CallBudget(1, 0, "GET /packages/{id}"),
        "delete": CallBudget(0, 1, "DELETE with If-Match"),
    },
    "akua:Product": {
        "create": CallBudget(2, 1, "list products (name precheck), POST with Idempotency-Key, GET"),
        "refresh": CallBudget(1, 0, "GET /products/{id}"),
        "update": CallBudget(1, 1, "PATCH with If-Match, GET to read back"),
        "delete": CallBudget(0, 1, "POST :archive (no DELETE exists)"),
    },
    "akua:Install": {
        "create": CallBudget(
            1, 1, "POST /installs (202 Operation; :wait unless done), GET (again until healthy only while it deploys)"
        ),
        "refresh": CallBudget(1, 0, "GET /installs/{id}"),
        "update": CallBudget(2, 1, "POST :update (If-Match + Idempotency-Key), GET until deployed, GET to read back"),
        "delete": CallBudget(0, 1, "DELETE (202 Operation; no :wait when already done)"),
    },
    "akua:Secret": {
        "create": CallBudget(
            0, 1, "POST /secrets with Idempotency-Key (the response is the secret); + PATCH for mime_type/aliases"
        ),
        "refresh": CallBudget(1, 0, "GET /secrets/{id}"),
        "update": CallBudget(1, 1, "PATCH metadata with If-Match, GET to read back"),
        "rotate": CallBudget(
            2,
            2,
            "POST /versions (new value), GET /versions?state=enabled, :disable the previous version, GET",
        ),
        "adopt": CallBudget(1, 1, "list by name (or GET by id), POST :access of latest to compare the hash (audited)"),
        "delete": CallBudget(0, 1, "DELETE with If-Match (soft delete; ?force=true with force_delete)"),
    },
    "akua:CustomDomain": {
        "create": CallBudget(
            2, 1, "list domains (hostname precheck), POST (202 Operation; :wait only while it runs), GET"
        ),
        "refresh": CallBudget(1, 0, "GET /workspaces/{id}/custom_domains/{domain}"),
        "update": CallBudget(1, 1, "PATCH with If-Match + Idempotency-Key (202 Operation), GET to read back"),
        "delete": CallBudget(0, 1, "DELETE with If-Match + Idempotency-Key (202 Operation)"),
    },
    "akua:WorkspaceSubdomain": {
        "create": CallBudget(2, 1, "GET subdomain, POST :setName when the name differs (202 Operation), GET"),
        "refresh": CallBudget(1, 0, "GET /workspaces/{id}/subdomain"),
        "update": CallBudget(1, 1, "POST :setName with If-Match + Idempotency-Key (202 Operation), GET"),
        "delete": CallBudget(0, 0, "none: the subdomain stays (a singleton the API cannot delete)"),
    },
    "akua:PreviewHostname": {
        "create": CallBudget(1, 1, "pinned: POST :bindPinned (202 Operation; :wait only while it runs), GET"),
        "create_floating": CallBudget(2, 1, "floating: list by track (precheck), POST :bindFloating, GET"),
        "refresh": CallBudget(1, 0, "GET /installs/{id}/preview_hostnames/{hostname}"),
        "update": CallBudget(1, 1, "floating only: POST :bindFloating (rebind, 202 Operation), GET"),
        "delete": CallBudget(0, 1, "DELETE with If-Match + Idempotency-Key (202 Operation)"),
    },
    "akua:Offer": {
        "create": CallBudget(1, 1, "POST /offers with Idempotency-Key ({id, short_hash}), GET /offers/{id}"),
        "refresh": CallBudget(1, 0, "GET /offers/{id}"),
        "delete": CallBudget(0, 1, "POST :archive with If-Match (no DELETE exists)"),
    },
    "akua:RegistryConnection": {
        "create": CallBudget(1, 1, "POST with Idempotency-Key (201, no body), GET /registry_connections to find it"),
        "refresh": CallBudget(1, 0, "GET /registry_connections, filtered by id (no GET by id)"),
        "delete": CallBudget(0, 1, "DELETE /registry_connections/{id}"),
    },
    "akua:CloudflareConnection": {
        "create": CallBudget(1, 1, "POST (201, no body; no Idempotency-Key), GET /cloudflare_connections to find it"),
        "refresh": CallBudget(1, 0, "GET /cloudflare_connections, filtered by id (no GET by id)"),
        "delete": CallBudget(0, 1, "DELETE /cloudflare_connections/{id}"),
    },
    "akua:ComputeConfig": {
        "create": CallBudget(
            1, 1, "POST /compute_configs with Idempotency-Key, GET (a replayed key may name a deleted one)"
        ),
        "refresh": CallBudget(1, 0, "GET /compute_configs/{id}"),
        "update": CallBudget(1, 1, "PATCH with If-Match, GET to read back"),
        "delete": CallBudget(0, 1, "DELETE with If-Match"),
    },
    "akua:ClusterComputeSettings": {
        "create": CallBudget(1, 1, "GET settings, PATCH with If-Match when they differ (the response is the settings)"),
        "refresh": CallBudget(1, 0, "GET /clusters/{id}/compute_settings"),
        "update": CallBudget(1, 1, "PATCH with If-Match, GET to read back"),
        "delete": CallBudget(0, 0, "none: the settings stay with the cluster"),
    },
    "akua:Machine": {
        "create": CallBudget(1, 1, "POST /machines with Idempotency-Key (202 Operation; :wait while it runs), GET"),
        "refresh": CallBudget(1, 0, "GET /machines/{id}"),
        "update": CallBudget(1, 1, "PATCH name or POST :suspend / :resume with If-Match, GET to read back"),
        "delete": CallBudget(0, 1, "DELETE with If-Match and Idempotency-Key (202 Operation; :wait while it runs)"),
    },
    "akua:WorkerBootstrap": {
        "create": CallBudget(1, 1, "POST with Idempotency-Key (the response shows the token once), GET (still active)"),
        "refresh": CallBudget(1, 0, "GET /clusters/{id}/worker_bootstraps/{wbs_id}"),
        "delete": CallBudget(0, 1, "POST :revoke with If-Match (202 Operation; :wait only while it runs)"),
    },
    "akua:Snippet": {
        "create": CallBudget(2, 1, "GET /snippets (the name is free), POST (answers {snippet_id}), GET"),
        "refresh": CallBudget(1, 0, "GET /snippets/{id}"),
        "update": CallBudget(1, 1, "PATCH with If-Match (answers {snippet_id}), GET to read back"),
        "delete": CallBudget(0, 1, "DELETE with If-Match (archives)"),
    },
    "akua:Dashboard": {
        "create": CallBudget(1, 1, "POST /dashboards (answers {dashboard_id}), GET"),
        "refresh": CallBudget(1, 0, "GET /dashboards/{id}"),
        "update": CallBudget(
            1,
            1,
            "PATCH with If-Match (answers {dashboard_id}), GET to read back; after a widget write: GET, PATCH again",
        ),
        "delete": CallBudget(0, 1, "DELETE with If-Match"),
    },
    "akua:DashboardWidget": {
        "create": CallBudget(1, 1, "POST widgets with Idempotency-Key, GET (a replayed key may name a deleted one)"),
        "refresh": CallBudget(1, 0, "GET /dashboards/{id}/widgets/{wgt_id}"),
        "update": CallBudget(1, 1, "PATCH with the widget's If-Match, GET to read back"),
        "delete": CallBudget(0, 1, "DELETE with the widget's If-Match"),
    },
    "akua:Agent": {
        "create": CallBudget(1, 1, "GET /agents (the name is free), POST (the response is the agent)"),
        "refresh": CallBudget(1, 0, "GET /agents/{id}"),
        "update": CallBudget(1, 1, "PATCH with If-Match, or POST :enable / DELETE (archive), GET to read back"),
        "delete": CallBudget(0, 1, "DELETE (archives; the agent stays); + PATCH first to release a credential Secret"),
    },
}

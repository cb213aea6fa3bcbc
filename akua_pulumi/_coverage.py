"""Which contract operations the library uses, and why the others are left: the source of docs/coverage.md.

* Resources declare theirs in ``step_operations`` (each provider class).
* Lookups are listed here, each with the operations it calls: :data:`LOOKUP_OPERATIONS`.
* :data:`LIBRARY_OPERATIONS`: operations called outside both (the client's own, or a path a resource
  computes at run time).
* :data:`UNUSED`: every other operation with the reason it is left; :data:`PENDING`: the families the
  resources of issue 21 are being written for.

``tests/test_coverage.py`` checks all of this against the bundled contract and the library's source, and
that docs/coverage.md is :func:`render_markdown`'s text (``python -m akua_pulumi._coverage > docs/coverage.md``).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LIBRARY_OPERATIONS", "LOOKUP_OPERATIONS", "PENDING", "UNUSED", "pending_reason", "render_markdown"]

#: Every lookup of :mod:`akua_pulumi.lookups` (its ``*_output`` twin calls the same) and the operations it calls.
LOOKUP_OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "get_current_workspace": ("workspaces.get",),
    "get_quotas": ("quotas.list",),
    "get_quota": ("quotas.list",),
    "get_workspace_management": ("workspaces.getManagement",),
    "get_package_version": ("packages.get", "packages.getVersion", "packages.listVersions"),
    "get_access_decision": ("accessDecisions.explain",),
    "get_entitlements": ("entitlements.list",),
    "get_render": ("installs.getRender", "installs.listRenders"),
    "get_install_status": ("installs.getStatus",),
    "get_cluster_capabilities": ("clusters.getCapabilities",),
    "get_package_version_inputs": ("packages.getVersionInputs",),
    "get_access_state": ("workspaces.getAccessState",),
    "get_managed_workspaces": ("organizations.listManagedWorkspaces",),
    "get_repositories": ("repositories.list",),
    "get_order_drafts": ("orderDrafts.list",),
    "get_agent_skills": ("agentSkills.list",),
    "get_agent_templates": ("agentTemplates.list",),
    "get_workspace_overview": ("dashboards.getWorkspaceOverview",),
}

#: Operations the library calls outside ``step_operations`` and the lookups, and where.
LIBRARY_OPERATIONS: Mapping[str, str] = {
    "operations.wait": "`AkuaClient.wait_operation` long-polls it for every async write",
    "secrets.destroyVersion": "`Secret` with `on_rotate='destroy'` (its path ends in the computed `:{action}`)",
}

_LIST = "a collection read: resources read their objects by id and adopt by `adopt_id` or their own natural-key read"
_CREDENTIAL = "done by the invited person with their own credential, not by the inviting organization's program"

#: Operations no resource or lookup uses, and why.
UNUSED: Mapping[str, str] = {
    "agentSkills.get": "`get_agent_skills` lists the published skills with the same fields",
    "agentTemplates.get": "`get_agent_templates` lists the templates with the same fields",
    "clusters.list": _LIST,
    "clusters.listWorkerBootstraps": _LIST,
    "clusters.refreshCapabilities": (
        "a write with no state to declare (it re-probes the cluster); `get_cluster_capabilities` reads the "
        "result and its `freshness`, and a lookup never writes"
    ),
    "computeConfigs.list": _LIST,
    "customDomains.list": _LIST,
    "dashboards.getRevision": (
        "revisions are the history the platform records on every dashboard write: nothing to declare, and "
        "restoring one is not in the contract"
    ),
    "dashboards.listRevisions": "the same history as `dashboards.getRevision`: read-only, recorded by the platform",
    "dashboards.listWidgets": "each `DashboardWidget` reads its own widget by id (`dashboards.getWidget`)",
    "installs.list": _LIST,
    "installs.restore": (
        "an imperative rollback to an earlier render, not state: declare `Install.package_version_id` "
        "instead (which renders again), or restore with the client, taking the render's id from `get_render`"
    ),
    "machines.list": _LIST,
    "offers.list": _LIST,
    "offers.resolve": "the customer's side of an offer link (what redeeming it would show), not the seller's",
    "offers.unarchive": "an `Offer` is immutable and destroy archives it: a changed or re-created offer is a new one",
    "operations.cancel": (
        "the library never abandons an Operation it started: a cancelled write would leave state unknown; "
        "an interrupted `up` stops waiting and the next `up` converges"
    ),
    "operations.get": "the library waits with `operations.wait` (a long poll) instead of polling",
    "operations.list": "a history of Operations: nothing to declare, and every write waits on its own Operation by id",
    "orderDrafts.get": "`get_order_drafts` lists an offer's drafts (a seller never sees `field_values`)",
    "organizations.acceptInvitation": _CREDENTIAL,
    "organizations.resendInvitation": "an imperative nudge (the email again) with no state to declare",
    "packages.createVersion": (
        "versions are immutable releases published outside Pulumi (`akua publish`); `Package` imports the "
        "published artifact and `get_package_version` finds a version"
    ),
    "packages.list": _LIST,
    "previewHostnames.list": _LIST,
    "products.unarchive": "destroy archives a `Product`; the next `up` creates a new one rather than reviving it",
    "quotas.get": "`get_quota` picks one metric from the `quotas.list` answer that `get_quotas` reads",
    "repositories.get": "`get_repositories` lists them with the same fields",
    "secrets.enableVersion": "`Secret` keeps one value: rotation disables or destroys old versions, never enables",
    "secrets.getVersion": "`Secret` reads the secret and its value (`secrets.accessVersion`), not versions",
    "secrets.validateToken": (
        "a check that stores nothing; a `Secret` shows the platform's own `validation`, and the token would "
        "travel through one more call"
    ),
    "snippets.getUsage": (
        "which dashboards show a snippet: the `DashboardWidget`s that show it are in the program, and the "
        "409 on archive names any others"
    ),
    "snippets.listUsage": "the same usage as `snippets.getUsage`, for every snippet of the workspace",
    "workspaces.cancelSubscription": (
        "a billing decision that takes effect at the period's end; `WorkspaceSubscription` declares a tier "
        "and its destroy leaves the subscription as it is"
    ),
    "workspaces.getSubscriptionChangeRequest": "`WorkspaceSubscription` reads the change requests through their list",
    "workspaces.reactivateSubscription": "undoes `cancelSubscription`, which the library never calls",
    "workspaces.revokeManagement": (
        "management is granted by the customer, never through the API (§2.3): revoking it is the customer's "
        "decision, and `get_workspace_management` observes it"
    ),
}

#: Operation families the resources of issue 21 (item 2) are being written for: prefix -> resource. All six
#: have landed (Machine, WorkerBootstrap, Agent, Dashboard, DashboardWidget, Snippet); a family added here
#: again while its resource is written keeps the coverage test meaningful meanwhile.
PENDING: Mapping[str, str] = {}


def pending_reason(operation_id: str) -> str | None:
    """The issue-21 resource an operation is pending for, or None."""
    return next((res for prefix, res in PENDING.items() if operation_id.startswith(prefix)), None)


def render_markdown() -> str:
    """docs/coverage.md."""
    lines = [
        "# Contract coverage",
        "",
        "<!-- generated by `python -m akua_pulumi._coverage > docs/coverage.md`; tests/test_coverage.py checks it -->",
        "",
        "Every operation of the bundled contract (`akua_pulumi/openapi.json`) is used by a resource (its",
        "provider's `step_operations`), a lookup (below), the client itself, or is listed here with the reason",
        "it is left. `tests/test_coverage.py` fails when an operation is in none of these, when an operation",
        "listed as unused is called by the library, or when this page differs from `akua_pulumi/_coverage.py`.",
        "",
        "## Lookups and their operations",
        "",
        "| lookup | operations |",
        "|---|---|",
        *(f"| `{name}` | {', '.join(f'`{op}`' for op in ops)} |" for name, ops in sorted(LOOKUP_OPERATIONS.items())),
        "",
        "## Called outside resources and lookups",
        "",
        "| operation | where |",
        "|---|---|",
        *(f"| `{op}` | {where} |" for op, where in sorted(LIBRARY_OPERATIONS.items())),
        "",
        "## Left unused, and why",
        "",
        "| operation | reason |",
        "|---|---|",
        *(f"| `{op}` | {why} |" for op, why in sorted(UNUSED.items())),
        *_pending_section(),
    ]
    return "\n".join(lines)


def _pending_section() -> list[str]:
    """The families still pending (none once every resource of issue 21 has landed)."""
    if not PENDING:
        return [""]
    return [
        "",
        "## Pending: the resources of issue 21",
        "",
        "These families are what the new resources declare; an operation of them that its resource leaves",
        "unused moves to the table above with its reason.",
        "",
        "| operations | resource |",
        "|---|---|",
        *(f"| `{prefix}{'*' if prefix.endswith('.') else ''}` | `{res}` |" for prefix, res in PENDING.items()),
        "",
    ]


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown(), end="")

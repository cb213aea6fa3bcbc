"""The one role table of the Akua API (API.md §6.3): the minimum role of every operation, as data.

Stdlib only, so the library (lookups, preflight, docs) and akua-local read the same rows. Each
``RoleRule.role`` is one of:

* ``member`` / ``admin`` / ``owner``: minimum effective *workspace* role (API.md §6.1) in the workspace
  the call is checked in;
* ``org:member`` / ``org:admin`` / ``org:owner``: minimum role in the organization named by the path;
* ``own``: no role needed, the call acts only on what belongs to the caller;
* ``user``: any user credential (session or JWT); workspace API tokens get 403;
* ``anonymous``: no credential needed.

``PERMISSIONS`` is the §6.4 catalogue of ``accessDecisions.explain`` (permission → row, resource shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "OPERATION_TYPE_ROLES",
    "OVERVIEW_ADMIN",
    "PERMISSIONS",
    "ROLE_KINDS",
    "ROLE_RANK",
    "ROLE_TABLE",
    "WORKSPACE_ROLES",
    "Permission",
    "RoleRule",
    "cancel_role",
    "permits",
    "required_role",
    "role_label",
]

ROLE_RANK: Mapping[str, int] = MappingProxyType({"none": 0, "member": 1, "admin": 2, "owner": 3})
"""Workspace (and organization) role order; a row is satisfied by its role and every role above."""

WORKSPACE_ROLES = ("member", "admin", "owner")
ROLE_KINDS = frozenset({"member", "admin", "owner", "org:member", "org:admin", "org:owner", "own", "user", "anonymous"})


@dataclass(frozen=True)
class RoleRule:
    """One row of the role table: who may call ``operation_id``."""

    operation_id: str
    role: str
    """'member'|'admin'|'owner'|'org:member'|'org:admin'|'org:owner'|'own'|'user'|'anonymous'"""
    self_allowed: bool = False
    """True for rows "X, or own": acting on oneself needs no role X."""
    note: str = ""
    """Why (source tag and the reason), short."""

    @property
    def scope(self) -> str:
        """``workspace``, ``organization`` or ``user`` (the 403 body's ``metadata.scope``)."""
        if self.role in WORKSPACE_ROLES:
            return "workspace"
        if self.role.startswith("org:"):
            return "organization"
        return "user"

    @property
    def minimum(self) -> str:
        """The role name without its ``org:`` prefix (``admin`` for ``org:admin``)."""
        return self.role.removeprefix("org:")


# The rows of API.md §6.3 in its order: a header line "<minimum role>[, or own] | <why>" and
# indented lines with the operationIds it covers.
_TABLE = """
own | spec: a user sees every workspace it can access; a workspace token sees its own one (§1.3)
    workspaces.list
user | emulator: the caller becomes the only owner; a workspace token has no user to make owner
    workspaces.create
member | seed: viewing resources; none of these bodies holds a secret
    workspaces.get workspaces.listMembers workspaces.getSubscription workspaces.getAccessState
    workspaces.listSubscriptionChangeRequests workspaces.getSubscriptionChangeRequest workspaces.getManagement
admin | emulator: renaming, or changing the slug, is reversible settings work
    workspaces.update
owner | seed: deleting the workspace is the owner's
    workspaces.delete
owner | seed: the seed lists inviting members for the owner only
    workspaces.addMember
admin | seed: admins manage members; changing the owner gets 400 (owner_protection)
    workspaces.updateMember
admin, or own | seed + emulator: admins manage members and anyone may leave; removing the owner gets 400
    workspaces.removeMember
owner | seed: managing billing
    workspaces.cancelSubscription workspaces.reactivateSubscription workspaces.changeSubscriptionTier
owner | emulator: who administers the workspace is an ownership decision, like inviting
    workspaces.revokeManagement
member | seed: viewing resources
    workspaceSubdomains.get customDomains.list customDomains.get
admin | emulator: renaming the public hostname of the workspace's apps is managing apps
    workspaceSubdomains.setName
admin | seed: routing traffic to installs and clusters is managing apps and deployments
    customDomains.create customDomains.update customDomains.delete
own | spec: each item carries the caller's role
    organizations.list
user | spec: the caller becomes the first owner
    organizations.create
org:member | emulator: 403 is declared; a member already sees the member list
    organizations.get
org:admin | spec: owner or admin
    organizations.update
org:owner | emulator: deleting the team identity is left to owners
    organizations.delete
org:member | spec: membership is required
    organizations.listMembers organizations.listManagedWorkspaces
org:admin | spec: owner or admin; adding an owner needs org:owner
    organizations.addMember
org:owner | spec: only the owner changes roles; demoting the last owner gets 400
    organizations.updateMemberRole
org:admin, or own | spec: anyone may leave; removing others needs owner or admin
    organizations.removeMember
org:admin | emulator: an invitation is a deferred addMember; inviting as owner needs org:owner
    organizations.listInvitations organizations.createInvitation organizations.resendInvitation
    organizations.cancelInvitation
own | spec: acts on the calling user, whose email must equal the invitation's
    organizations.acceptInvitation
admin | docs: owners and admins only (§1.2); the new token's role follows §6.1
    apiTokens.create apiTokens.revoke
admin | emulator: the list of credentials belongs to the people who can act on it
    apiTokens.list
member | seed: viewing resources
    regions.list
admin | emulator: regions group clusters, and clusters are managed by admins
    regions.create
member | seed: members deploy apps onto clusters, so they view them
    clusters.list clusters.get clusters.getCapabilities clusters.getComputeSettings
admin | seed: managing clusters
    clusters.create clusters.import clusters.update clusters.suspend clusters.resume
    clusters.refreshCapabilities clusters.updateComputeSettings
owner | spec: only a workspace owner deletes a cluster
    clusters.delete
admin | spec: owners and admins; every disclosure is audited
    clusters.getKubeconfig
member | seed: reads never contain the join token (§7.2)
    clusters.listWorkerBootstraps clusters.getWorkerBootstrap
admin | seed: a bootstrap is a credential that adds nodes to a cluster
    clusters.createWorkerBootstrap clusters.revokeWorkerBootstrap
member | seed: viewing resources
    machines.list machines.get
admin | seed: machines are cluster capacity and cost money
    machines.create machines.update machines.delete machines.suspend machines.resume
member | seed: viewing resources
    computeConfigs.list computeConfigs.get
admin | seed: cluster settings that can point to the customer's cloud credential (byom)
    computeConfigs.create computeConfigs.update computeConfigs.delete
member | emulator: metadata only, never a value (§5.1), so viewing resources
    secrets.list secrets.get secrets.listVersions secrets.getVersion
admin | seed: managing secrets
    secrets.create secrets.update secrets.delete secrets.undelete secrets.createVersion
    secrets.enableVersion secrets.disableVersion secrets.destroyVersion secrets.validateToken
admin | emulator: returns plaintext, so the same bar as kubeconfig disclosure
    secrets.accessVersion
member | seed: reads never return a credential
    registry.listCredentials cloudflare.listCredentials
admin | seed: stored credentials are secrets
    registry.createCredential registry.deleteCredential cloudflare.createCredential cloudflare.deleteCredential
member | seed: viewing resources
    packages.list packages.get packages.listVersions packages.getVersion packages.getVersionInputs
admin | seed: managing apps
    packages.create packages.importPublished packages.createVersion packages.delete
member | seed: viewing resources
    products.list products.get
admin | seed: managing apps
    products.create products.update products.archive products.unarchive
member | spec (get), seed (list): the caller must be a member of the offer's workspace
    offers.list offers.get
admin | seed: selling an app, with its price, is managing it
    offers.create offers.archive offers.unarchive
anonymous | spec: signed-in callers see more; callers left out by an allowlist get 403
    offers.resolve
member, or own | spec: the offer workspace's drafts with a context, else the caller's own drafts
    orderDrafts.list
member, or own | spec: a member of the offer's workspace, or the draft's own customer
    orderDrafts.get
member | seed: viewing resources
    installs.list installs.get installs.getStatus installs.listRenders installs.getRender
member | seed: deploying apps, and choosing which version runs, is a member right
    installs.create installs.updateVersion installs.restore installs.setAutomaticUpdates
admin | seed: removing a deployment is managing deployments
    installs.delete
member | seed: viewing resources
    previewHostnames.list previewHostnames.get
member | emulator: previewing a render is part of deploying
    previewHostnames.bindPinned previewHostnames.bindFloating previewHostnames.delete
member | seed: viewing resources
    repositories.list repositories.get
member | seed: viewing resources
    operations.list operations.get operations.wait
member | emulator: also needs the role of the write that started it (OPERATION_TYPE_ROLES)
    operations.cancel
member, or own | spec + seed: a workspace's view needs member; without one, the caller's own view
    quotas.list quotas.get
own | spec: workspaces where the caller is at least member; a token sees its own one (§6.5)
    entitlements.list
member | emulator: membership of the workspace evaluated; another subject needs admin
    accessDecisions.explain accessDecisions.explainBatch
member | seed: viewing resources; skills and templates are read-only catalogues
    agents.list agents.get agentSkills.list agentSkills.get agentTemplates.list agentTemplates.get
admin | emulator: an agent is an automation identity with grants, budgets and credentials
    agents.create agents.update agents.archive agents.enable
member | seed: viewing resources
    dashboards.list dashboards.get dashboards.getWorkspaceOverview dashboards.listRevisions
    dashboards.getRevision dashboards.listWidgets dashboards.getWidget
member | emulator: arranging snippets adds no power; the workspace overview needs admin
    dashboards.create dashboards.update dashboards.delete dashboards.createWidget dashboards.updateWidget
    dashboards.deleteWidget
member | seed: viewing resources
    snippets.list snippets.get snippets.listUsage snippets.getUsage
admin | emulator: snippet code calls the API as whoever views the dashboard
    snippets.create snippets.update snippets.delete
"""


def _build() -> Mapping[str, RoleRule]:
    table: dict[str, RoleRule] = {}
    head: tuple[str, bool, str] | None = None
    for line in _TABLE.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            role, note = (part.strip() for part in line.split("|", 1))
            self_allowed = role.endswith(", or own")
            role = role.removesuffix(", or own")
            if role not in ROLE_KINDS:
                raise ValueError(f"role table: unknown role {role!r} in {line!r}")
            head = (role, self_allowed, note)
            continue
        assert head is not None
        for op in line.split():
            if op in table:
                raise ValueError(f"role table: {op} appears twice")
            table[op] = RoleRule(op, *head)
    return MappingProxyType(table)


ROLE_TABLE: Mapping[str, RoleRule] = _build()
"""operationId → its rule; covers every operation of openapi-v4.json (173 rows)."""


def required_role(operation_id: str) -> RoleRule:
    """The rule of ``operation_id``; ``KeyError`` naming the id when the table has no such row."""
    try:
        return ROLE_TABLE[operation_id]
    except KeyError:
        raise KeyError(f"no role-table row for operationId {operation_id!r} (API.md §6.3)") from None


def permits(caller_role: str, rule: RoleRule) -> bool:
    """Whether a caller with workspace (or organization) role ``caller_role`` satisfies ``rule``.

    For ``own``/``user``/``anonymous`` rows this answers True: those rows need no role, and the
    credential-kind rules (tokens on ``user`` rows) are checked by the caller of this function.
    """
    if rule.role in ("own", "user", "anonymous"):
        return True
    return ROLE_RANK.get(caller_role, 0) >= ROLE_RANK[rule.minimum]


#: Member rows that need admin when their dashboard is the workspace overview (§6.3: "member; admin on the
#: workspace overview"): akua-local checks it together with the role, and the docs show it beside the row.
OVERVIEW_ADMIN = frozenset(
    {
        "dashboards.update",
        "dashboards.delete",
        "dashboards.createWidget",
        "dashboards.updateWidget",
        "dashboards.deleteWidget",
    }
)


def role_label(rule: RoleRule) -> str:
    """Human text for docs and messages: ``admin``, ``org:owner``, ``admin (or own)``,
    ``member; admin on the workspace overview``."""
    label = f"{rule.role} (or own)" if rule.self_allowed else rule.role
    return f"{label}; admin on the workspace overview" if rule.operation_id in OVERVIEW_ADMIN else label


OPERATION_TYPE_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "machine.create": "machines.create",
        "machine.delete": "machines.delete",
        "machine.suspend": "machines.suspend",
        "machine.resume": "machines.resume",
        "cluster.create": "clusters.create",
        "cluster.delete": "clusters.delete",
        "cluster.suspend": "clusters.suspend",
        "cluster.resume": "clusters.resume",
        "cluster.capabilities.refresh": "clusters.refreshCapabilities",
        "cluster.capability.ensure": "clusters.refreshCapabilities",
        "cluster.worker_bootstrap.revoke": "clusters.revokeWorkerBootstrap",
        "install.create": "installs.create",
        "install.delete": "installs.delete",
        "preview_hostname.bind_pinned": "previewHostnames.bindPinned",
        "preview_hostname.bind_floating": "previewHostnames.bindFloating",
        "preview_hostname.delete": "previewHostnames.delete",
        "workspace.delete": "workspaces.delete",
        "workspace.subscription.cancel": "workspaces.cancelSubscription",
        "workspace.subdomain.set_name": "workspaceSubdomains.setName",
        "custom_domain.create": "customDomains.create",
        "custom_domain.update": "customDomains.update",
        "custom_domain.delete": "customDomains.delete",
        "package.create": "packages.create",
    }
)
"""``operations.cancel``: Operation ``metadata.type`` → the operation whose row the cancel needs.

Any other member of the contract's OperationMetadata union is started by the platform
(``install.render``, ``repository.delete``, ``cloudflare.private_origin_route.*``, …) and needs
``admin`` (:func:`cancel_role`).
"""


def cancel_role(metadata_type: str) -> str:
    """The minimum workspace role to cancel an Operation of ``metadata_type`` (§6.3 operations.cancel)."""
    op = OPERATION_TYPE_ROLES.get(metadata_type)
    return ROLE_TABLE[op].role if op else "admin"


@dataclass(frozen=True)
class Permission:
    """One permission of ``ExplainAccessDecisionBody`` (API.md §6.4)."""

    name: str
    """The ``permission`` value, e.g. ``clusters.delete``."""
    operation_id: str
    """The §6.3 row the emulator checks for it."""
    label: str
    """``action.name``, e.g. "Delete cluster"."""
    resource_schema: str
    """Component name of the resource shape (or ``<permission> resource`` when inline)."""
    workspace_field: str | None
    """The resource field naming the workspace evaluated (``workspace_id``, ``owner_workspace_id``, or None)."""
    required: tuple[str, ...]
    """Required fields of the resource shape."""
    optional: tuple[str, ...] = ()
    resource_required: bool = True
    accepts_context: bool = False

    @property
    def rule(self) -> RoleRule:
        """The role-table row this permission is checked against."""
        return ROLE_TABLE[self.operation_id]


# Resource shapes of §6.4: name | schema component ("-" for an inline shape) | workspace field ("-": none)
# | required fields | optional fields
_SHAPES = """
channel_offer | OfferChannelCreateResource | - | offer_channel_id product_id commercial_mode | target_workspace_id
paid_offer | NonChannelPaidProductOfferResource | workspace_id
    | workspace_id product_id package_version_id commercial_mode | target_workspace_id
test_offer | NonBillableTestOfferResource | workspace_id | workspace_id package_version_id commercial_mode
    | product_id target_workspace_id target_workspace_class
channel_create | OfferChannelCreateDecisionResource | workspace_id | workspace_id | product_id partner_organization_id
channel_inspect | OfferChannelInspectResource | workspace_id | workspace_id | offer_channel_id product_id
policy_approve | ChannelPolicyApproveResource | workspace_id
    | workspace_id offer_channel_id channel_policy_id resource_state |
policy_activate | ChannelPolicyActivateResource | workspace_id
    | workspace_id offer_channel_id channel_policy_id resource_state |
moderation | OfferChannelModerationResource | owner_workspace_id
    | offer_id offer_channel_id owner_workspace_id resource_state |
ws_class | WorkspaceClassResource | workspace_id | workspace_id | required_class
ws_membership | WorkspaceMembershipResource | workspace_id | workspace_id | required_roles
product_create | ProductCockpitResource | workspace_id | workspace_id
    | product_id package_id package_version_id resource_state
product | - | workspace_id | product_id workspace_id | package_id package_version_id resource_state
package_create | PackageCockpitResource | workspace_id | workspace_id | package_id package_version_id
package | - | workspace_id | package_id workspace_id | package_version_id
version | - | workspace_id | package_id package_version_id workspace_id |
cluster | ClusterCockpitResource | workspace_id | workspace_id cluster_id |
machine | MachineCockpitResource | workspace_id | workspace_id cluster_id machine_id |
"""


def _shapes() -> dict[str, tuple[str, str | None, tuple[str, ...], tuple[str, ...]]]:
    shapes: dict[str, tuple[str, str | None, tuple[str, ...], tuple[str, ...]]] = {}
    for entry in _SHAPES.replace("\n    |", " |").strip().splitlines():
        name, schema, ws_field, required, optional = (part.strip() for part in entry.split("|"))
        shapes[name] = (
            "" if schema == "-" else schema,
            None if ws_field == "-" else ws_field,
            tuple(required.split()),
            tuple(optional.split()),
        )
    return shapes


# permission | operationId of the §6.3 row it checks | shape[, flag] | action.name
# flags: "optional" (resource may be left out), "context" (accepts OfferChannelDecisionContext)
_PERMS = """
offers.create_via_channel | offers.create | channel_offer, context | Create offer via channel
offers.create_non_channel_paid_product_offer | offers.create | paid_offer | Create paid product offer
offers.create_non_billable_test_offer | offers.create | test_offer | Create non-billable test offer
offer_channels.create | offers.create | channel_create | Create offer channel
offer_channels.inspect | offers.get | channel_inspect | Inspect offer channel
channel_policies.approve | offers.create | policy_approve | Approve channel policy
channel_policies.activate | offers.create | policy_activate | Activate channel policy
offers.approve_channel_offer | offers.create | moderation, context | Approve channel offer
offers.reject_channel_offer | offers.create | moderation, context | Reject channel offer
workspaces.inspect_class | workspaces.get | ws_class | Inspect workspace class
workspaces.inspect_membership | workspaces.get | ws_membership | Inspect workspace membership
products.create | products.create | product_create, optional | Create product
products.get | products.get | product | View product
products.update | products.update | product | Update product
products.archive | products.archive | product | Archive product
products.unarchive | products.unarchive | product | Unarchive product
products.inspect_readiness | products.get | product | Inspect product readiness
products.inspect_offer_creation | offers.create | product | Inspect offer creation
products.inspect_channels | products.get | product | Inspect product channels
products.inspect_installs | products.get | product | Inspect product installs
packages.create | packages.create | package_create, optional | Create package
packages.import_published_package | packages.importPublished | package_create, optional | Import published package
packages.get | packages.get | package | View package
package_versions.get | packages.getVersion | version | View package version
package_versions.inputs | packages.getVersionInputs | version | View package version inputs
clusters.update | clusters.update | cluster | Update cluster
clusters.delete | clusters.delete | cluster | Delete cluster
clusters.suspend | clusters.suspend | cluster | Suspend cluster
clusters.resume | clusters.resume | cluster | Resume cluster
clusters.refresh_capabilities | clusters.refreshCapabilities | cluster | Refresh cluster capabilities
clusters.get_kubeconfig | clusters.getKubeconfig | cluster | Read cluster kubeconfig
clusters.create_worker_bootstrap | clusters.createWorkerBootstrap | cluster | Create worker bootstrap
clusters.revoke_worker_bootstrap | clusters.revokeWorkerBootstrap | cluster | Revoke worker bootstrap
machines.create | machines.create | cluster | Create machine
machines.update | machines.update | machine | Update machine
machines.delete | machines.delete | machine | Delete machine
machines.suspend | machines.suspend | machine | Suspend machine
machines.resume | machines.resume | machine | Resume machine
compute_configs.update | computeConfigs.update | cluster | Update compute config
installs.create | installs.create | cluster | Create install
"""


def _build_permissions() -> Mapping[str, Permission]:
    perms: dict[str, Permission] = {}
    shapes = _shapes()
    for line in _PERMS.strip().splitlines():
        name, op, shape_flags, label = (part.strip() for part in line.split("|"))
        shape, _, flag = (s.strip() for s in shape_flags.partition(","))
        schema, ws_field, required, optional = shapes[shape]
        if op not in ROLE_TABLE:
            raise ValueError(f"permission {name}: no role-table row {op}")
        perms[name] = Permission(
            name=name,
            operation_id=op,
            label=label,
            resource_schema=schema or f"{name} resource (inline)",
            workspace_field=ws_field,
            required=required,
            optional=optional,
            resource_required=flag != "optional",
            accepts_context=flag == "context",
        )
    return MappingProxyType(perms)


PERMISSIONS: Mapping[str, Permission] = _build_permissions()
"""Permission name → :class:`Permission`; exactly the 40 names of the v3 ExplainAccessDecisionBody."""

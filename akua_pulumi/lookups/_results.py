"""The results of every lookup: small frozen dataclasses whose fields follow the contract's response
schemas (arrays are tuples, nested objects plain dicts). ``as_dict()`` gives a plain dict for
``pulumi.export``; ``from_api`` builds one from an API object (:class:`._base._AsDict`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._base import _AsDict


@dataclass(frozen=True)
class WorkspaceInfo(_AsDict):
    """A workspace as ``GET /workspaces/{id}`` shows it."""

    id: str
    name: str
    slug: str
    #: ``free``, ``pro`` or ``enterprise`` (the API does not enumerate tiers).
    plan_tier: str
    #: ``platform`` or ``seller``.
    billed_by: str | None = None
    #: ``standard``, ``platform`` or ``sandbox``.
    workspace_class: str | None = None


@dataclass(frozen=True)
class QuotaInfo(_AsDict):
    """One quota from ``GET /quotas``."""

    #: ``service/resource``, e.g. ``compute/machines``.
    metric: str
    #: ``allocation``, ``rate`` or ``concurrency``.
    type: str
    limit: float
    usage: float
    remaining: float
    display_name: str | None = None
    #: ``count``, ``cores``, ``bytes``...
    unit: str | None = None
    #: Rate quotas only: when the window resets, Unix seconds.
    resets_at: int | None = None


@dataclass(frozen=True)
class ManagementInfo(_AsDict):
    """The organization that manages a workspace (granted by the customer, never by the API)."""

    organization_id: str
    organization_name: str
    #: When the customer granted management, Unix seconds.
    granted_at: int | None


@dataclass(frozen=True)
class PackageVersionInfo(_AsDict):
    """An immutable package version."""

    id: str
    package_id: str
    semver: str
    #: Immutable content reference (usually the ``akua publish`` digest).
    ref: str
    #: JSON Schema of the install values.
    input_schema: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderInfo(_AsDict):
    """An install render (API.md §7.6, ``InstallRender``); a ``PreviewHostname`` binds to its ``id``."""

    id: str
    workspace_id: str
    install_id: str
    #: SHA-256 of what was rendered; None until known.
    render_hash: str | None
    #: ``running``, ``deployed``, ``skipped`` or ``failed``.
    state: str
    created_at: int
    updated_at: int
    operation_id: str | None = None
    repository_change_request_id: str | None = None
    #: The deploy-repository commit.
    commit_sha: str | None = None
    package_version_id: str | None = None
    restored_from_render_id: str | None = None
    #: Why a render failed.
    message: str | None = None


@dataclass(frozen=True)
class InstallStatusInfo(_AsDict):
    """An install's runtime status (``InstallStatus``, §2.13)."""

    install_id: str
    health: str | None
    sync: str | None
    #: The deployed commit SHA.
    revision: str | None
    #: ``ResourceStatus`` objects ``{kind, name, group, namespace, version, status, message, health}``.
    resources: tuple[dict[str, Any], ...] | None
    operation_phase: str | None
    updated_at: int | None
    #: ``pending``, ``rendering``, ``syncing``, ``healthy``, ``degraded``, ``failed`` or ``deleted``.
    state: str
    reconciling: bool


@dataclass(frozen=True)
class ClusterCapabilitiesInfo(_AsDict):
    """What a cluster offers (``ClusterCapabilities``, §2.10): API groups, storage and gateway classes,
    gateways, ingress classes, nodes, and how fresh that knowledge is."""

    api_groups: tuple[str, ...]
    #: ``{name, provisioner, is_default, reclaim_policy, volume_binding_mode}``.
    storage_classes: tuple[dict[str, Any], ...]
    gateway_classes: tuple[str, ...]
    #: ``{namespace, name, gateway_class_name, listeners[], addresses?, status?, status_message?}``.
    gateways: tuple[dict[str, Any], ...]
    ingress_classes: tuple[str, ...]
    #: ``ClusterNode``: ``{name, roles, version, cpu_capacity, memory_capacity, os_image, architecture, ...}``.
    nodes: tuple[dict[str, Any], ...]
    #: ``{state: missing|fresh|stale, age_seconds, last_successful_at, last_refresh_status, ...}``.
    freshness: dict[str, Any]
    #: ``{namespace, name}`` or None.
    default_gateway: dict[str, Any] | None = None


@dataclass(frozen=True)
class AccessStateInfo(_AsDict):
    """Whether a workspace is usable, as billing left it (``WorkspaceAccessState``, §2.4)."""

    workspace_id: str
    #: ``active``, ``payment_grace``, ``restricted``, ``suspended``, ``ended`` or ``reactivating``.
    status: str
    access_version: int
    accessible: bool
    #: The status that restricts access (None when ``active``).
    reason: str | None
    #: ``pending``, ``reconciled`` or ``failed``.
    reconciliation_status: str
    payment_grace_ends_at: int | None
    restricted_at: int | None
    suspend_at: int | None
    ended_at: int | None


@dataclass(frozen=True)
class ManagedWorkspaceInfo(_AsDict):
    """A workspace an organization manages (``ManagedWorkspace``, §2.5)."""

    id: str
    name: str
    icon: str | None
    created_at: int


@dataclass(frozen=True)
class RepositoryInfo(_AsDict):
    """A repository (``Repository``, a union on ``purpose``; §7.7). The fields of the other purposes are None."""

    id: str
    name: str
    workspace_id: str
    created_at: int
    updated_at: int
    etag: str
    reconciling: bool
    #: ``deploy`` (one per cluster), ``package`` (one per hosted package) or ``repository_change_request``.
    purpose: str
    cluster_id: str | None = None
    #: ``deploy`` with ``view="full"`` only.
    last_deploy_sha: str | None = None
    last_render_hash: str | None = None
    package_id: str | None = None
    repository_change_request_id: str | None = None


@dataclass(frozen=True)
class OrderDraftInfo(_AsDict):
    """An order a customer placed on an offer (``OrderDraft``, §7.8), as the seller sees it."""

    id: str
    offer_id: str
    #: The wizard's phase, ``auth`` ... ``done`` or ``terminated``.
    status: str
    cluster_ready: bool
    server_joined: bool
    payment_completed: bool
    created_at: int
    updated_at: int
    etag: str
    ttl_expires_at: int
    #: ``timeout``, ``revoked``, ``offer_expired``, ... when ``terminated``.
    termination_reason: str | None = None
    user_id: str | None = None
    customer_email: str | None = None
    #: The customer's workspace.
    workspace_id: str | None = None
    cluster_id: str | None = None
    current_checkout_session: dict[str, Any] | None = None
    install_operation_id: str | None = None
    #: ``{id, status, stripe_checkout_id, draft_revision, cleanup_policy, committed_at, ...}`` once committed.
    order: dict[str, Any] | None = None
    #: ``{id, kind, authorization_kind, status, cleanup_policy, urls, install_id?, ...}``: the delivering install.
    delivery: dict[str, Any] | None = None
    #: Shown to the draft's customer alone; None for the seller.
    field_values: dict[str, Any] | None = None


@dataclass(frozen=True)
class AgentSkillInfo(_AsDict):
    """A skill published for a workspace's agents (``AgentSkill``, §7.3)."""

    id: str
    workspace_id: str
    name: str
    version: str
    description: str
    #: ``PUBLISHED`` or ``ARCHIVED``.
    state: str
    #: ``{resource, actions}`` grants the skill needs.
    required_grants: tuple[dict[str, Any], ...]
    supported_capabilities: tuple[str, ...]
    created_at: int
    updated_at: int
    etag: str


@dataclass(frozen=True)
class AgentTemplateInfo(_AsDict):
    """A platform-curated agent template (``AgentTemplate``, §7.3): copy its ``name``, ``instructions``,
    ``capabilities``, ``ambient`` and ``model_policy`` into an ``Agent``."""

    id: str
    name: str
    description: str
    instructions: str
    state: str
    capabilities: tuple[str, ...]
    ambient: dict[str, Any]
    trigger_filters: tuple[dict[str, Any], ...]
    model_policy: dict[str, Any]
    runtime_policy: dict[str, Any]
    remediation_policy: dict[str, Any]
    grants: tuple[dict[str, Any], ...]
    created_at: int
    updated_at: int
    etag: str


@dataclass(frozen=True)
class DashboardInfo(_AsDict):
    """A dashboard (``Dashboard``, §7.4), e.g. a workspace's overview."""

    id: str
    html_url: str
    name: str
    description: str | None
    workspace_id: str
    #: ``workspace_overview`` or ``custom``.
    purpose: str
    filter_definitions: tuple[dict[str, Any], ...]
    default_filter_values: dict[str, Any]
    active_revision_id: str | None
    #: Widgets (``snippet`` or ``platform_metric``), read-only.
    widgets: tuple[dict[str, Any], ...]
    created_by: str
    created_at: int
    updated_at: int
    etag: str


@dataclass(frozen=True)
class AccessReason(_AsDict):
    """One reason of a decision, in evaluation order (API.md §6.4 ``AccessReason``)."""

    #: ``workspace_role``, ``resource_state``, ``quota_limit``... (§6.4).
    kind: str
    #: ``allowed``, ``denied`` or ``not_evaluated``.
    result: str
    key: str | None = None
    source: str | None = None
    message: str | None = None
    metric: str | None = None
    scope: str | None = None
    limit: float | None = None
    usage: float | None = None
    remaining: float | None = None
    #: The object the reason is about (``resourceId``/``resourceType`` on the wire), e.g. a cluster id.
    resource_id: str | None = None
    resource_type: str | None = None
    #: How it relates to the request's resource (``relationship``), e.g. ``package_version_of``.
    relationship: str | None = None


@dataclass(frozen=True)
class AccessDecision(_AsDict):
    """Whether a permission is granted, why, and the role the permission's operation needs."""

    #: The permission asked about (``action.id``), e.g. ``clusters.delete``.
    permission: str
    #: Its human label (``action.name``), e.g. "Delete cluster".
    action_name: str
    #: ``allowed``, ``denied`` or ``unknown`` (a check the API cannot perform).
    result: str
    #: Why it is denied or unknown (None when allowed).
    message: str | None
    #: The minimum workspace role of the operation the permission checks (API.md §6.3), e.g. ``owner``.
    required_role: str | None
    reasons: tuple[AccessReason, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.result == "allowed"


@dataclass(frozen=True)
class EntitlementInfo(_AsDict):
    """One plan entitlement of a workspace (API.md §6.5)."""

    workspace_id: str
    #: ``compute.max_clusters``...
    key: str
    name: str
    feature_set: str
    #: ``bool``, ``max_count`` or ``unlimited``.
    allocation: str
    #: The boolean, or the maximum count; None when unlimited.
    value: bool | int | None

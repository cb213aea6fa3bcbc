"""Lookups of what the platform and customers create for a seller (contract v4; API.md §7.3, §7.4, §7.7, §7.8).

Import them from ``akua_pulumi.lookups``::

    from akua_pulumi import lookups

    deploy = lookups.get_repositories(purpose="deploy", view="full")
    orders = lookups.get_order_drafts(offer.id, status="done")
    triage = next(t for t in lookups.get_agent_templates() if t.name == "Failed install triage")

Results follow the contract's response schemas field for field (arrays are tuples, nested objects plain
dicts); list lookups follow ``next_cursor`` to the last page. Each lookup has an ``*_output`` twin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from ._lookups_v4 import missing, scoped
from .client import AkuaClient
from .connection import Provider
from .lookups import AkuaLookupError, _AsDict, _client, _output, _workspace

__all__ = [
    "AgentSkillInfo",
    "AgentTemplateInfo",
    "DashboardInfo",
    "OrderDraftInfo",
    "RepositoryInfo",
    "get_agent_skills",
    "get_agent_skills_output",
    "get_agent_templates",
    "get_agent_templates_output",
    "get_order_drafts",
    "get_order_drafts_output",
    "get_repositories",
    "get_repositories_output",
    "get_workspace_overview",
    "get_workspace_overview_output",
]

#: ``repositories.list``'s ``purpose`` and ``view`` (API.md §7.7).
REPOSITORY_PURPOSES = ("deploy", "package", "repository_change_request")
REPOSITORY_VIEWS = ("basic", "full")
#: ``OrderDraftStatus`` (API.md §7.8).
ORDER_DRAFT_STATUSES = (
    "auth",
    "workspace",
    "compute",
    "compute_bootstrap",
    "configure",
    "payment",
    "install",
    "done",
    "cleaning_up",
    "terminated",
)


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


def _choice(what: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise AkuaLookupError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")


def get_repositories(
    purpose: str | None = None,
    *,
    view: str = "basic",
    workspace_id: str | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> list[RepositoryInfo]:
    """The repositories of ``workspace_id`` (default ``akua:workspace``), of one ``purpose`` or all: every
    page of ``GET /repositories``. ``view="full"`` adds a deploy repository's ``last_deploy_sha`` and
    ``last_render_hash``."""
    _choice("get_repositories: purpose", purpose, REPOSITORY_PURPOSES)
    _choice("get_repositories: view", view, REPOSITORY_VIEWS)
    c = _client(client, provider)
    ws = _workspace(c, workspace_id, "get_repositories")
    params = {"view": view, **({"purpose": purpose} if purpose else {})}
    return [RepositoryInfo.from_api(r) for r in c.paginate("/repositories", params=params, workspace=ws)]


def get_order_drafts(
    offer_id: str,
    status: str | None = None,
    *,
    workspace_id: str | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> list[OrderDraftInfo]:
    """The orders customers placed on ``offer_id`` (an offer of ``workspace_id``, default ``akua:workspace``),
    optionally only those in ``status`` (``done``, ``terminated``...): every page of ``GET /order_drafts``."""
    if not offer_id:
        raise AkuaLookupError("get_order_drafts needs an offer_id")
    _choice("get_order_drafts: status", status, ORDER_DRAFT_STATUSES)
    c = _client(client, provider)
    ws = _workspace(c, workspace_id, "get_order_drafts")
    params = {"offer": offer_id, **({"status": status} if status else {})}
    with missing(f"offer {offer_id!r} in workspace {ws!r}"):
        items = list(c.paginate("/order_drafts", params=params, workspace=ws))
    return [OrderDraftInfo.from_api(d) for d in items]


def get_agent_skills(
    workspace_id: str | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> list[AgentSkillInfo]:
    """The agent skills published for ``workspace_id`` (default ``akua:workspace``): every page of
    ``GET /agent_skills``."""
    c = _client(client, provider)
    ws = _workspace(c, workspace_id, "get_agent_skills")
    return [AgentSkillInfo.from_api(s) for s in c.paginate("/agent_skills", workspace=ws)]


def get_agent_templates(
    workspace_id: str | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> list[AgentTemplateInfo]:
    """The platform's agent templates (the same for every workspace): every page of ``GET /agent_templates``."""
    c = scoped(_client(client, provider), workspace_id)
    return [AgentTemplateInfo.from_api(t) for t in c.paginate("/agent_templates")]


def get_workspace_overview(
    workspace_id: str | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> DashboardInfo:
    """The overview dashboard every workspace has (default ``akua:workspace``): one
    ``GET /dashboards/workspace_overview``."""
    c = _client(client, provider)
    ws = _workspace(c, workspace_id, "get_workspace_overview")
    with missing(f"workspace {ws!r}"):
        return DashboardInfo.from_api(c.get("/dashboards/workspace_overview", workspace=ws))


def get_repositories_output(
    purpose: pulumi.Input[str] | None = None,
    *,
    view: pulumi.Input[str] = "basic",
    workspace_id: pulumi.Input[str] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[list[RepositoryInfo]]:
    """:func:`get_repositories` for Inputs (e.g. ``workspace.id``)."""
    return _output(get_repositories, locals())


def get_order_drafts_output(
    offer_id: pulumi.Input[str],
    status: pulumi.Input[str] | None = None,
    *,
    workspace_id: pulumi.Input[str] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[list[OrderDraftInfo]]:
    """:func:`get_order_drafts` for Inputs (e.g. ``offer.id``)."""
    return _output(get_order_drafts, locals())


def get_agent_skills_output(
    workspace_id: pulumi.Input[str] | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> pulumi.Output[list[AgentSkillInfo]]:
    """:func:`get_agent_skills` for an Input ``workspace_id``."""
    return _output(get_agent_skills, locals())


def get_agent_templates_output(
    workspace_id: pulumi.Input[str] | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> pulumi.Output[list[AgentTemplateInfo]]:
    """:func:`get_agent_templates` for an Input ``workspace_id``."""
    return _output(get_agent_templates, locals())


def get_workspace_overview_output(
    workspace_id: pulumi.Input[str] | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> pulumi.Output[DashboardInfo]:
    """:func:`get_workspace_overview` for an Input ``workspace_id`` (e.g. ``workspace.id``)."""
    return _output(get_workspace_overview, locals())

"""Lookups of what the platform and customers create for a seller (contract v4; API.md §7.3, §7.4, §7.7, §7.8).

Import them from ``akua_pulumi.lookups``::

    from akua_pulumi import lookups

    deploy = lookups.get_repositories(purpose="deploy", view="full")
    orders = lookups.get_order_drafts(offer.id, status="done")
    triage = next(t for t in lookups.get_agent_templates() if t.name == "Failed install triage")

Results follow the contract's response schemas field for field (arrays are tuples, nested objects plain
dicts); list lookups follow ``next_cursor`` to the last page. Each lookup has an ``*_output`` twin
(generated into ``_outputs``).
"""

from __future__ import annotations

from typing_extensions import Unpack

from ._base import AkuaLookupError, Via, ViaWorkspace, _client, _workspace, lookup, missing, scoped
from ._results import AgentSkillInfo, AgentTemplateInfo, DashboardInfo, OrderDraftInfo, RepositoryInfo

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


def _choice(what: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise AkuaLookupError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")


@lookup
def get_repositories(
    purpose: str | None = None, *, view: str = "basic", **via: Unpack[ViaWorkspace]
) -> list[RepositoryInfo]:
    """The repositories of ``workspace_id`` (default ``akua:workspace``), of one ``purpose`` or all: every
    page of ``GET /repositories``. ``view="full"`` adds a deploy repository's ``last_deploy_sha`` and
    ``last_render_hash``."""
    _choice("get_repositories: purpose", purpose, REPOSITORY_PURPOSES)
    _choice("get_repositories: view", view, REPOSITORY_VIEWS)
    c = _client(via)
    ws = _workspace(c, via.get("workspace_id"), "get_repositories")
    params = {"view": view, **({"purpose": purpose} if purpose else {})}
    return [RepositoryInfo.from_api(r) for r in c.paginate("/repositories", params=params, workspace=ws)]


@lookup
def get_order_drafts(offer_id: str, status: str | None = None, **via: Unpack[ViaWorkspace]) -> list[OrderDraftInfo]:
    """The orders customers placed on ``offer_id`` (an offer of ``workspace_id``, default ``akua:workspace``),
    optionally only those in ``status`` (``done``, ``terminated``...): every page of ``GET /order_drafts``."""
    if not offer_id:
        raise AkuaLookupError("get_order_drafts needs an offer_id")
    _choice("get_order_drafts: status", status, ORDER_DRAFT_STATUSES)
    c = _client(via)
    ws = _workspace(c, via.get("workspace_id"), "get_order_drafts")
    params = {"offer": offer_id, **({"status": status} if status else {})}
    with missing(f"offer {offer_id!r} in workspace {ws!r}"):
        items = list(c.paginate("/order_drafts", params=params, workspace=ws))
    return [OrderDraftInfo.from_api(d) for d in items]


@lookup
def get_agent_skills(workspace_id: str | None = None, **via: Unpack[Via]) -> list[AgentSkillInfo]:
    """The agent skills published for ``workspace_id`` (default ``akua:workspace``): every page of
    ``GET /agent_skills``."""
    c = _client(via)
    ws = _workspace(c, workspace_id, "get_agent_skills")
    return [AgentSkillInfo.from_api(s) for s in c.paginate("/agent_skills", workspace=ws)]


@lookup
def get_agent_templates(workspace_id: str | None = None, **via: Unpack[Via]) -> list[AgentTemplateInfo]:
    """The platform's agent templates (the same for every workspace): every page of ``GET /agent_templates``."""
    c = scoped(_client(via), workspace_id)
    return [AgentTemplateInfo.from_api(t) for t in c.paginate("/agent_templates")]


@lookup
def get_workspace_overview(workspace_id: str | None = None, **via: Unpack[Via]) -> DashboardInfo:
    """The overview dashboard every workspace has (default ``akua:workspace``): one
    ``GET /dashboards/workspace_overview``."""
    c = _client(via)
    ws = _workspace(c, workspace_id, "get_workspace_overview")
    with missing(f"workspace {ws!r}"):
        return DashboardInfo.from_api(c.get("/dashboards/workspace_overview", workspace=ws))

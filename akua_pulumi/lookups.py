"""Read-only lookups for Pulumi programs, like the ``get_*`` invokes of native providers.

Each lookup makes one or two GET requests and returns a small frozen dataclass::

    import pulumi
    from akua_pulumi import lookups

    ws = lookups.get_current_workspace()                  # the workspace akua:workspace selects
    pulumi.export("tier", ws.plan_tier)
    for q in lookups.get_quotas():
        pulumi.export(q.metric, q.remaining)

Every lookup has an ``*_output`` twin that takes Pulumi Inputs and returns a ``pulumi.Output``.
Use it with ids that are not known yet (the id of a resource created in the same program): the
request runs only once the id is known, so during a first ``pulumi preview`` the result is unknown
instead of failing::

    mgmt = lookups.get_workspace_management_output(workspace.id)
    pulumi.export("managed_by", mgmt.apply(lambda m: m.organization_name if m else None))

Configuration: inside a Pulumi program the stack config ``akua:apiUrl``, ``akua:token`` (secret) and
``akua:workspace`` is read through ``pulumi.Config("akua")``; outside a program, or for keys the stack
does not set, the environment (``AKUA_API_URL``, ``AKUA_API_TOKEN``, ``AKUA_WORKSPACE``) applies, as
described for :meth:`akua_pulumi.client.ClientConfig.resolve`. Pass ``provider=akua_pulumi.Provider(...)``
to look up through an explicit connection (another token or API URL), or ``client=`` to use a client of
your own. Clients come from the one cache of :func:`akua_pulumi.connection.client_for`.

The results are plain dataclasses, not Outputs: export single fields, or ``as_dict()``.
"""

# ruff: noqa: F405  (names of __all__ defined elsewhere come from the star imports under TYPE_CHECKING, at the end)

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar

import pulumi

from .client import AkuaClient, NotFoundError, api_path
from .connection import Provider, client_for
from .errors import AkuaError

__all__ = [
    "AccessDecision",
    "AccessReason",
    "AccessStateInfo",
    "AgentSkillInfo",
    "AgentTemplateInfo",
    "AkuaLookupError",
    "ClusterCapabilitiesInfo",
    "DashboardInfo",
    "EntitlementInfo",
    "InstallStatusInfo",
    "ManagedWorkspaceInfo",
    "ManagementInfo",
    "OrderDraftInfo",
    "PackageVersionInfo",
    "QuotaInfo",
    "RenderInfo",
    "RepositoryInfo",
    "WorkspaceInfo",
    "get_access_decision",
    "get_access_decision_output",
    "get_access_state",
    "get_access_state_output",
    "get_agent_skills",
    "get_agent_skills_output",
    "get_agent_templates",
    "get_agent_templates_output",
    "get_cluster_capabilities",
    "get_cluster_capabilities_output",
    "get_current_workspace",
    "get_current_workspace_output",
    "get_entitlements",
    "get_entitlements_output",
    "get_install_status",
    "get_install_status_output",
    "get_managed_workspaces",
    "get_managed_workspaces_output",
    "get_order_drafts",
    "get_order_drafts_output",
    "get_package_version",
    "get_package_version_inputs",
    "get_package_version_inputs_output",
    "get_package_version_output",
    "get_quota",
    "get_quotas",
    "get_quotas_output",
    "get_render",
    "get_render_output",
    "get_repositories",
    "get_repositories_output",
    "get_workspace_management",
    "get_workspace_management_output",
    "get_workspace_overview",
    "get_workspace_overview_output",
    "lookup_client",
]

T = TypeVar("T")
R = TypeVar("R", bound="_AsDict")


class AkuaLookupError(AkuaError, LookupError):
    """A lookup found nothing, or was called without what it needs; the message says what to do."""


# -- results -------------------------------------------------------------------------------------------


class _AsDict:
    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict, e.g. for ``pulumi.export``."""
        out: dict[str, Any] = asdict(self)  # type: ignore[call-overload]  # subclasses are dataclasses
        return out

    @classmethod
    def from_api(cls: type[R], obj: Mapping[str, Any], **overrides: Any) -> R:
        """The result for the API object ``obj``: a field without a default must be there (else
        :class:`AkuaLookupError`), one with a default may be missing; arrays become tuples (results are
        frozen); ``overrides`` are the values that do not come straight from ``obj``."""
        values = dict(overrides)
        for f in fields(cls):  # type: ignore[arg-type]  # every result is a dataclass
            if f.name in values or f.default_factory is not MISSING:
                continue
            if f.default is MISSING and f.name not in obj:
                raise AkuaLookupError(f"{cls.__name__}: the API answered without {f.name!r}")
            value = obj[f.name] if f.default is MISSING else obj.get(f.name, f.default)
            values[f.name] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


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


# -- configuration and the shared client ------------------------------------------------------------


def _in_program() -> bool:
    """True while a Pulumi program (or a mocked one) is running in this context."""
    try:
        return pulumi.runtime.settings.get_monitor() is not None
    except Exception:  # pragma: no cover - no settings at all
        return False


def _stack_config() -> dict[str, Any]:
    if not _in_program():
        return {}
    cfg = pulumi.Config("akua")
    return {f"akua:{key}": cfg.get(key) for key in ("apiUrl", "token", "workspace")}


def lookup_client(provider: Provider | None = None) -> AkuaClient:
    """The client the lookups use: ``provider``'s connection, with what it leaves open taken from the
    stack config (in a program) or the environment; shared through the one client cache."""
    return client_for(provider.connection() if provider is not None else None, stack_config=_stack_config())


def _client(client: AkuaClient | None, provider: Provider | None = None) -> AkuaClient:
    return client if client is not None else lookup_client(provider)


def _workspace(client: AkuaClient, workspace_id: str | None, what: str) -> str:
    ws = workspace_id or client.workspace
    if not ws:
        raise AkuaLookupError(
            f"{what} needs a workspace: pass workspace_id= or run `pulumi config set akua:workspace <ws_id>` "
            "(outside a program: export AKUA_WORKSPACE=<ws_id>)"
        )
    return ws


# -- lookups ---------------------------------------------------------------------------------------------


def get_current_workspace(
    workspace_id: str | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> WorkspaceInfo:
    """The workspace ``akua:workspace`` (or ``workspace_id``) selects: one ``GET /workspaces/{id}``.

    Raises :class:`AkuaLookupError` when no workspace is configured or it does not exist.
    """
    c = _client(client, provider)
    ws = _workspace(c, workspace_id, "get_current_workspace")
    try:
        obj = c.get(api_path("/workspaces/{}", ws))
    except NotFoundError:
        raise AkuaLookupError(f"workspace {ws!r} does not exist (or this token cannot see it)") from None
    plan = obj.get("plan") or {}
    return WorkspaceInfo.from_api(obj, plan_tier=str(plan.get("tier") or "free"), billed_by=plan.get("billed_by"))


def get_quotas(
    workspace_id: str | None = None,
    cluster_id: str | None = None,
    *,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> list[QuotaInfo]:
    """Quotas and their usage: one ``GET /quotas``.

    With a workspace (``workspace_id`` or ``akua:workspace``) allocation quotas describe that workspace;
    without one they cover the whole user. ``cluster_id`` adds the per-cluster concurrency quotas.
    """
    c = _client(client, provider)
    ws = workspace_id or c.workspace
    params = {"cluster_id": cluster_id} if cluster_id else None
    body = c.get("/quotas", params=params, workspace=ws)
    return [QuotaInfo.from_api(q) for q in (body or {}).get("data") or []]


def get_quota(
    metric: str, workspace_id: str | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> QuotaInfo:
    """One quota by metric (``compute/machines``), from ``GET /quotas``; :class:`AkuaLookupError` if unknown."""
    for q in get_quotas(workspace_id, client=client, provider=provider):
        if q.metric == metric:
            return q
    raise AkuaLookupError(f"no quota {metric!r} (metrics look like 'compute/machines')")


def get_workspace_management(
    workspace_id: str, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> ManagementInfo | None:
    """The organization managing ``workspace_id``, or None: one ``GET /workspaces/{id}/management``."""
    if not workspace_id:
        raise AkuaLookupError("get_workspace_management needs a workspace_id")
    c = _client(client, provider)
    try:
        body = c.get(api_path("/workspaces/{}/management", workspace_id))
    except NotFoundError:
        raise AkuaLookupError(f"workspace {workspace_id!r} does not exist (or this token cannot see it)") from None
    grant = (body or {}).get("management")
    if not grant:
        return None
    org = grant.get("organization") or {}
    return ManagementInfo(organization_id=org["id"], organization_name=org["name"], granted_at=grant.get("granted_at"))


def get_package_version(
    package_id: str,
    semver: str | None = None,
    version_id: str | None = None,
    *,
    workspace_id: str | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> PackageVersionInfo:
    """A version of ``package_id``, by ``semver`` or ``version_id``; with neither, the package's latest.

    * ``version_id``: one ``GET /packages/{id}/versions/{version_id}``.
    * ``semver``: lists ``/packages/{id}/versions`` (newest first) and picks the exact match.
    * neither: ``GET /packages/{id}`` for ``latest_version_id``, then that version.

    Packages are workspace-scoped: ``workspace_id`` defaults to ``akua:workspace``.
    Raises :class:`AkuaLookupError` when the package or version does not exist.
    """
    if semver is not None and version_id is not None:
        raise AkuaLookupError("get_package_version: pass semver or version_id, not both")
    c = _client(client, provider)
    c = c.for_workspace(_workspace(c, workspace_id, "get_package_version"))
    try:
        if version_id is not None:
            obj = c.get(api_path("/packages/{}/versions/{}", package_id, version_id))
        elif semver is not None:
            want = semver[1:] if semver.startswith("v") else semver
            obj = next(
                (v for v in c.paginate(api_path("/packages/{}/versions", package_id)) if v.get("semver") == want), None
            )
            if obj is None:
                raise AkuaLookupError(f"package {package_id!r} has no version {semver!r}")
        else:
            latest = c.get(api_path("/packages/{}", package_id)).get("latest_version_id")
            if not latest:
                raise AkuaLookupError(f"package {package_id!r} has no versions yet")
            obj = c.get(api_path("/packages/{}/versions/{}", package_id, latest))
    except NotFoundError as exc:
        raise AkuaLookupError(f"package {package_id!r}: {exc.message}") from None
    return PackageVersionInfo.from_api(
        obj, package_id=obj.get("package_id") or package_id, input_schema=dict(obj.get("input_schema") or {})
    )


# -- Output variants ----------------------------------------------------------------------------------


def _later(fn: Callable[..., T], args: Mapping[str, Any], client: AkuaClient | None, provider: Provider | None) -> Any:
    """Run a blocking lookup off the event loop, with the current context (so ``pulumi.Config`` works).

    The client is resolved here, on the loop, where the program's config is visible.
    """
    return asyncio.to_thread(fn, **args, client=client or lookup_client(provider))


_PROVIDER_KEYS = ("api_url", "token", "workspace")


def _output(fn: Callable[..., T], given: Mapping[str, Any]) -> pulumi.Output[T]:
    """``fn(**inputs)`` once every input (and the provider's settings) is known; unknown during preview
    otherwise. ``given`` is the ``*_output`` twin's own arguments (its ``locals()``): the Inputs, and the
    ``client`` and ``provider`` to look up through."""
    inputs = dict(given)
    client: AkuaClient | None = inputs.pop("client")
    provider: Provider | None = inputs.pop("provider")
    settings = {f"_provider_{k}": getattr(provider, k) for k in _PROVIDER_KEYS} if provider is not None else {}
    resolved: pulumi.Output[dict[str, Any]] = pulumi.Output.all(**dict(inputs), **settings)

    def run(args: dict[str, Any]) -> Any:
        plain = None
        if provider is not None:
            plain = Provider(provider.name, **{k: args.pop(f"_provider_{k}") for k in _PROVIDER_KEYS})
        return _later(fn, args, client, plain)

    return resolved.apply(run)


def get_current_workspace_output(
    workspace_id: pulumi.Input[str] | None = None, *, client: AkuaClient | None = None, provider: Provider | None = None
) -> pulumi.Output[WorkspaceInfo]:
    """:func:`get_current_workspace` for an Input ``workspace_id``."""
    return _output(get_current_workspace, locals())


def get_quotas_output(
    workspace_id: pulumi.Input[str] | None = None,
    cluster_id: pulumi.Input[str] | None = None,
    *,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[list[QuotaInfo]]:
    """:func:`get_quotas` for Input ids (e.g. ``cluster.id``)."""
    return _output(get_quotas, locals())


def get_workspace_management_output(
    workspace_id: pulumi.Input[str], *, client: AkuaClient | None = None, provider: Provider | None = None
) -> pulumi.Output[ManagementInfo | None]:
    """:func:`get_workspace_management` for an Input ``workspace_id`` (e.g. ``workspace.id``)."""
    return _output(get_workspace_management, locals())


def get_package_version_output(
    package_id: pulumi.Input[str],
    semver: pulumi.Input[str] | None = None,
    version_id: pulumi.Input[str] | None = None,
    *,
    workspace_id: pulumi.Input[str] | None = None,
    client: AkuaClient | None = None,
    provider: Provider | None = None,
) -> pulumi.Output[PackageVersionInfo]:
    """:func:`get_package_version` for Inputs (e.g. ``package.id``)."""
    return _output(get_package_version, locals())


# -- lookups defined in other modules (this one stays small), loaded on first use --------------------------

#: access decisions and entitlements; installs, clusters, packages, workspaces (v4); seller lookups (v4).
_ELSEWHERE = ("_access", "_lookups_v4", "_lookups_seller")

if TYPE_CHECKING:
    from ._access import *  # noqa: F403
    from ._lookups_seller import *  # noqa: F403
    from ._lookups_v4 import *  # noqa: F403


def __getattr__(name: str) -> Any:
    """The lookups and result types of :data:`_ELSEWHERE` (their ``__all__``), imported on first use."""
    if not name.startswith("__"):
        for module in _ELSEWHERE:
            loaded = importlib.import_module(f".{module}", __package__)
            if name in loaded.__all__:
                return getattr(loaded, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

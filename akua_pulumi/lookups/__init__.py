"""Read-only lookups for Pulumi programs, like the ``get_*`` invokes of native providers.

Each lookup makes one or two GET requests and returns a small frozen dataclass::

    import pulumi
    from akua_pulumi import lookups

    ws = lookups.get_current_workspace()                  # the workspace akua:workspace selects
    pulumi.export("tier", ws.plan_tier)
    for q in lookups.get_quotas():
        pulumi.export(q.metric, q.remaining)

Every lookup but ``get_quota`` (one item of ``get_quotas``) has an ``*_output`` twin that takes Pulumi
Inputs and returns a ``pulumi.Output``.
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

The package: ``_base`` (the error, the connection keywords :class:`~._base.Via` and
:class:`~._base.ViaWorkspace`, the client, the ``*_output`` machinery), ``_results`` (every result type),
the plain lookups in ``_core``, ``_v4``, ``_seller`` and ``_access``, and ``_outputs``, the twins, generated
from the plain lookups' signatures by ``scripts/gen-resources``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

#: The modules of the plain lookups (each ``@lookup`` there gets a twin in ``_outputs``).
PLAIN_MODULES = ("_core", "_v4", "_seller", "_access")
#: Where :func:`__getattr__` looks for a name, in this order (``*_output`` names: in ``_outputs`` only).
_HOMES = ("_base", "_results", *PLAIN_MODULES)

if TYPE_CHECKING:  # exactly the names of __all__ (tests/test_lookups_package.py), from where __getattr__ finds them
    from ._access import get_access_decision, get_entitlements
    from ._base import AkuaLookupError, lookup_client
    from ._core import get_current_workspace, get_package_version, get_quota, get_quotas, get_workspace_management
    from ._outputs import (
        get_access_decision_output,
        get_access_state_output,
        get_agent_skills_output,
        get_agent_templates_output,
        get_cluster_capabilities_output,
        get_current_workspace_output,
        get_entitlements_output,
        get_install_status_output,
        get_managed_workspaces_output,
        get_order_drafts_output,
        get_package_version_inputs_output,
        get_package_version_output,
        get_quotas_output,
        get_render_output,
        get_repositories_output,
        get_workspace_management_output,
        get_workspace_overview_output,
    )
    from ._results import (
        AccessDecision,
        AccessReason,
        AccessStateInfo,
        AgentSkillInfo,
        AgentTemplateInfo,
        ClusterCapabilitiesInfo,
        DashboardInfo,
        EntitlementInfo,
        InstallStatusInfo,
        ManagedWorkspaceInfo,
        ManagementInfo,
        OrderDraftInfo,
        PackageVersionInfo,
        QuotaInfo,
        RenderInfo,
        RepositoryInfo,
        WorkspaceInfo,
    )
    from ._seller import (
        get_agent_skills,
        get_agent_templates,
        get_order_drafts,
        get_repositories,
        get_workspace_overview,
    )
    from ._v4 import (
        get_access_state,
        get_cluster_capabilities,
        get_install_status,
        get_managed_workspaces,
        get_package_version_inputs,
        get_render,
    )
else:  # run time only: a module __getattr__ would let mypy accept any name, not just the imports above

    def __getattr__(name: str) -> Any:
        """A name of ``__all__``, imported from its sub-module on first use (so ``import akua_pulumi.lookups``
        stays cheap). Anything else (a sub-module's helper, or what it merely imports, like ``pulumi``) is
        not one: import it from its sub-module."""
        if name in __all__:
            for module in ("_outputs",) if name.endswith("_output") else _HOMES:
                found = vars(importlib.import_module(f".{module}", __name__))
                if name in found:
                    return found[name]
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """What ``dir()`` and a REPL's completion show: the public names too, before they are first used."""
    return sorted({*globals(), *__all__})

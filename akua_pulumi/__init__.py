"""akua-pulumi: declare Akua in Python and converge it with Pulumi.

Resources (dynamic providers): :class:`Workspace`, :class:`WorkspaceMember`,
:class:`WorkspaceSubscription`, :class:`Organization`, :class:`OrganizationMember`,
:class:`OrganizationInvitation`, :class:`ApiToken`, :class:`Region`, :class:`Cluster`,
:class:`Package`, :class:`Product`, :class:`Install`. Lookups live in :mod:`akua_pulumi.lookups`,
layouts in :mod:`akua_pulumi.components`.

The resource classes are imported lazily, so ``akua-local`` and the client start without pulumi.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ApiToken",
    "Cluster",
    "Install",
    "Organization",
    "OrganizationInvitation",
    "OrganizationMember",
    "Package",
    "Product",
    "Region",
    "Workspace",
    "WorkspaceMember",
    "WorkspaceSubscription",
    "__version__",
]

_RESOURCES = frozenset(__all__) - {"__version__"}

if TYPE_CHECKING:
    from .resources import (
        ApiToken,
        Cluster,
        Install,
        Organization,
        OrganizationInvitation,
        OrganizationMember,
        Package,
        Product,
        Region,
        Workspace,
        WorkspaceMember,
        WorkspaceSubscription,
    )


def __getattr__(name: str) -> Any:
    if name in _RESOURCES:
        return getattr(import_module(".resources", __name__), name)
    raise AttributeError(f"module 'akua_pulumi' has no attribute {name!r}")

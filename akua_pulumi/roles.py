"""The one role table of the Akua API (API.md §6.3): the minimum role of every operation, as data.

The rows live in the package data file ``roles.txt`` beside this module (one section each for the
§6.3 rows, the workspace-overview rule, the cancel map, and the §6.4 resource shapes and permissions),
read once at import through :mod:`importlib.resources`; this module parses and checks them and answers
questions about them. Stdlib only, so the library (lookups, preflight, docs) and akua-local read the
same rows. Each ``RoleRule.role`` is one of:

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
from importlib import resources
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


def _sections(text: str) -> dict[str, str]:
    """``roles.txt`` as section name → its lines, without comments and blank lines."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and line.rstrip().endswith("]"):
            current = sections.setdefault(line.strip()[1:-1], [])
        elif current is None:
            raise ValueError(f"roles.txt: {line!r} stands before the first [section]")
        else:
            current.append(line.rstrip())
    return {name: "\n".join(lines) for name, lines in sections.items()}


_DATA = _sections(resources.files("akua_pulumi").joinpath("roles.txt").read_text("utf-8"))


def _build(rows: str) -> Mapping[str, RoleRule]:
    table: dict[str, RoleRule] = {}
    head: tuple[str, bool, str] | None = None
    for line in rows.splitlines():
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


ROLE_TABLE: Mapping[str, RoleRule] = _build(_DATA["rules"])
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


OVERVIEW_ADMIN = frozenset(_DATA["overview-admin"].split())
"""Member rows that need admin when their dashboard is the workspace overview (§6.3: "member; admin on the
workspace overview"): akua-local checks it together with the role, and the docs show it beside the row."""


def role_label(rule: RoleRule) -> str:
    """Human text for docs and messages: ``admin``, ``org:owner``, ``admin (or own)``,
    ``member; admin on the workspace overview``."""
    label = f"{rule.role} (or own)" if rule.self_allowed else rule.role
    return f"{label}; admin on the workspace overview" if rule.operation_id in OVERVIEW_ADMIN else label


OPERATION_TYPE_ROLES: Mapping[str, str] = MappingProxyType(
    {key.strip(): op.strip() for key, _, op in (line.partition("|") for line in _DATA["cancel"].splitlines())}
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


def _shapes(rows: str) -> dict[str, tuple[str, str | None, tuple[str, ...], tuple[str, ...]]]:
    shapes: dict[str, tuple[str, str | None, tuple[str, ...], tuple[str, ...]]] = {}
    for entry in rows.replace("\n    |", " |").splitlines():
        name, schema, ws_field, required, optional = (part.strip() for part in entry.split("|"))
        shapes[name] = (
            "" if schema == "-" else schema,
            None if ws_field == "-" else ws_field,
            tuple(required.split()),
            tuple(optional.split()),
        )
    return shapes


def _build_permissions(rows: str, shapes_rows: str) -> Mapping[str, Permission]:
    perms: dict[str, Permission] = {}
    shapes = _shapes(shapes_rows)
    for line in rows.splitlines():
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


PERMISSIONS: Mapping[str, Permission] = _build_permissions(_DATA["permissions"], _DATA["shapes"])
"""Permission name → :class:`Permission`; exactly the 40 names of the v3 ExplainAccessDecisionBody."""

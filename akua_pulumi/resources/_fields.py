"""Field declarations: one line per property drives validation, diff, read-back and docs.

A resource module lists its fields once. The lifecycle in :mod:`._provider` interprets them:

==================  ============================================================================
``Field.create_only``  a change replaces the resource (Terraform ``RequiresReplace``).
``Field.updatable``    a change is applied in place by the resource's ``update`` hook.
``Field.output``       computed by the API; never causes a diff; kept from state in preview.
``Field.option``       steers the provider (adopt, wait...); never causes a diff.
``Field.secret``       sensitive: the Resource marks it ``additional_secret_outputs``.
``Field.write_only``   the API never returns it: refresh carries the value over from state.
``Field.server_default``  may be omitted: the server picks a value, and omission never diffs.
==================  ============================================================================

The same line says how the field reaches the API (see :mod:`._wire`, which builds the request bodies):

* ``send``: ``"create"``, ``"update"``, ``"both"`` or ``"never"`` (default: create-only fields on
  create, updatable ones on both, outputs and options never);
* ``wire``: the API's name, a dotted path for a nested shape (``"recurring.interval"``,
  ``"items.0.price"``: a number indexes a list);
* ``encode``: the value's wire shape (e.g. ``"1.2.3"`` -> ``{"kind": "pinned", "version": "1.2.3"}``);
* ``read`` / ``decode``: where the API object shows the value (a dotted path; default: the field's
  name, or its wire path for a family that reads by wire) and how to turn it back into the value;
* ``normalize``: applied in ``check``, so the value is compared and sent normalized (e.g. ``str.lower``);
* ``replace_if``: an updatable field whose change replaces only when ``replace_if(old, new)`` holds;
* ``cleared``: what an update sends when the value was removed (None: the family's choice, JSON null
  for Akua, ``""`` for Stripe; :data:`OMIT`: nothing).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Protocol

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

__all__ = [
    "CONNECTION_NAME",
    "CONSTRAINTS",
    "CREATED_AT",
    "ETAG",
    "HTML_URL",
    "IS_ACTIVE",
    "OMIT",
    "OPERATION_TIMEOUT",
    "SEMVER",
    "TRAFFIC",
    "UNKNOWN",
    "Field",
    "Kind",
    "from_pin",
    "id_bounds",
    "is_unknown",
    "operation_timeout",
    "path_id",
    "suspended",
    "to_pin",
    "version_pin",
    "version_problem",
]

#: Field attribute per JSON Schema keyword: the constraints a request schema can state.
CONSTRAINTS = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
    "enum": "choices",
    "minimum": "minimum",
    "maximum": "maximum",
    "format": "format",
}


#: SemVer 2.0 (the contract's PackageVersion.semver pattern, without a leading "v").
SEMVER = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def is_unknown(value: Any) -> bool:
    """True for a value the engine does not know yet (preview of a not-yet-created dependency).

    Check and Diff deserialize with ``keep_unknowns``, which yields :class:`pulumi.output.Unknown`
    instances; the wire sentinel string can appear too.
    """
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    return False


class Kind(Enum):
    """How a field behaves across the lifecycle."""

    CREATE_ONLY = "create-only"
    UPDATABLE = "updatable"
    OUTPUT = "output"
    #: Steers how the provider acts (adopt, wait...); stored in state but never diffed.
    OPTION = "option"


class Constructor(Protocol):
    def __call__(self, name: str, type: builtins.type = str, description: str = "", **kw: Any) -> Field: ...


class _KindConstructor:
    """``Field.<kind>(name, type=str, description="", **kw)``: the Field constructor of one :class:`Kind`."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def __get__(self, obj: object, owner: builtins.type[Field]) -> Constructor:
        def make(name: str, type: builtins.type = str, description: str = "", **kw: Any) -> Field:
            return owner(name, self.kind, type, description, **kw)

        return make


class _Omit:
    """The :data:`OMIT` sentinel: a cleared value is not sent at all."""

    def __repr__(self) -> str:
        return "OMIT"


#: ``Field(cleared=OMIT)``: removing the value sends nothing (the API keeps what it has).
OMIT: Any = _Omit()

#: When a field is sent, per ``send`` value.
_SEND = {
    "create": frozenset({"create"}),
    "update": frozenset({"update"}),
    "both": frozenset({"create", "update"}),
    "never": frozenset(),
}

_TYPE_NAMES = {str: "a string", int: "an integer", bool: "a boolean", dict: "an object", list: "a list"}


@dataclass(frozen=True)
class Field:
    """One property of a resource.

    Args:
        name: Property name, as users write it and as it appears in state (snake_case, like the API).
        kind: Lifecycle behaviour; use the ``create_only`` / ``updatable`` / ``output`` constructors.
        type: Python type of the value (str, int, bool, dict, list).
        description: One sentence for docs and error messages.
        required: Must be set by the program.
        default: Client-side default applied in ``check`` when the program omits the field.
        min_length, max_length, pattern, choices, minimum, maximum, format: Constraints checked in
            ``check``. Normally left out: :meth:`with_contract` takes them from the contract's request
            schema by wire name. Hand-written ones are allowed only where the contract is silent, with
            ``ours=True``.
        secret: Store as a secret output.
        write_only: Never returned by the API; refresh keeps the value from state.
        server_default: The API fills it when omitted; an omitted input never diffs.
        ours: The hand-written constraints are our choice where the contract is silent (listed in docs).
        wire: The API's name when it differs from ``name``.
        validator: Extra check returning an error message or None.
    """

    name: str
    kind: Kind
    type: builtins.type = str
    description: str = ""
    required: bool = False
    default: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    choices: Sequence[Any] | None = None
    minimum: int | None = None
    maximum: int | None = None
    #: JSON Schema format (``uri``, ``email``), checked like the contract checks it.
    format: str | None = None
    secret: bool = False
    write_only: bool = False
    server_default: bool = False
    #: The field's hand-written constraints are our choice (the contract is silent on them).
    ours: bool = False
    #: The API's name when it differs from ``name``.
    wire: str | None = None
    validator: Callable[[Any], str | None] | None = field(default=None, compare=False)
    #: When the value is sent: ``create``, ``update``, ``both``, ``never`` (None: from the kind).
    send: str | None = None
    #: The value's wire shape (applied to a set value before it is sent).
    encode: Callable[[Any], Any] | None = field(default=None, compare=False)
    #: Applied in ``check``: the value is compared and sent normalized.
    normalize: Callable[[Any], Any] | None = field(default=None, compare=False)
    #: An updatable field whose change replaces when ``replace_if(old, new)`` is true.
    replace_if: Callable[[Any, Any], bool] | None = field(default=None, compare=False)
    #: What an update sends when the value was removed (None: the family's choice; OMIT: nothing).
    cleared: Any = None
    #: Where the API object shows the value (dotted path); None: the name (or the wire path, by family).
    read: str | None = None
    #: Turns what the API object shows back into the value (the inverse of ``encode``).
    decode: Callable[[Any], Any] | None = field(default=None, compare=False)
    #: The constraints (Field attribute names) taken from the contract; filled by :meth:`with_contract`.
    from_contract: frozenset[str] = field(default=frozenset(), compare=False)

    # -- constructors: Field.create_only(name, type, description, **kw) and so on, one per Kind ---------

    create_only = _KindConstructor(Kind.CREATE_ONLY)
    updatable = _KindConstructor(Kind.UPDATABLE)
    output = _KindConstructor(Kind.OUTPUT)
    option = _KindConstructor(Kind.OPTION)

    def __post_init__(self) -> None:
        if self.send is not None and self.send not in _SEND:
            raise ValueError(f"{self.name}: send must be one of {', '.join(_SEND)}, got {self.send!r}")

    @property
    def wire_name(self) -> str:
        return self.wire or self.name

    @property
    def wire_path(self) -> tuple[str | int, ...]:
        """The wire name as a path: ``"items.0.price"`` -> ``("items", 0, "price")``."""
        return tuple(int(p) if p.isdigit() else p for p in self.wire_name.split("."))

    def read_path(self, by_wire: bool = False) -> tuple[str | int, ...]:
        """Where the API object shows the value: ``read``, else the wire path (``by_wire``) or the name."""
        path = self.read or (self.wire_name if by_wire else self.name)
        return tuple(int(p) if p.isdigit() else p for p in path.split("."))

    @property
    def sent_on(self) -> frozenset[str]:
        """The writes that carry this field: ``{"create"}``, ``{"update"}``, both, or none."""
        if self.send is not None:
            return _SEND[self.send]
        return {Kind.CREATE_ONLY: _SEND["create"], Kind.UPDATABLE: _SEND["both"]}.get(self.kind, _SEND["never"])

    def declared_constraints(self) -> dict[str, Any]:
        """The hand-written constraints (attribute name -> value)."""
        return {attr: getattr(self, attr) for attr in CONSTRAINTS.values() if getattr(self, attr) is not None}

    @property
    def our_constraints(self) -> dict[str, Any]:
        """Constraints that are our choice (not the contract's), for docs."""
        return {k: v for k, v in self.declared_constraints().items() if k not in self.from_contract}

    def with_contract(self, schema: Mapping[str, Any] | None) -> Field:
        """This field with the contract's constraints from the request property ``schema`` (None: silent).

        The contract wins over a hand-written copy; :meth:`declaration_problems` reports such copies
        (a test keeps the declarations free of them).
        """
        found = _contract_constraints(schema)
        return replace(self, **found, from_contract=frozenset(found)) if found else self

    def declaration_problems(self, schema: Mapping[str, Any] | None, owner: str = "") -> list[str]:
        """How this (unresolved) declaration breaks "one source per constraint"; empty when it does not."""
        declared = self.declared_constraints()
        where = f"{owner}.{self.name}" if owner else self.name
        problems = []
        clash = sorted(set(_contract_constraints(schema)) & set(declared))
        if clash:
            problems.append(f"{where}: the contract states {clash}; drop the hand-written copy")
        rest = sorted(set(declared) - set(clash))
        if rest and not self.ours:
            problems.append(f"{where}: hand-written constraints {rest} where the contract is silent need ours=True")
        return problems

    @property
    def is_input(self) -> bool:
        return self.kind is not Kind.OUTPUT

    @property
    def is_path_id(self) -> bool:
        """The id of the parent a child lives under (:func:`path_id`): in the path, never in a body."""
        return self.kind is Kind.CREATE_ONLY and self.required and self.send == "never"

    @property
    def diffable(self) -> bool:
        return self.kind in (Kind.CREATE_ONLY, Kind.UPDATABLE)

    # -- check ------------------------------------------------------------------------------------

    def coerce(self, value: Any) -> Any:
        """Undo the engine's number encoding (1 arrives as 1.0) and similar wire quirks."""
        if self.type is int and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def normalized(self, value: Any) -> Any:
        """``value`` coerced, then normalized as declared (unknown and unset values pass as they are)."""
        value = self.coerce(value)
        if self.normalize is not None and value is not None and not is_unknown(value):
            return self.normalize(value)
        return value

    def validate(self, value: Any) -> str | None:
        """Return why ``value`` breaks the contract, or None when it is fine (or not known yet)."""
        if value is None:
            return f"{self.name} is required" if self.required else None
        if is_unknown(value):
            return None
        if self.type is int and (isinstance(value, bool) or not isinstance(value, int)):
            return f"{self.name} must be an integer, got {value!r}"
        if self.type is not int and not isinstance(value, self.type):
            return f"{self.name} must be {_TYPE_NAMES.get(self.type, self.type.__name__)}, got {type(value).__name__}"
        if isinstance(value, str):
            if self.min_length is not None and len(value) < self.min_length:
                return f"{self.name} must be at least {self.min_length} characters, got {len(value)}"
            if self.max_length is not None and len(value) > self.max_length:
                return f"{self.name} must be at most {self.max_length} characters, got {len(value)}"
            if self.pattern is not None and not re.search(self.pattern, value):
                return f"{self.name} {value!r} does not match the pattern {self.pattern}"
            if self.format is not None and not _format_ok(self.format, value):
                return f"{self.name} {value!r} does not match the format {self.format}"
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            return f"{self.name} must be one of {allowed}, got {value!r}"
        if isinstance(value, int) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                return f"{self.name} must be >= {self.minimum}, got {value}"
            if self.maximum is not None and value > self.maximum:
                return f"{self.name} must be <= {self.maximum}, got {value}"
        if self.validator is not None:
            return self.validator(value)
        return None

    # -- docs -------------------------------------------------------------------------------------

    def doc_row(self) -> str:
        flags = [self.kind.value]
        if self.required:
            flags.append("required")
        if self.secret:
            flags.append("secret")
        if self.write_only:
            flags.append("write-only")
        if self.server_default:
            flags.append("server default")
        type_name = _TYPE_NAMES.get(self.type, self.type.__name__)
        return f"| `{self.name}` | {type_name} | {', '.join(flags)} | {self.description} |"


def _contract_constraints(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    found = {CONSTRAINTS[k]: v for k, v in (schema or {}).items() if k in CONSTRAINTS}
    if "choices" in found:
        found["choices"] = tuple(found["choices"])
    return found


def _format_ok(fmt: str, value: str) -> bool:
    from ..contract import is_email, is_uri

    checks = {"uri": is_uri, "email": is_email}
    check = checks.get(fmt)
    return check(value) if check is not None else True


# -- outputs many resources share: one declaration per noun ------------------------------------------


def id_bounds(max_length: int) -> dict[str, Any]:
    """The bounds we put on another object's id where the contract leaves it unbounded: 1 to
    ``max_length`` characters (the id's prefix and body), ours to check."""
    return {"min_length": 1, "max_length": max_length, "ours": True}


def suspended(description: str, **kw: Any) -> Field:
    """``suspended``: set through the ``:suspend`` / ``:resume`` actions (never in the PATCH body),
    the server's state until declared."""
    return Field.updatable("suspended", bool, description, server_default=True, send="never", **kw)


def path_id(name: str, description: str, max_length: int) -> Field:
    """The id of the object a child lives under: required, and a path segment, so never in a body."""
    return Field.create_only(name, str, description, required=True, send="never", **id_bounds(max_length))


def to_pin(version: str) -> dict[str, str]:
    """``latest`` or a version as the API's ``package_version_pin`` object."""
    return {"kind": "latest"} if version == "latest" else {"kind": "pinned", "version": version}


def from_pin(pin: Mapping[str, Any]) -> str | None:
    """The version a ``package_version_pin`` object names (the inverse of :func:`to_pin`)."""
    return "latest" if pin.get("kind") == "latest" else pin.get("version")


def version_problem(value: Any) -> str | None:
    """``latest`` or a SemVer 2.0 version such as ``1.2.3`` (no leading ``v``)."""
    if value == "latest" or re.match(SEMVER, str(value)):
        return None
    return f"version must be 'latest' or a SemVer 2.0 version such as '1.2.3', got {value!r}"


def version_pin(kind: Constructor, description: str, **kw: Any) -> Field:
    """``version``: ``latest`` or a SemVer version, sent (and read back) as a ``package_version_pin`` object.
    ``kind`` is the Field constructor (``Field.create_only``, ``Field.updatable``); :func:`version_problem`
    checks the value (as a validator, or in a hook beside rules on other fields)."""
    return kind("version", str, description, wire="package_version_pin", encode=to_pin, decode=from_pin, **kw)


CREATED_AT = Field.output("created_at", int, "Creation time, Unix seconds.")
ETAG = Field.output("etag", str, "Revision used for optimistic concurrency.")
HTML_URL = Field.output("html_url", str, "Dashboard URL.")
#: Connections (registry, Cloudflare): named uniquely in the workspace, and active or not.
CONNECTION_NAME = Field.create_only("name", str, "Connection name, unique in the workspace.", required=True)
IS_ACTIVE = Field.output("is_active", bool, "Whether the connection is active.")
#: How a custom domain or a preview hostname carries traffic.
TRAFFIC = (
    Field.updatable("protocol", str, "Traffic protocol.", default="http"),
    Field.updatable("routing_mode", str, "Whether traffic passes the dispatcher Worker.", default="through_dispatcher"),
)
#: The wait for each Operation of a resource whose writes are asynchronous.
OPERATION_TIMEOUT = Field.option(
    "timeout_seconds", int, "How long to wait for each operation.", default=900, minimum=1, ours=True
)


def operation_timeout(values: Mapping[str, Any]) -> float:
    """The ``timeout_seconds`` of ``values`` (inputs or state), else the declared default."""
    return float(values.get("timeout_seconds") or OPERATION_TIMEOUT.default)

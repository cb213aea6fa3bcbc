"""The customers file: who the onboarding pipeline provisions, one Pulumi stack per customer.

A customers file is YAML (``.yaml``/``.yml``) or JSON::

    defaults:                      # optional; merged under every customer (customer wins)
      region: {name: eu-west}
    customers:
      - id: acme                   # stack name; lowercase slug, unique in the file
        name: Acme Corp
        slug: acme-corp            # optional workspace slug
        members:
          - {user_id: usr_123, role: admin}
        cluster: {name: acme-prod}
        installs:
          - {product_id: prd_grafana}
          - {package_id: pkg_redis, version: 7.2.4, name: cache}
        api_token: {name: ci}
        tier: pro
        extra: {support: gold}     # passthrough for the program

Every key but ``id`` and ``extra`` is an argument of
:class:`~akua_pulumi.components.CustomerWorkspaceArgs` (and its nested ``MemberArgs``,
``RegionArgs``...), checked by the rules of the resource it ends up on: the models here are
derived from those dataclasses, so the file, the layout and the resources accept the same values.

Two ways to read it:

* :func:`load_customers` / :func:`parse_customers` are strict: any invalid customer raises
  :class:`CustomersFileError` listing every problem (``customers[3] (acme): members[0].role: role
  must be one of 'admin', 'member', got 'owner'``).
* :func:`read_customers_file` / :func:`parse_customers_file` are lenient per customer: a bad entry
  becomes an :class:`InvalidCustomer` (the pipeline reports it as failed without running it) while
  the rest go ahead. Problems with the file as a whole (syntax, shape, duplicate ids) still raise.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, ForwardRef, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, create_model, model_validator
from pydantic import Field as PydanticField

from ..components import ApiTokenArgs, ClusterArgs, CustomerWorkspaceArgs, InstallArgs, MemberArgs, RegionArgs
from ..components._args import LayoutArgs, bound_of, type_hints
from ..errors import AkuaError
from ..resources._fields import Field as ResourceField

__all__ = [
    "ApiTokenSpec",
    "ClusterSpec",
    "Customer",
    "CustomersFile",
    "CustomersFileError",
    "InstallSpec",
    "InvalidCustomer",
    "Member",
    "RegionSpec",
    "load_customers",
    "parse_customers",
    "parse_customers_file",
    "read_customers_file",
]

#: A customer id doubles as the Pulumi stack name, so it is a plain lowercase slug.
ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"


class CustomersFileError(AkuaError, ValueError):
    """The customers file cannot be used; ``errors`` holds one readable line per problem."""

    def __init__(self, errors: Sequence[str], source: str | None = None) -> None:
        self.errors = list(errors)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.errors) == 1:
            super().__init__(f"{head}{self.errors[0]}")
        else:
            super().__init__(f"{head}{len(self.errors)} problems:\n" + "\n".join(f"  {e}" for e in self.errors))


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- derived from the layouts
#
# Each model below is generated from a layout's argument dataclass (akua_pulumi.components): same
# field names, same defaults, and every argument bound to a resource field is checked by that
# resource field's own ``validate`` (then by the resource's cross-field rules), so the customers file
# accepts and rejects exactly what the layout and the resource do, with the same message. A new
# layout argument appears here by itself; ``_FILE_ONLY`` lists the few places the file differs.

_PY_TYPES: dict[type, Any] = {str: str, int: int, bool: bool, dict: dict[str, Any], list: list[Any]}
_ARGS_OF: dict[type[BaseModel], type[LayoutArgs]] = {}
_MODELS: dict[type[LayoutArgs], type[BaseModel]] = {}


@dataclass(frozen=True)
class _FileOnly:
    """How the file spells one layout argument differently: its type there and how to convert it."""

    annotation: Any
    default: Any
    to_arg: Callable[[BaseModel, Any], Any]


def _timestamp(_: BaseModel, value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _install_name(spec: BaseModel, value: str | None) -> str:
    return str(value or getattr(spec, "product_id", None) or getattr(spec, "package_id", None))


#: Where the file differs from the layout: an install's name defaults to its product/package id,
#: and a token's expiry is a date (ISO 8601 or Unix seconds) rather than Unix seconds.
_FILE_ONLY: dict[tuple[type[LayoutArgs], str], _FileOnly] = {
    (InstallArgs, "name"): _FileOnly(str | None, None, _install_name),
    (ApiTokenArgs, "expires_at"): _FileOnly(datetime | None, None, _timestamp),
}


def _field_check(field: ResourceField, to_arg: Callable[[Any], Any] = lambda v: v) -> AfterValidator:
    def check(value: Any) -> Any:
        if value is not None:
            reason = field.validate(field.coerce(to_arg(value)))
            if reason:
                raise ValueError(reason)
        return value

    return AfterValidator(check)


def _file_type(hint: Any) -> Any:
    """The file's type for an unbound layout argument: nested args become nested models."""
    if get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    if isinstance(hint, type) and issubclass(hint, LayoutArgs):
        return _file_model(hint)
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        # pulumi.Input[T] is T | Awaitable[T] | Output[T]: a file holds plain values, so keep T.
        plain = [_file_type(a) for a in args if a is not type(None) and not _is_future(a)]
        return plain[0] | None if type(None) in args else plain[0]
    if origin in (Sequence, tuple, list):
        return tuple[_file_type(args[0]), ...]  # type: ignore[misc]
    return hint


def _is_future(hint: Any) -> bool:
    """An Awaitable or Output type: what a program may pass and a file cannot."""
    import pulumi

    if isinstance(hint, ForwardRef):  # pulumi.Input's "Output[T]"
        return True
    origin = get_origin(hint) or hint
    return isinstance(origin, type) and issubclass(origin, (collections.abc.Awaitable, pulumi.Output))


def _file_model(cls: type[LayoutArgs]) -> type[BaseModel]:
    """The customers-file model of the layout arguments ``cls`` (one class per dataclass)."""
    if cls in _MODELS:
        return _MODELS[cls]
    hints = type_hints(cls)
    bindings = cls.bindings()
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        marker = bound_of(hints[f.name])
        if marker is not None and not marker.in_file:
            continue
        default = None if f.default is dataclasses.MISSING else f.default
        required = f.default is dataclasses.MISSING
        special = _FILE_ONLY.get((cls, f.name))
        if special is not None:
            annotation, default, required = special.annotation, special.default, False
        if f.name in bindings:
            _, declared = bindings[f.name]
            base = _PY_TYPES[declared.type]
            if special is not None:
                to_arg = special.to_arg
                check = _field_check(declared, lambda v, c=to_arg: c(None, v))  # type: ignore[misc]
                annotation = Annotated[special.annotation, check]
            else:
                annotation = Annotated[base if required else base | None, _field_check(declared)]
        elif special is None:
            annotation = _file_type(hints[f.name])
        fields[f.name] = (annotation, PydanticField() if required else PydanticField(default))

    def cross_field_rules(model: BaseModel) -> BaseModel:
        values = {k: getattr(model, k) for k in type(model).model_fields}
        for (owner, name), special in _FILE_ONLY.items():
            if owner is cls and name in values:
                values[name] = special.to_arg(model, values[name])
        problems = cls.check_values(values)
        if problems:
            raise ValueError("; ".join(reason for _, reason in problems))
        return model

    model = create_model(
        cls.__name__.removesuffix("Args") + "Spec",
        __base__=_Spec,
        __doc__=f"A customers-file ``{cls.__name__}`` (fields and rules derived from it).",
        __validators__={"_cross_field_rules": model_validator(mode="after")(cross_field_rules)},  # type: ignore[dict-item]
        **fields,
    )
    _ARGS_OF[model] = cls
    _MODELS[cls] = model
    return model


def to_layout_args(spec: BaseModel, defaults: Mapping[str, Any] | None = None) -> LayoutArgs:
    """The layout arguments a (validated) file model stands for. ``defaults`` fill what the entry
    does not set; file-only fields (such as a customer's ``id``) are left out."""
    cls = next(_ARGS_OF[base] for base in type(spec).__mro__ if base in _ARGS_OF)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in type(spec).model_fields:
            continue
        if defaults and f.name in defaults and f.name not in spec.model_fields_set:
            kwargs[f.name] = defaults[f.name]
            continue
        value = getattr(spec, f.name)
        special = _FILE_ONLY.get((cls, f.name))
        if special is not None:
            value = special.to_arg(spec, value)
        elif isinstance(value, BaseModel):
            value = to_layout_args(value)
        elif isinstance(value, tuple):
            value = tuple(to_layout_args(v) if isinstance(v, BaseModel) else v for v in value)
        kwargs[f.name] = value
    return cls(**kwargs)


Member: Any = _file_model(MemberArgs)
RegionSpec: Any = _file_model(RegionArgs)
ClusterSpec: Any = _file_model(ClusterArgs)
InstallSpec: Any = _file_model(InstallArgs)
ApiTokenSpec: Any = _file_model(ApiTokenArgs)


class Customer(_file_model(CustomerWorkspaceArgs)):  # type: ignore[misc]
    """One customer to onboard: the fields of :class:`~akua_pulumi.components.CustomerWorkspaceArgs`
    plus ``id`` (also the Pulumi stack name) and ``extra`` (free-form, for the program)."""

    id: str = PydanticField(min_length=1, max_length=63, pattern=ID_PATTERN)
    #: Free-form settings for the program; not interpreted by the pipeline.
    extra: dict[str, Any] = PydanticField(default_factory=dict)

    @model_validator(mode="after")
    def _unique_members(self) -> Customer:
        seen: set[str] = set()
        for m in self.members:
            if m.user_id in seen:
                raise ValueError(f"members: user {m.user_id!r} is listed twice")
            seen.add(m.user_id)
        return self

    def layout_args(self, defaults: Mapping[str, Any] | None = None) -> CustomerWorkspaceArgs:
        """This customer's :class:`~akua_pulumi.components.CustomerWorkspaceArgs`; ``defaults``
        (e.g. ``{"tier": "pro"}``) fill the arguments the entry does not set."""
        args = to_layout_args(self, defaults)
        assert isinstance(args, CustomerWorkspaceArgs)
        return args


@dataclass(frozen=True)
class InvalidCustomer:
    """A customers-file entry that failed validation; the pipeline reports it as failed."""

    index: int
    id: str | None
    errors: tuple[str, ...]

    @property
    def label(self) -> str:
        """What reports call it: the id when it has a usable one, else ``customers[i]``."""
        return self.id or f"customers[{self.index}]"

    @property
    def message(self) -> str:
        return "invalid customer: " + "; ".join(self.errors)


@dataclass
class CustomersFile:
    """A parsed customers file: valid customers plus (in lenient mode) the invalid entries."""

    customers: list[Customer] = field(default_factory=list)
    invalid: list[InvalidCustomer] = field(default_factory=list)

    @property
    def entries(self) -> list[Customer | InvalidCustomer]:
        """All entries in file order."""
        both: list[tuple[int, Customer | InvalidCustomer]] = [(i.index, i) for i in self.invalid]
        both += [(self._index[c.id], c) for c in self.customers]
        return [e for _, e in sorted(both, key=lambda t: t[0])]

    _index: dict[str, int] = field(default_factory=dict, repr=False)


# --------------------------------------------------------------------------- error formatting


def _loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "literal_error":
        return "must be " + str(ctx.get("expected", "")).replace("'", "")
    if kind == "string_pattern_mismatch":
        return "must be a lowercase slug (a-z, 0-9 and '-', not starting or ending with '-')"
    if kind == "string_too_short":
        n = ctx.get("min_length")
        return "must not be empty" if n == 1 else f"must be at least {n} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    return str(err.get("msg", kind))


def _format_validation(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = _loc([p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))])
        msg = _message(err)
        lines.append(f"{loc}: {msg}" if loc else msg)
    return lines


# --------------------------------------------------------------------------- parsing

_CUSTOMER_FIELDS = set(Customer.model_fields)


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def parse_customers_file(data: Any, *, source: str | None = None) -> CustomersFile:
    """Validate a decoded customers document, keeping invalid entries as :class:`InvalidCustomer`.

    Raises:
        CustomersFileError: the document's shape is wrong, ``defaults`` is unusable, or ids repeat.
    """
    if not isinstance(data, Mapping):
        raise CustomersFileError(["top level must be a mapping with a 'customers' list"], source)
    unknown = sorted(set(data) - {"customers", "defaults"})
    if unknown:
        raise CustomersFileError(
            [f"{k}: unknown top-level key (expected customers, defaults)" for k in unknown], source
        )
    raw = data.get("customers")
    if not isinstance(raw, list):
        raise CustomersFileError(["customers: is required and must be a list"], source)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise CustomersFileError(["defaults: must be a mapping"], source)
    bad_defaults = sorted(set(defaults) - (_CUSTOMER_FIELDS - {"id", "name", "slug"}))
    if bad_defaults:
        raise CustomersFileError([f"defaults.{k}: cannot be given a default" for k in bad_defaults], source)

    result = CustomersFile()
    first_seen: dict[str, int] = {}
    dupes: list[str] = []
    for i, entry in enumerate(raw):
        raw_id = entry.get("id") if isinstance(entry, Mapping) else None
        label_id = raw_id if isinstance(raw_id, str) and raw_id else None
        if label_id is not None:
            if label_id in first_seen:
                dupes.append(f"customers[{i}] ({label_id}): id: duplicate of customers[{first_seen[label_id]}]")
                continue
            first_seen[label_id] = i
        prefix = f"customers[{i}]" + (f" ({label_id})" if label_id else "")
        if not isinstance(entry, Mapping):
            result.invalid.append(InvalidCustomer(i, None, (f"{prefix}: must be a mapping",)))
            continue
        try:
            customer = Customer.model_validate(_deep_merge(defaults, entry))
        except ValidationError as exc:
            errors = tuple(f"{prefix}: {line}" for line in _format_validation(exc))
            result.invalid.append(InvalidCustomer(i, label_id, errors))
            continue
        result.customers.append(customer)
        result._index[customer.id] = i
    if dupes:
        raise CustomersFileError(dupes, source)
    return result


def parse_customers(data: Any, *, source: str | None = None) -> list[Customer]:
    """Validate a decoded customers document strictly.

    Raises:
        CustomersFileError: listing every problem, each naming the customer index/id and the field.
    """
    parsed = parse_customers_file(data, source=source)
    if parsed.invalid:
        raise CustomersFileError([e for inv in parsed.invalid for e in inv.errors], source)
    return parsed.customers


def _decode(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CustomersFileError([f"cannot read: {exc.strerror or exc}"], str(path)) from exc
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CustomersFileError([f"invalid JSON at line {exc.lineno}: {exc.msg}"], str(path)) from exc
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise CustomersFileError(
            ["reading YAML needs PyYAML: pip install 'akua-pulumi[pipeline]' (or use a .json file)"],
            str(path),
        ) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CustomersFileError([f"invalid YAML{where}: {problem}"], str(path)) from exc


def read_customers_file(path: str | Path) -> CustomersFile:
    """Read a YAML or JSON customers file leniently (see :func:`parse_customers_file`)."""
    p = Path(path)
    return parse_customers_file(_decode(p), source=str(p))


def load_customers(path: str | Path) -> list[Customer]:
    """Read a YAML or JSON customers file strictly (see :func:`parse_customers`)."""
    p = Path(path)
    return parse_customers(_decode(p), source=str(p))

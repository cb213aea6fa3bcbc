"""The customers-file schema, derived from the layouts' argument dataclasses.

Each model here is generated from a layout's argument dataclass (:mod:`akua_pulumi.components`):
same field names, same defaults, and every argument bound to a resource field is checked by that
resource field's own ``validate`` (then by the resource's cross-field rules), so the customers file
accepts and rejects exactly what the layout and the resource do, with the same message. A new
layout argument appears here by itself; ``_FILE_ONLY`` lists the few places the file differs.
Reading the file is :mod:`.customers`.
"""

from __future__ import annotations

import collections.abc
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import UnionType
from typing import Annotated, Any, ForwardRef, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, create_model, model_validator
from pydantic import Field as PydanticField

from ..components import ApiTokenArgs, ClusterArgs, CustomerWorkspaceArgs, InstallArgs, MemberArgs, RegionArgs
from ..components._args import BillingPlan, LayoutArgs, bound_of, type_hints
from ..resources._fields import Field as ResourceField
from ..stripe import layout as _billing_layout  # noqa: F401  (registers the plan of `billing:` entries)

__all__ = [
    "ID_PATTERN",
    "ApiTokenSpec",
    "ClusterSpec",
    "Customer",
    "InstallSpec",
    "Member",
    "RegionSpec",
    "to_layout_args",
]

#: A customer id doubles as the Pulumi stack name, so it is a plain lowercase slug.
ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    if hint is BillingPlan:  # the layouts' billing plug: the registered family's plan
        hint = BillingPlan.implementation()
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

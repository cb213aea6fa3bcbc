"""Layout arguments bound to resource declarations: one declaration per layout field.

A layout argument that ends up on a resource is annotated with :class:`Bound`, which names the
resource and (when it differs) the resource's field. Its constraints, its docs and its place in the
customers file then come from that field (``provider_class.field_map()``), never from a copy::

    @dataclass(frozen=True)
    class MemberArgs(LayoutArgs):
        user_id: Annotated[str, Bound(WorkspaceMember)]
        role: Annotated[str, Bound(WorkspaceMember)] = declared_default(WorkspaceMember, "role")

Constructing the dataclass checks every bound value with the resource's own ``Field.validate`` and
then the resource's cross-field rules (``provider.validate``), so a layout rejects exactly what the
resource rejects at preview, with the same message. Values not known yet (an ``Output``) are left
to the resource, as the engine does at preview. ``inputs_for(Resource)`` hands the bound values to
the resource, so a new field flows from the args to the resource and into the customers file
(:mod:`akua_pulumi.automation.customers`) with no other edit.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, get_args, get_origin

import pulumi
from pulumi.output import Unknown

from ..errors import AkuaError
from ..resources._fields import Field
from ..resources._resource import AkuaResource

__all__ = ["BillingPlan", "Bound", "LayoutArgs", "LayoutArgsError", "LayoutError", "declared_default"]


class LayoutError(AkuaError, ValueError):
    """A layout cannot be declared as given (an install naming a region the layout lacks...)."""


class LayoutArgsError(LayoutError):
    """A layout argument breaks its resource's rules; the message names the class and the field."""

    def __init__(self, owner: str, problems: list[tuple[str, str]]) -> None:
        self.owner = owner
        self.problems = problems
        super().__init__("; ".join(f"{owner}.{name}: {reason}" for name, reason in problems))


@dataclasses.dataclass(frozen=True)
class Bound:
    """``Annotated`` marker: this argument is ``resource``'s declared field ``field`` (default: the
    argument's own name). ``in_file=False`` keeps it out of the customers file (secrets)."""

    resource: type[AkuaResource]
    field: str | None = None
    in_file: bool = True


def declared_default(resource: type[AkuaResource], field: str) -> Any:
    """The default ``resource`` declares for ``field``: a bound argument's default, never a copy of it."""
    return resource.provider_class.field_map()[field].default


def bound_of(hint: Any) -> Bound | None:
    """The :class:`Bound` marker of an ``Annotated`` type hint, if any."""
    if get_origin(hint) is Annotated:
        return next((m for m in get_args(hint)[1:] if isinstance(m, Bound)), None)
    return None


def type_hints(cls: type) -> dict[str, Any]:
    """The dataclass fields' annotations, evaluated with their ``Annotated`` extras in the namespace
    the class was defined in (a module, or the globals of ``exec``'d code). Forward references
    nested in library types (``pulumi.Input`` holds ``"Output[T]"``) stay unevaluated."""
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass is LayoutArgs or not issubclass(klass, LayoutArgs):
            continue
        namespace: tuple[dict[str, Any], Mapping[str, Any]] = klass.__dict__.get("_namespace") or (
            vars(sys.modules[klass.__module__]),
            {},
        )
        for name, annotation in inspect.get_annotations(klass).items():
            hints[name] = eval(annotation, *namespace) if isinstance(annotation, str) else annotation
    return hints


def _known(value: Any) -> Any:
    """The value as ``check`` sees it at preview: an Output or awaitable is not known yet."""
    from pulumi import Output

    if isinstance(value, Output) or inspect.isawaitable(value):
        return Unknown()
    return value


class LayoutArgs:
    """Base of the layouts' argument dataclasses (see the module docstring)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    #: Globals and locals of the code that defined the class, to evaluate its annotations in.
    _namespace: ClassVar[tuple[dict[str, Any], Mapping[str, Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Called from the ``class`` statement: the caller's frame holds the names its annotations use.
        frame = sys._getframe(1)
        cls._namespace = (frame.f_globals, frame.f_locals)

    def __post_init__(self) -> None:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        problems = self.check_values(values)
        if problems:
            raise LayoutArgsError(type(self).__name__, problems)

    @classmethod
    @functools.cache
    def bindings(cls) -> dict[str, tuple[type[AkuaResource], Field]]:
        """``{arg name: (resource class, its declared Field)}`` for every bound argument."""
        hints = type_hints(cls)
        out: dict[str, tuple[type[AkuaResource], Field]] = {}
        for f in dataclasses.fields(cls):
            marker = bound_of(hints[f.name])
            if marker is None:
                continue
            declared = marker.resource.provider_class.field_map()
            key = marker.field or f.name
            if key not in declared:
                raise TypeError(f"{cls.__name__}.{f.name}: {marker.resource.__name__} declares no field {key!r}")
            out[f.name] = (marker.resource, declared[key])
        return out

    @classmethod
    def check_values(cls, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``[(argument, reason)]``: each bound value checked by its resource field, then each
        resource's cross-field rules. ``None`` means "not given" (the layout or the server fills it)."""
        problems: list[tuple[str, str]] = []
        per_resource: dict[type[AkuaResource], dict[str, Any]] = {}
        arg_of: dict[tuple[type[AkuaResource], str], str] = {}
        for name, (resource, field) in cls.bindings().items():
            value = values.get(name)
            if value is None:
                if field.default is None:
                    continue
                value = field.default
            value = field.coerce(_known(value))
            reason = field.validate(value)
            if reason:
                problems.append((name, reason))
            per_resource.setdefault(resource, {})[field.name] = value
            arg_of[(resource, field.name)] = name
        if problems:
            return problems
        for resource, inputs in per_resource.items():
            for prop, reason in resource.provider_class().validate(inputs):
                problems.append((arg_of.get((resource, prop), prop), reason))
        return problems

    def inputs_for(self, resource: type[AkuaResource]) -> dict[str, Any]:
        """The bound arguments of ``resource`` as its keyword arguments (``None`` ones left out)."""
        out: dict[str, Any] = {}
        for name, (bound, field) in self.bindings().items():
            value = getattr(self, name)
            if bound is resource and value is not None:
                out[field.name] = value
        return out


class BillingPlan(LayoutArgs):
    """The layouts' billing plug: ``CustomerWorkspaceArgs(billing=...)`` takes a plan, which declares its
    resources beside the workspace (:meth:`declare`). The layouts never import a billing family: the
    family registers its plan class (:meth:`register`; :mod:`akua_pulumi.stripe.layout` registers
    ``BillingArgs`` when imported) and the customers file reads ``billing:`` as that class."""

    _implementation: ClassVar[type[BillingPlan] | None] = None
    #: The component that declares a plan's resources, called as :meth:`declare` is (the family sets it).
    component: ClassVar[Callable[..., pulumi.ComponentResource] | None] = None

    @staticmethod
    def register(plan: type[BillingPlan]) -> None:
        """Make ``plan`` the class the customers file reads ``billing:`` entries as."""
        BillingPlan._implementation = plan

    @staticmethod
    def implementation() -> type[BillingPlan]:
        """The registered plan class (the customers file's ``billing:``)."""
        if BillingPlan._implementation is None:
            raise LayoutError("no billing plan is registered: import akua_pulumi.stripe.layout")
        return BillingPlan._implementation

    def declare(
        self,
        name: str,
        *,
        workspace_id: pulumi.Input[str],
        customer_name: pulumi.Input[str] | None,
        opts: pulumi.ResourceOptions,
    ) -> pulumi.ComponentResource:
        """Declare the plan's resources for the workspace ``workspace_id``, as children per ``opts``: the
        family's :attr:`component` for this plan."""
        component = type(self).component
        if component is None:
            raise NotImplementedError(f"{type(self).__name__} declares no billing resources")
        return component(name, self, workspace_id=workspace_id, customer_name=customer_name, opts=opts)

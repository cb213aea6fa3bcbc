"""The typed Python surface derived from a provider's declaration (rendered by ``scripts/gen-resources``).

For each resource, ``_generated.py`` holds ``<Name>ArgsDict`` (TypedDict), ``<Name>Args`` (dataclass)
and ``<Name>Base``: the keyword-only typed ``__init__`` and the ``pulumi.Output`` annotations with each
field's description. The resource module then only names the type::

    class Workspace(WorkspaceBase, module="akua", name="Workspace"):
        \"\"\"An Akua workspace.\"\"\"

        provider_class = WorkspaceProvider

Nothing here is written by hand per resource: a new field is one line in the provider's ``fields``.
An API family other than Akua (the Stripe resources) gets its own generated module, whose ``<Name>Base``
classes derive from the family's resource base (:data:`STRIPE`: ``akua_pulumi/stripe/_generated.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._fields import Field, Kind
from ._provider import SEED_FIELD

if TYPE_CHECKING:
    from ._provider import LifecycleProvider

__all__ = [
    "AKUA",
    "STRIPE",
    "Family",
    "common_fields",
    "constructor_fields",
    "not_generated_yet",
    "output_fields",
    "python_type",
    "render_module",
]

_TYPES = {str: "str", int: "int", bool: "bool", float: "float", dict: "dict[str, Any]", list: "list[Any]"}


def not_generated_yet(name: str, base: type | None = None, module: str = "akua_pulumi.resources._generated") -> Any:
    """``_generated``'s module ``__getattr__``: a resource module newer than the generated file (before
    ``scripts/gen-resources`` ran) gets untyped stand-ins (on ``base``, default ``AkuaResource``) that
    behave the same at runtime."""
    if base is None:
        from ._resource import AkuaResource

        base = AkuaResource
    if name.endswith("Base"):
        return type(name, (base,), {"__module__": module})
    if name.endswith(("Args", "ArgsDict")):
        return dict
    raise AttributeError(name)


_OPTS = "pulumi.ResourceOptions | None"


def python_type(f: Field) -> str:
    return _TYPES.get(f.type, f.type.__name__)


def constructor_fields(provider: type[LifecycleProvider[Any]]) -> list[Field]:
    """The fields a program may set: every input but the hidden ones; ``adopt`` only with a natural key."""
    hidden = {SEED_FIELD.name, provider.connection_field.name}
    if not getattr(provider, "natural_key", ()):
        hidden.add("adopt")
    return [f for f in provider.all_fields() if f.is_input and f.name not in hidden]


def output_fields(provider: type[LifecycleProvider[Any]]) -> list[Field]:
    """The attributes a resource exposes: its declared fields except options and hidden ones."""
    return [f for f in provider.all_fields() if f.kind is not Kind.OPTION]


def _doc(text: str, indent: str) -> list[str]:
    text = " ".join(text.split()).replace('"""', "'''").replace("\\", "\\\\") or "(undocumented)"
    return [f'{indent}"""{text}"""']


def shared_fields(provider: type[LifecycleProvider[Any]]) -> list[Field]:
    """The constructor fields a resource may share with others of its family through a generated base:
    its scope fields and its options (``adopt``, ``adopt_id``...)."""
    scope = provider.scope_fields()
    return [f for f in constructor_fields(provider) if f in scope or f.kind is Kind.OPTION]


def _base_name(f: Field) -> str:
    return "_" + "".join(part.capitalize() for part in f.name.split("_"))


def _args_classes(name: str, doc: str, fields: list[Field], bases: list[str]) -> list[str]:
    """``<name>ArgsDict`` and ``<name>Args`` with ``fields``, on the shared ``bases`` (their names' stems)."""
    as_dict, as_class = [], []
    for f in fields:
        t = f"pulumi.Input[{python_type(f)}]"
        as_dict += [f"    {f.name}: Required[{t}]" if f.required else f"    {f.name}: NotRequired[{t} | None]"]
        as_class += [f"    {f.name}: {t}" if f.required else f"    {f.name}: {t} | None = None"]
        as_dict += _doc(f.description, "    ")
        as_class += _doc(f.description, "    ")
    dict_bases = ", ".join(f"{b}ArgsDict" for b in bases) or "TypedDict"
    class_bases = f"({', '.join(f'{b}Args' for b in bases)})" if bases else ""
    return [
        "",
        "",
        f"class {name}ArgsDict({dict_bases}, total=False):",
        *_doc(f"{doc}, as keywords.", "    "),
        *(["", *as_dict] if as_dict else []),
        "",
        "",
        "@dataclass(frozen=True, kw_only=True)",
        f"class {name}Args{class_bases}:",
        *_doc(f"{doc}.", "    "),
        *(["", *as_class] if as_class else []),
    ]


def render_class(
    name: str,
    type_name: str,
    provider: type[LifecycleProvider[Any]],
    base: str = "AkuaResource",
    shared: tuple[Field, ...] = (),
) -> list[str]:
    """The surface of one resource; of its fields, those in ``shared`` come from their generated bases."""
    ctor = constructor_fields(provider)
    bases = [_base_name(f) for f in ctor if f in shared]
    out = _args_classes(name, f"Arguments of {type_name}", [f for f in ctor if f not in shared], bases)
    out += ["", "", f"class {name}Base({base}):", *_doc(f"The typed surface of {type_name}.", "    ")]
    out.append("")
    for f in output_fields(provider):
        optional = "" if f.required or f.server_default or f.kind is Kind.OUTPUT else " | None"
        out += [f"    {f.name}: pulumi.Output[{python_type(f)}{optional}]", *_doc(f.description, "    ")]
    out += [
        "",
        "    @overload",
        f"    def __init__(self, resource_name: str, args: {name}Args, opts: {_OPTS} = None) -> None: ...",
        "    @overload",
        "    def __init__(",
        f"        self, resource_name: str, *, opts: {_OPTS} = None, **kwargs: Unpack[{name}ArgsDict]",
        "    ) -> None: ...",
        "    def __init__(self, resource_name: str, args: Any = None, opts: Any = None, **kwargs: Any) -> None:",
        "        super().__init__(resource_name, args, opts, **kwargs)",
    ]
    return out


HEADER = '''"""Typed surface of every resource, generated by scripts/gen-resources from the declarations.

Do not edit: change a provider's ``fields`` and run the script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import pulumi
from typing_extensions import NotRequired, Required, TypedDict, Unpack

from ._resource import AkuaResource
from ._surface import not_generated_yet as __getattr__  # noqa: F401 (stand-ins for new modules)
'''

STRIPE_HEADER = '''"""Typed surface of every Stripe resource, generated by scripts/gen-resources from the declarations.

Do not edit: change a provider's ``fields`` and run the script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import pulumi
from typing_extensions import NotRequired, Required, TypedDict, Unpack

from ..resources._surface import not_generated_yet
from ._base import StripeResource


def __getattr__(name: str) -> Any:  # stand-ins for resource modules newer than this file
    return not_generated_yet(name, StripeResource, __name__)
'''
#: The line of a family module's head that an import of the Akua module's shared bases goes before.
_SURFACE_IMPORT = "from ..resources._surface import not_generated_yet"


@dataclass(frozen=True)
class Family:
    """An API family's generated module: its resource base class, and the module's head."""

    base: str
    header: str
    #: The generated module, relative to the repository root.
    target: str


AKUA = Family("AkuaResource", HEADER, "akua_pulumi/resources/_generated.py")
STRIPE = Family("StripeResource", STRIPE_HEADER, "akua_pulumi/stripe/_generated.py")


def common_fields(classes: list[tuple[str, str, type[LifecycleProvider[Any]]]]) -> list[Field]:
    """The scope and option fields several of ``classes`` declare alike: each gets a base of its own."""
    declared = [f for _, _, provider in classes for f in shared_fields(provider)]
    common: list[Field] = []
    for f in declared:
        alike = [g for g in declared if g.name == f.name]
        if f not in common and len(alike) > 1 and all(g == f for g in alike):
            common.append(f)
    return common


def render_module(
    classes: list[tuple[str, str, type[LifecycleProvider[Any]]]],
    family: Family = AKUA,
    reused: list[Field] | None = None,
) -> str:
    """The generated module of ``family`` for ``(class name, type name, provider)`` triples. A shared field
    in ``reused`` (the Akua module's :func:`common_fields`) takes its bases from the Akua module."""
    names = sorted(f"{n}{suffix}" for n, _, _ in classes for suffix in ("Args", "ArgsDict", "Base"))
    common = common_fields(classes)
    imported = [f for f in common if f in (reused or [])]
    header = family.header.rstrip("\n")
    if imported:
        bases = ", ".join(sorted(f"{_base_name(f)}{suffix}" for f in imported for suffix in ("Args", "ArgsDict")))
        header = header.replace(_SURFACE_IMPORT, f"from ..resources._generated import {bases}\n{_SURFACE_IMPORT}")
    out = [header, "", "__all__ = [", *(f'    "{n}",' for n in names), "]"]
    for f in common:
        if f not in imported:
            out += _args_classes(_base_name(f), f"The shared argument {f.name}", [f], [])
    for name, type_name, provider in classes:
        out += render_class(name, type_name, provider, family.base, tuple(common))
    return "\n".join(out) + "\n"

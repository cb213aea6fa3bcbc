"""Recovering the creates a dead run left pending: what to adopt rather than create again."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._resource import AkuaResource
from ._seed import Seed

__all__ = ["pending_create_adoptions"]


def _resource_classes() -> dict[str, type[AkuaResource]]:
    """Every resource class by name (the ``type_name`` of a seed); importing this package
    registered them all."""

    classes: dict[str, type[AkuaResource]] = {}
    todo: list[type[AkuaResource]] = [AkuaResource]
    while todo:
        for sub in todo.pop().__subclasses__():
            classes[sub.__name__] = sub
            todo.append(sub)
    return classes


def pending_create_adoptions(
    pending_operations: Iterable[Mapping[str, Any]], note: Callable[[str], None] = lambda line: None
) -> dict[str, str]:
    """``{akua_seed: id}`` of the objects a dead run's in-flight creates made, to adopt.

    A run killed during a create leaves a *pending create* in the state: the object may exist in
    the API while the state has no id for it, and a plain retry would create it again (or, for a
    natural key such as a workspace slug, fail on the conflict). Each pending create's resource is
    looked up by its natural key (the provider's own ``api_find``); ``note`` gets one line per
    lookup. Best effort: a failed lookup means the create simply runs again.
    """
    classes = _resource_classes()
    adoptions: dict[str, str] = {}
    for op in pending_operations:
        resource = op.get("resource") or {}
        inputs = resource.get("inputs") or {}
        seed = Seed.parse(inputs.get("akua_seed"))
        cls = classes.get(seed.type_name) if seed is not None and op.get("type") == "creating" else None
        if cls is None:
            continue
        provider = cls.provider_class()
        try:
            props = provider._inputs(inputs)
            found = provider.api_find(provider._context(props), props)
        except Exception as exc:
            note(f"pending create {resource.get('urn')}: lookup failed: {exc}")
            continue
        if found is not None:
            adoptions[str(seed)] = provider.object_id(found)
            note(f"pending create {resource.get('urn')}: adopting {provider.object_id(found)}")
    return adoptions

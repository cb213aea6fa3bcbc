"""Request bodies and read-back from the field declarations: what ``send``, ``wire``, ``encode`` and
``cleared`` say (see :mod:`._fields`). The lifecycle's ``create_body`` / ``update_body`` / ``project``
call these; a hook that needs another shape starts from their result."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from ._fields import OMIT, Field, Kind

__all__ = ["create_body", "project", "put", "read", "update_body"]


def put(body: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    """Set ``value`` at ``path`` in ``body``, making the objects and lists on the way."""
    node: Any = body
    for step, nxt in itertools.pairwise(path):
        if isinstance(step, int):
            while len(node) <= step:
                node.append(None)
            if node[step] is None:
                node[step] = [] if isinstance(nxt, int) else {}
            node = node[step]
        else:
            node = node.setdefault(step, [] if isinstance(nxt, int) else {})
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def read(obj: Mapping[str, Any], path: tuple[str | int, ...]) -> tuple[bool, Any]:
    """``(True, value)`` at ``path`` in ``obj``, or ``(False, None)`` when the path is absent."""
    node: Any = obj
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or len(node) <= step:
                return False, None
        elif not isinstance(node, Mapping) or step not in node:
            return False, None
        node = node[step]
    return True, node


def _wire_value(f: Field, value: Any) -> Any:
    return f.encode(value) if f.encode is not None else value


def create_body(fields: Iterable[Field], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The create request: every field sent on create that has a value, in its wire shape."""
    body: dict[str, Any] = {}
    for f in fields:
        value = inputs.get(f.name)
        if "create" in f.sent_on and value is not None:
            put(body, f.wire_path, _wire_value(f, value))
    return body


def update_body(
    fields: Iterable[Field], inputs: Mapping[str, Any], changed: Iterable[str], clear_value: Any = None
) -> dict[str, Any]:
    """The update request: the ``changed`` fields sent on update; a removed value sends its ``cleared``
    value (None: the family's ``clear_value``; :data:`OMIT`: nothing)."""
    names = set(changed)
    body: dict[str, Any] = {}
    for f in fields:
        if f.name not in names or "update" not in f.sent_on:
            continue
        value = inputs.get(f.name)
        if value is None:
            cleared = clear_value if f.cleared is None else f.cleared
            if cleared is not OMIT:
                put(body, f.wire_path, cleared)
            continue
        put(body, f.wire_path, _wire_value(f, value))
    return body


def project(
    fields: Iterable[Field], obj: Mapping[str, Any], by_wire: bool = False, absent_is_none: bool = False
) -> dict[str, Any]:
    """The fields an API object shows, by field name: each read from its path and decoded.

    A field absent from the object is left out (its value is kept), except a nested one whose parent
    object is there, and any field but options and write-only ones with ``absent_is_none`` (an API that
    omits a cleared value): the API shows it unset, so it reads as None.
    """
    out: dict[str, Any] = {}
    for f in fields:
        if absent_is_none and f.kind is not Kind.OPTION and not f.write_only:
            found, value = read(obj, f.read_path(by_wire))
            out[f.name] = f.decode(value) if found and f.decode is not None and value is not None else value
            continue
        if by_wire and f.encode is not None and f.decode is None and f.read is None:
            continue  # sent in another shape than it is shown: nothing to read back
        path = f.read_path(by_wire)
        found, value = read(obj, path)
        if not found and len(path) > 1:
            found, value = read(obj, path[:-1])[0], None
        if found:
            out[f.name] = f.decode(value) if f.decode is not None and value is not None else value
    return out

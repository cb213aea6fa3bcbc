"""The one way an id enters a URL path: :func:`api_path` encodes each id as exactly one path segment.

An id comes from a user (``adopt_id``, ``.get(id)``, ``user_id``, a lookup argument) or from a server
answer; either way it must never choose which object a request reaches. Joined unescaped, an id of
``../api_tokens`` climbs out of its collection, ``a/b`` adds a segment, ``a?b=c`` starts a query and
``a#b`` a fragment. Percent-encoding every reserved character (``quote(id, safe="")``) keeps the id
inside its segment; the server decodes it once and sees the id exactly as given.

Two ids cannot be a segment at all: ``.`` and ``..`` are dot segments, which URL normalisation (httpx
included) removes or resolves, and the empty id leaves an empty segment. Both raise
:class:`InvalidPathIdError` naming the value, before anything is sent.
"""

from __future__ import annotations

from urllib.parse import quote

from ..errors import AkuaError

__all__ = ["InvalidPathIdError", "api_path", "check_path"]

_DOT_SEGMENTS = frozenset({".", ".."})


class InvalidPathIdError(AkuaError, ValueError):
    """An id that cannot be one URL path segment (empty, ``.``, ``..``, ``None``), or a path with a dot
    segment that URL normalisation would resolve (the request would reach another object)."""


def encode_segment(value: object) -> str:
    """``value`` as one percent-encoded path segment (every reserved character escaped)."""
    if value is None:
        raise InvalidPathIdError("an id in a request path is None: the object's id is missing")
    text = str(value)
    if text == "" or text in _DOT_SEGMENTS:
        raise InvalidPathIdError(
            f"{text!r} cannot be an id in a request path (empty, '.' and '..' are not ids; URL "
            "normalisation would change which object the request reaches)"
        )
    return quote(text, safe="")


def api_path(template: str, *ids: object) -> str:
    """Build an API path, each ``{}`` in ``template`` replaced by one id encoded as one path segment.

    >>> api_path("/clusters/{}:suspend", "clu_1")
    '/clusters/clu_1:suspend'
    >>> api_path("/secrets/{}/versions/{}", "sec 1", "../api_tokens")
    '/secrets/sec%201/versions/..%2Fapi_tokens'

    Every id that reaches a path goes through here (the client, every resource, every lookup): never
    join an id into a path with an f-string. ``{}`` must stand alone; the count of ``{}`` and of ids
    must agree (``TypeError`` otherwise, a programming error). An empty id, ``None``, ``.`` or ``..``
    raises :class:`InvalidPathIdError` (an :class:`~akua_pulumi.errors.AkuaError` and a ``ValueError``).
    """
    parts = template.split("{}")
    if len(parts) - 1 != len(ids):
        raise TypeError(f"api_path({template!r}) has {len(parts) - 1} placeholder(s) but got {len(ids)} id(s)")
    out = [parts[0]]
    for value, part in zip(ids, parts[1:], strict=True):
        out.append(encode_segment(value))
        out.append(part)
    return "".join(out)


def check_path(path: str) -> None:
    """Refuse a path that URL handling would change: a ``.`` or ``..`` segment (httpx resolves it) or a
    ``#`` (the rest would be a fragment, never sent). Either means an id was joined in unencoded."""
    raw = path.split("?", 1)[0]
    bad = "#" if "#" in path else next((s for s in raw.split("/") if s in _DOT_SEGMENTS), None)
    if bad is not None:
        raise InvalidPathIdError(
            f"request path {path!r} holds {bad!r}, which URL handling would turn into another path; "
            "build paths with akua_pulumi.client.api_path"
        )

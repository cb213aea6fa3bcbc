"""akua-local's HTTP boundary: body and nesting limits, the raw request path, the control-plane token.

Everything here runs before a request reaches a handler, so the checks are cheap and never read more
than they allow (docs/akua-local.md, "Limits").
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from .errors import LocalApiError, Unauthenticated, ValidationFailed

__all__ = [
    "MAX_BODY",
    "MAX_CONTENT_LENGTH_DIGITS",
    "MAX_DEPTH",
    "MAX_HEADER_BYTES",
    "PayloadTooLarge",
    "check_content_length",
    "control_authorized",
    "decode_segment",
    "json_too_deep",
    "raw_path",
    "read_body",
]

MAX_BODY = 1024 * 1024  # bytes: a larger body gets 413 before it is read
MAX_DEPTH = 64  # JSON nesting: deeper gets 400 before it is parsed
MAX_HEADER_BYTES = 64 * 1024  # request line plus headers (431 beyond, from the server)
MAX_CONTENT_LENGTH_DIGITS = 18  # a longer Content-Length is not a length but garbage: 400


class PayloadTooLarge(LocalApiError):
    """413/7001: the declared body is larger than :data:`MAX_BODY`."""

    status, code = 413, 7001


def check_content_length(environ: dict[str, Any]) -> int:
    """The declared body length; 400 when ``Content-Length`` is not a length, 413 over :data:`MAX_BODY`."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not declared:
        return 0
    if not declared.isascii() or not declared.isdigit() or len(declared) > MAX_CONTENT_LENGTH_DIGITS:
        raise ValidationFailed("Content-Length must be a non-negative integer", path=["headers", "content-length"])
    length = int(declared)
    if length > MAX_BODY:
        raise PayloadTooLarge(f"request body of {length} bytes exceeds the limit of {MAX_BODY} bytes")
    return length


def read_body(environ: dict[str, Any]) -> tuple[bool, bytes]:
    """``(has_body, raw)``: reads at most :data:`MAX_BODY` bytes once and caches them in the environ.

    Raises 400 for a bad ``Content-Length`` or a JSON-looking body nested deeper than :data:`MAX_DEPTH`,
    413 for a body over the limit (checked on the declared length, before reading).
    """
    cached: tuple[bool, bytes] | None = environ.get("akua.body")
    if cached is not None:
        return cached
    length = check_content_length(environ)
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    if len(raw) > MAX_BODY:  # a WSGI server that ignored the declared length
        raise PayloadTooLarge(f"request body exceeds the limit of {MAX_BODY} bytes")
    if json_too_deep(raw):
        raise ValidationFailed(f"request body nests deeper than {MAX_DEPTH} levels", path=["body"])
    body = (bool(raw.strip()), raw)
    environ["akua.body"] = body
    return body


def json_too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether ``raw`` opens more than ``limit`` nested arrays/objects (brackets inside strings ignored).

    A linear scan without recursion, so a 100,000-deep document is refused before ``json.loads`` sees it.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def raw_path(environ: dict[str, Any]) -> str:
    """The request path still percent-encoded, so segments are split before anything is decoded.

    Taken from ``REQUEST_URI``/``RAW_URI`` (the request target as sent) where the server gives it; else
    ``PATH_INFO`` (already decoded by the server) is re-encoded, which keeps ``%252F`` as one literal
    ``%2F`` but cannot tell a decoded ``%2F`` from ``/``.
    """
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if target:
        if not target.startswith("/"):
            target = urlsplit(target).path or "/"  # absolute-form: http://host/path
        return target.split("?", 1)[0].split("#", 1)[0] or "/"
    path = environ.get("PATH_INFO", "") or "/"
    try:
        data = path.encode("latin-1")  # PEP 3333: bytes tunnelled through latin-1
    except UnicodeEncodeError:
        data = path.encode("utf-8")  # a test transport that passes text
    return quote(data, safe="/:@!$&'()*+,;=~")


def decode_segment(segment: str) -> str:
    """Percent-decode one raw path segment exactly once (UTF-8; invalid bytes become U+FFFD)."""
    try:
        data = segment.encode("latin-1")
    except UnicodeEncodeError:
        data = segment.encode("utf-8")
    return unquote_to_bytes(data).decode("utf-8", "replace")


def control_authorized(environ: dict[str, Any], owner_token: str) -> bool:
    """Whether the request carries ``Authorization: Bearer <owner token>`` (compared in constant time)."""
    header = str(environ.get("HTTP_AUTHORIZATION") or "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or not owner_token:
        return False
    return hmac.compare_digest(token.strip().encode("utf-8", "replace"), owner_token.encode("utf-8"))


def unauthorized() -> LocalApiError:
    """The 401 of a control-plane request without the owner token."""
    return Unauthenticated("the /_local control plane requires Authorization: Bearer <the owner token>")

"""The client's exception tree, and the one function that maps an error response onto it.

The classes, by status: 400/422 ``ValidationError`` (``.field_path``), 401 ``AuthenticationError``,
403 ``PermissionDeniedError``, 404 ``NotFoundError``, 409 ``ConflictError`` (``EtagMismatchError``:
409 ABORTED, ``.current_etag``), 429 ``RateLimitedError`` (``.retry_after``), 5xx ``ServerError``, any
other ``ApiError``; no response: ``TransportError``; operations: ``OperationFailedError``,
``OperationTimeoutError``; ``ConfigurationError``. Each is also the category of :mod:`akua_pulumi.errors`
it means (``NotFoundError`` is a ``NotFound``...): that module's docstring draws the package's one tree.

Usage errors (calling the client wrongly, e.g. omitting a required ``if_match``) raise plain
:class:`ValueError`, outside the tree, as httpx does.

No message, ``repr``, hint or attribute of these classes ever carries a secret the request carried
(the API token, and the values the caller declared secret, see ``AkuaClient.with_secrets``): server
messages, codes, field paths, metadata and error entries are scrubbed (``***``) before they are stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import (
    AkuaError,
    Conflict,
    EtagMismatch,
    NotFound,
    OperationFailed,
    PermissionDenied,
    RateLimited,
    ServerFailure,
    Transport,
)

__all__ = [
    "AkuaError",
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "EtagMismatchError",
    "NotFoundError",
    "OperationFailedError",
    "OperationTimeoutError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "error_from_response",
    "scrub",
    "scrub_value",
    "secret_strings",
]

_TOKEN_PATTERN = re.compile(r"sk_akua_[A-Za-z0-9_\-]*")
_BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
#: Secrets shorter than this are replaced only where they stand quoted ('ab', "ab"): replacing every
#: occurrence of two letters would garble the message without protecting anything.
_MIN_BARE_SECRET = 4


def secret_strings(*values: Any) -> tuple[str, ...]:
    """Every string inside ``values`` (nested mappings and sequences walked; keys left out), longest
    first: the secret values a request carried, ready for :func:`scrub`."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if value:
                found.add(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                walk(item)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            walk(str(value))
        elif hasattr(value, "get_secret_value"):  # pydantic.SecretStr
            walk(value.get_secret_value())

    for value in values:
        walk(value)
    return tuple(sorted(found, key=lambda s: (-len(s), s)))


def _forms(secret: str) -> set[str]:
    """``secret`` as a server may echo it: as is, JSON-escaped, or Python-repr-escaped (jsonschema)."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1]}


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every secret in ``text`` with ``***`` (as echoed plainly, JSON- or repr-escaped), and
    anything that looks like a credential (``sk_akua_…`` tokens, ``Bearer …`` values)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in sorted(_forms(secret), key=len, reverse=True):
            if len(form) >= _MIN_BARE_SECRET:
                text = text.replace(form, "***")
            else:
                for quote in ("'", '"'):
                    text = text.replace(f"{quote}{form}{quote}", f"{quote}***{quote}")
    text = _TOKEN_PATTERN.sub("sk_akua_***", text)
    return _BEARER_PATTERN.sub(r"\1***", text)


def scrub_value(value: Any, secrets: Iterable[str] = ()) -> Any:
    """:func:`scrub` every string inside ``value`` (mapping keys included), keeping its shape."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, Mapping):
        return {scrub_value(k, secrets): scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_value(v, secrets) for v in value]
    return value


class ConfigurationError(AkuaError):
    """The client is missing configuration it needs (API token, URL) or it is malformed."""


class TransportError(Transport):
    """No HTTP response was received: connection refused/reset, timeout, or a protocol error.

    Wraps the underlying :class:`httpx.TransportError` (available as ``__cause__``).
    """

    def __init__(self, message: str, *, operation: str, method: str, url_path: str) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.method = method
        self.url_path = url_path
        #: What the user can do about it (set by the client, e.g. naming the API URL).
        self.hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.operation}: transport error: {self.message}"
        return f"{text}. {self.hint}" if self.hint else text


class OperationFailedError(OperationFailed):
    """A long-running Operation reached ``FAILED`` or ``CANCELLED``; ``message`` is its ``error.message``."""

    def __init__(self, operation_id: str, state: str, message: str | None, operation: Mapping[str, Any]):
        self.operation_id = operation_id
        self.state = state
        self.message = message or "(no error message)"
        self.operation = dict(operation)
        super().__init__(f"operation {operation_id} {state}: {self.message}")


class OperationTimeoutError(AkuaError):
    """A long-running Operation was still running when the caller's timeout ran out."""

    def __init__(self, operation_id: str, timeout: float, last_state: str | None) -> None:
        self.operation_id = operation_id
        self.timeout = timeout
        self.last_state = last_state
        super().__init__(f"operation {operation_id} not done after {timeout:g}s (last state {last_state or 'unknown'})")


class ApiError(AkuaError):
    """The API answered with an error status. ``code`` is the envelope's code (int, or str in the
    alternative ``{"error": {...}}`` shape); ``path`` names the offending field when the server says."""

    def __init__(
        self,
        status: int,
        code: int | str | None,
        message: str,
        path: tuple[str, ...] | None = None,
        metadata: Mapping[str, Any] | None = None,
        operation_id: str | None = None,
        method: str = "",
        url_path: str = "",
        *,
        errors: list[dict[str, Any]] | None = None,
        attempts: int = 1,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.path = path
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.operation_id = operation_id
        self.method = method
        self.url_path = url_path
        self.errors = errors or []
        #: How many times the request was sent before this error was raised (>1 after retries).
        self.attempts = attempts
        #: What the user can do about it (set by the client: check the token, the API URL...).
        self.hint: str | None = None
        super().__init__(self._render())

    @property
    def operation(self) -> str:
        """``operationId`` of the failed call, or ``METHOD path`` when the contract has no match."""
        return self.operation_id or f"{self.method} {self.url_path}".strip()

    def _render(self) -> str:
        text = f"{self.operation} failed: HTTP {self.status}"
        if self.code is not None:
            text += f" (code {self.code})"
        text += f": {self.message}"
        if self.path:
            text += f" [field {'.'.join(self.path)}]"
        if getattr(self, "hint", None):
            text += f". {self.hint}"
        return text

    def __str__(self) -> str:
        return self._render()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r}, "
            f"path={self.path!r}, operation={self.operation!r})"
        )


class ValidationError(ApiError):
    """400/422: the request was malformed or semantically invalid. ``field_path`` names the field."""

    @property
    def field_path(self) -> tuple[str, ...] | None:
        return self.path


class AuthenticationError(ApiError):
    """401: the API token is missing, invalid, expired or revoked."""


class PermissionDeniedError(ApiError, PermissionDenied):
    """403: the credential may not do this (role, or a missing ``akua-context`` workspace: code 7004)."""


class NotFoundError(ApiError, NotFound):
    """404: the resource does not exist (or is not visible to this credential)."""


class ConflictError(ApiError, Conflict):
    """409: a uniqueness conflict, a state precondition, a quota, or (subclass) an etag mismatch."""


class EtagMismatchError(ConflictError, EtagMismatch):
    """409 ABORTED: ``If-Match`` was stale. ``current_etag`` is the server's etag when it says."""

    @property
    def current_etag(self) -> str | None:
        value = self.metadata.get("etag")
        return str(value) if value is not None else None


class RateLimitedError(ApiError, RateLimited):
    """429: too many requests. ``retry_after`` is the server's ``Retry-After`` in seconds, if any."""

    retry_after: float | None = None


class ServerError(ApiError, ServerFailure):
    """5xx: the server failed (500), or a gateway/upstream failed or timed out (502/503/504)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitedError,
}


def _entry_from_body(body: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """First error entry plus all entries, from either documented envelope shape."""
    if not isinstance(body, Mapping):
        return None, []
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        entries = [dict(e) for e in errors if isinstance(e, Mapping)]
        return (entries[0] if entries else None), entries
    error = body.get("error")
    if isinstance(error, Mapping):
        return dict(error), [dict(error)]
    if isinstance(error, str):
        entry = {"code": body.get("code"), "message": body.get("message") or error}
        return entry, [entry]
    if "message" in body:
        entry = {"code": body.get("code"), "message": body.get("message")}
        return entry, [entry]
    return None, []


def _is_etag_mismatch(entry: Mapping[str, Any] | None) -> bool:
    """A 409 that is a stale ``If-Match``: the current etag in ``metadata``, else the name ``ABORTED``.

    The one place the client reads message text: API.md (§4) names this case only ``ABORTED`` and gives
    it no numeric code, so a server that omits the metadata can be recognised by that word alone. Past
    this point the decision rides on the class (``EtagMismatchError``), never on the text.
    """
    if entry is None:
        return False
    metadata = entry.get("metadata")
    if isinstance(metadata, Mapping) and "etag" in metadata:
        return True
    code = entry.get("code")
    message = str(entry.get("message") or "")
    return (isinstance(code, str) and code.lower() == "aborted") or "ABORTED" in message


def error_from_response(
    status: int,
    content: bytes,
    *,
    method: str,
    url_path: str,
    operation_id: str | None,
    retry_after: float | None = None,
    secrets: Iterable[str] = (),
    reason: str = "",
    attempts: int = 1,
) -> ApiError:
    """Map an error response onto the exception tree. Parses both documented envelope shapes:
    ``{"success": false, "errors": [{code, message, path, metadata}], "result": {}}`` and
    ``{"error": {"code": "not_found", "message": "…"}}``; anything else becomes a message from the text."""
    secrets = tuple(secrets)
    try:
        body: Any = json.loads(content) if content else None
    except ValueError:
        body = None
    entry, entries = _entry_from_body(body)
    if entry is not None:
        raw_message = str(entry.get("message") or reason or "error")
        code = entry.get("code")
        raw_path = entry.get("path")
        path = tuple(str(p) for p in raw_path) if isinstance(raw_path, list) and raw_path else None
        raw_metadata = entry.get("metadata")
        metadata = dict(raw_metadata) if isinstance(raw_metadata, Mapping) else {}
    else:
        text = scrub(content.decode("utf-8", "replace").strip(), secrets)  # before cutting: no half secret
        raw_message = text[:300] if text else (reason or "error")
        code, path, metadata = None, None, {}
    message = scrub(raw_message, secrets)
    metadata = scrub_value(metadata, secrets)
    if isinstance(code, str):
        code = scrub(code, secrets)
    if path is not None:
        path = tuple(scrub(p, secrets) for p in path)
    scrubbed_entries = [scrub_value(e, secrets) for e in entries]

    cls: type[ApiError]
    if status == 409 and _is_etag_mismatch(entry):
        cls = EtagMismatchError
    elif status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, ApiError)
    error = cls(
        status,
        code if isinstance(code, (int, str)) else None,
        message,
        path,
        metadata,
        operation_id,
        method,
        url_path,
        errors=scrubbed_entries,
        attempts=attempts,
    )
    if isinstance(error, RateLimitedError):
        error.retry_after = retry_after
    return error

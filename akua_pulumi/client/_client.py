"""``AkuaClient``: one httpx pool, contract-aware headers, retries, rate limiting, typed errors."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator, Mapping
from enum import Enum
from types import TracebackType
from typing import Any, Final

from akua_pulumi.contract import Operation, contract

from . import _polling
from ._config import ClientConfig
from ._exceptions import (
    AkuaError,
    ApiError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    TransportError,
    error_from_response,
    scrub,
    secret_strings,
)
from ._http import DeferredTrustContext, httpx
from ._paths import api_path, check_path
from ._retry import TokenBucket, backoff_delay, parse_retry_after, should_retry

__all__ = ["USE_CLIENT_DEFAULT", "AkuaClient", "UseClientDefault"]

logger = logging.getLogger("akua_pulumi.client")


class UseClientDefault(Enum):
    """Type of :data:`USE_CLIENT_DEFAULT`: "use the client's workspace" (``None`` means no header)."""

    USE_CLIENT_DEFAULT = "USE_CLIENT_DEFAULT"

    def __repr__(self) -> str:
        return "USE_CLIENT_DEFAULT"


USE_CLIENT_DEFAULT: Final = UseClientDefault.USE_CLIENT_DEFAULT

WorkspaceArg = str | None | UseClientDefault


class _Shared:
    """State shared by a client and all its :meth:`AkuaClient.for_workspace` views."""

    def __init__(self, config: ClientConfig, transport: httpx.BaseTransport | None) -> None:
        self.config = config
        timeout = httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.write_timeout,
            pool=config.pool_timeout,
        )
        limits = httpx.Limits(max_connections=config.max_connections, max_keepalive_connections=config.max_connections)
        verify = DeferredTrustContext.create()  # the CA bundle loads on the first TLS handshake, if any
        self.http = httpx.Client(
            timeout=timeout, limits=limits, transport=transport, follow_redirects=False, verify=verify
        )
        self.limiter = (
            TokenBucket(config.rate_limit_per_second, config.burst)
            if config.rate_limit_per_second is not None
            else None
        )
        self.rng = random.Random()
        self.rng_lock = threading.Lock()
        self.closed = False

    def jitter(self) -> float:
        with self.rng_lock:
            return self.rng.random()


class AkuaClient:
    """Synchronous client for the Akua API (thread-safe; share one per process).

    >>> client = AkuaClient(token="sk_akua_…", workspace="ws_123")     # doctest: +SKIP
    >>> client.get("/clusters/clu_1")                                   # doctest: +SKIP

    ``path`` arguments are relative to the base URL (``/workspaces``, ``/clusters/clu_1:suspend``).
    Responses come back as parsed JSON (``None`` for empty bodies); errors raise the
    :mod:`akua_pulumi.client` exception tree. Retries, If-Match/Idempotency-Key checks and the
    ``akua-context`` header are driven by the bundled contract (``openapi.json``).
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        api_url: str | None = None,
        token: str | None = None,
        workspace: str | None = None,
        transport: httpx.BaseTransport | None = None,
        **overrides: Any,
    ) -> None:
        if config is None:
            config = ClientConfig.resolve(api_url=api_url, token=token, workspace=workspace, **overrides)
        elif api_url is not None or token is not None or workspace is not None or overrides:
            updates: dict[str, Any] = dict(overrides)
            for key, value in (("api_url", api_url), ("token", token), ("workspace", workspace)):
                if value is not None:
                    updates[key] = value
            config = config.replace(**updates)
        self._shared = _Shared(config, transport)
        self._workspace = config.workspace
        self._secrets: tuple[str, ...] = ()
        self._owner = True

    # -- construction helpers -------------------------------------------------------------------

    @classmethod
    def _view(cls, shared: _Shared, workspace: str | None, secrets: tuple[str, ...] = ()) -> AkuaClient:
        view = cls.__new__(cls)
        view._shared = shared
        view._workspace = workspace
        view._secrets = secrets
        view._owner = False
        return view

    def for_workspace(self, workspace_id: str | None) -> AkuaClient:
        """A view whose default ``akua-context`` is ``workspace_id``; shares pool, limiter and config
        (and this view's secrets). Closing a view does nothing: close the client it came from."""
        return AkuaClient._view(self._shared, workspace_id, self._secrets)

    def with_secrets(self, *values: Any) -> AkuaClient:
        """A view that also scrubs ``values`` (strings, or mappings/sequences of them, walked) from every
        error it raises: message, code, metadata, entries, hint, ``str``/``repr``. Pass the secret values
        the requests carry (a resource's declared secret fields); the API token is always scrubbed."""
        extra = secret_strings(*values)
        if not extra:
            return self
        merged = tuple(sorted({*self._secrets, *extra}, key=lambda s: (-len(s), s)))
        return AkuaClient._view(self._shared, self._workspace, merged)

    def _secret_values(self) -> tuple[str, ...]:
        """What errors are scrubbed of: the token, then this view's secrets."""
        token = self.config.token
        return (*((token.get_secret_value(),) if token is not None else ()), *self._secrets)

    @property
    def config(self) -> ClientConfig:
        return self._shared.config

    @property
    def workspace(self) -> str | None:
        """The default ``akua-context`` workspace of this client/view."""
        return self._workspace

    def close(self) -> None:
        """Close the connection pool (only the client that created it does; views are no-ops)."""
        if self._owner and not self._shared.closed:
            self._shared.closed = True
            self._shared.http.close()

    def __enter__(self) -> AkuaClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AkuaClient(api_url={self.config.api_url!r}, workspace={self._workspace!r})"

    # -- requests -------------------------------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        if_match: str | None = None,
        idempotency_key: str | None = None,
        workspace: WorkspaceArg = USE_CLIENT_DEFAULT,
    ) -> Any:
        """Send one API call (retrying per policy) and return the parsed JSON body, or ``None``.

        ``if_match`` is sent verbatim (the etag as read). ``idempotency_key`` makes a write
        retry-safe; it is required by the contract for the install lifecycle actions, and refused
        (``ValueError``) for operations that do not accept it, since the server would not de-duplicate.
        ``workspace`` overrides the ``akua-context`` header (``None`` = none); the header is omitted
        for operations that do not declare it (organizations, ``workspaces.get``, ``:wait``, …).
        """
        method = method.upper()
        if not path.startswith("/"):
            path = "/" + path
        check_path(path)
        matched = contract().match(method, path.split("?", 1)[0])
        op: Operation | None = matched[0] if matched else None
        label = op.operation_id if op else f"{method} {path}"

        if op is not None:
            if op.requires_if_match and not if_match:
                raise ValueError(f"{label} requires if_match (the resource's etag as last read)")
            header_params = op.parameters("header")
            if idempotency_key and not op.accepts_idempotency_key:
                raise ValueError(
                    f"{label} does not accept an Idempotency-Key, so the server would not de-duplicate "
                    "it; send it without one"
                )
            if (
                "idempotency-key" in header_params
                and header_params["idempotency-key"].get("required")
                and (not idempotency_key)
            ):
                raise ValueError(f"{label} requires idempotency_key")
            # snippets.create names no workspace, yet the spec does not declare the header on it (API.md
            # §7.0); a user credential must still say which workspace: send it there too.
            sends_context = "akua-context" in header_params or op.operation_id == "snippets.create"
        else:
            sends_context = True

        token = self.config.require_token()
        headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": self.config.user_agent,
            "Accept": "application/json",
        }
        ws = self._workspace if isinstance(workspace, UseClientDefault) else workspace
        if ws and sends_context:
            headers["akua-context"] = ws
        if if_match:
            headers["If-Match"] = if_match
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key

        is_read = op.is_read if op else method in ("GET", "HEAD")
        try:
            return self._send_with_retries(
                method,
                path,
                label=label,
                operation_id=op.operation_id if op else None,
                headers=headers,
                json_body=json,
                params=params,
                is_read=is_read,
                has_idempotency_key=bool(idempotency_key),
            )
        except (ApiError, TransportError) as exc:
            hint = self._hint(exc, ws if sends_context else None)
            exc.hint = scrub(hint, self._secret_values()) if hint else None
            raise

    def _hint(self, exc: ApiError | TransportError, workspace: str | None) -> str | None:
        """What the user can do about ``exc``: one sentence naming the setting to check."""
        api_url = self.config.api_url
        if isinstance(exc, TransportError):
            return f"Cannot reach the Akua API at {api_url}: check `akua:apiUrl` / AKUA_API_URL and that it is up"
        if isinstance(exc, AuthenticationError):
            return (
                "Check the API token: `pulumi config set --secret akua:token <token>` "
                "(or the AKUA_API_TOKEN environment variable)"
            )
        if isinstance(exc, NotFoundError) and "no such path" in exc.message and not api_url.endswith("/v1"):
            return f"The Akua API lives under /v1: `pulumi config set akua:apiUrl {api_url}/v1`"
        no_access = "no access to workspace" in exc.message or exc.message.endswith("the caller's role is none")
        if isinstance(exc, PermissionDeniedError) and workspace and no_access:  # API.md §6.2: caller_role none
            try:
                self.request("GET", api_path("/workspaces/{}", workspace), workspace=None)
            except NotFoundError:
                return f"Workspace {workspace} does not exist: check `workspace_id` / `akua:workspace`"
            except AkuaError:
                return None
        return None

    def _send_with_retries(
        self,
        method: str,
        path: str,
        *,
        label: str,
        operation_id: str | None,
        headers: dict[str, str],
        json_body: Any,
        params: Mapping[str, Any] | None,
        is_read: bool,
        has_idempotency_key: bool,
    ) -> Any:
        shared = self._shared
        config = shared.config
        if shared.closed:
            raise RuntimeError("AkuaClient is closed")
        url = config.api_url + path
        config.require_token()
        secrets = self._secret_values()
        started = time.monotonic()
        attempt = 0
        ambiguous = False  # an earlier attempt of this request may have taken effect (no answer / 5xx)
        while True:
            attempt += 1
            if shared.limiter is not None:
                shared.limiter.acquire()
            sent = time.monotonic()
            response: httpx.Response | None = None
            failure: TransportError | ApiError | None = None
            retry_after: float | None = None
            try:
                response = shared.http.request(method, url, headers=headers, json=json_body, params=params)
            except httpx.TransportError as exc:
                failure = TransportError(
                    scrub(f"{type(exc).__name__}: {exc}", secrets),
                    operation=label,
                    method=method,
                    url_path=path,
                )
                failure.__cause__ = exc
            duration = time.monotonic() - sent
            status = response.status_code if response is not None else None
            logger.debug(
                "%s %s -> %s attempt=%d duration=%.3fs op=%s",
                method,
                path,
                status if status is not None else "transport-error",
                attempt,
                duration,
                label,
            )
            if response is not None and response.is_success:
                return _parse_success(response, label, method, path, secrets)
            if response is not None:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                failure = error_from_response(
                    response.status_code,
                    response.content,
                    method=method,
                    url_path=path,
                    operation_id=operation_id,
                    retry_after=retry_after,
                    secrets=secrets,
                    reason=response.reason_phrase,
                    attempts=attempt,
                )
            assert failure is not None
            if ambiguous:
                # Lifecycle code reads this: a 409 stale etag right after our own lost write may be that write.
                failure.after_ambiguous = True
            decision = should_retry(
                method=method,
                is_read=is_read,
                has_idempotency_key=has_idempotency_key,
                status=status,
                transport_error=response is None,
            )
            if not decision.retry or attempt >= config.max_attempts:
                raise failure
            delay = backoff_delay(attempt, config.backoff_base, config.backoff_cap, shared.jitter)
            if retry_after is not None:
                # Never send before the server said we may: the jitter only adds on top of it.
                delay = max(delay, retry_after)
            elapsed = time.monotonic() - started
            if elapsed + delay > config.max_retry_seconds:
                logger.info(
                    "%s %s: giving up after %d attempt(s), %.1fs (retry budget %.0fs)",
                    method,
                    path,
                    attempt,
                    elapsed,
                    config.max_retry_seconds,
                )
                raise failure
            ambiguous = ambiguous or (not is_read and (response is None or (status or 0) >= 500))
            logger.info(
                "%s %s: %s; retrying in %.2fs (attempt %d of %d)",
                method,
                path,
                decision.reason,
                delay,
                attempt + 1,
                config.max_attempts,
            )
            time.sleep(delay)

    # -- lists and long-running operations (the loops live in _polling) ---------------------------

    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        workspace: WorkspaceArg = USE_CLIENT_DEFAULT,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of a list endpoint, following ``next_cursor``. ``limit=page_size`` is sent
        only where the contract declares it (members and quota lists are unpaginated envelopes)."""
        return _polling.paginate(self, path, params=params, workspace=workspace, page_size=page_size)

    def wait_operation(
        self,
        operation: Mapping[str, Any] | str,
        *,
        timeout: float = 900,
        workspace: WorkspaceArg = USE_CLIENT_DEFAULT,
    ) -> dict[str, Any]:
        """Long-poll ``POST /operations/{id}:wait`` until the operation is done; return it.

        Accepts an Operation, an ``{operation_id}`` envelope, or an id. Raises
        :class:`OperationFailedError` on ``FAILED``/``CANCELLED`` (with ``error.message``, scrubbed) and
        :class:`OperationTimeoutError` when ``timeout`` seconds pass first.
        """
        return _polling.wait_operation(self, operation, timeout=timeout, workspace=workspace)


def _parse_success(response: httpx.Response, label: str, method: str, path: str, secrets: tuple[str, ...]) -> Any:
    if not response.content or not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise ApiError(
            response.status_code,
            None,
            scrub("response is not JSON: " + scrub(response.text, secrets)[:200], secrets),
            operation_id=label if " " not in label else None,
            method=method,
            url_path=path,
        ) from None

"""The Stripe client adapter: the official ``stripe`` SDK, its errors mapped onto the lifecycle's categories.

The lifecycle (:mod:`akua_pulumi.resources._provider`) reacts to the categories of
:mod:`akua_pulumi.errors`; this module is the seam where Stripe's errors become them, as the Akua
client maps httpx's::

    stripe error                                   category
    InvalidRequestError 404 (resource_missing)     StripeNotFound       (NotFound)
    IdempotencyError, 409                           StripeConflict       (Conflict)
    APIConnectionError (no response)               StripeTransport      (Transport)
    APIError 5xx                                    StripeServerFailure  (ServerFailure)
    RateLimitError 429                              StripeRateLimited    (RateLimited)
    anything else (400 invalid request, 401, ...)  StripeApiError       (AkuaError; ``param`` names the field)

Configuration, like ``akua:token``: the secret key comes from the stack setting ``akua:stripeApiKey``
(``pulumi config set --secret akua:stripeApiKey sk_...``), else the ``STRIPE_API_KEY`` environment
variable; the API base from ``akua:stripeApiBase`` / ``STRIPE_API_BASE`` (tests point it at the fake
server). The key is never stored in state, never logged, and scrubbed from every error message.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..client._paths import encode_segment
from ..errors import AkuaError, Conflict, NotFound, RateLimited, ServerFailure, Transport

__all__ = [
    "DEFAULT_API_BASE",
    "StripeApi",
    "StripeApiError",
    "StripeConfigurationError",
    "StripeConflict",
    "StripeNotFound",
    "StripeRateLimited",
    "StripeServerFailure",
    "StripeSettings",
    "StripeTransport",
    "api_for",
    "set_stack_defaults",
]

DEFAULT_API_BASE = "https://api.stripe.com"
#: Stripe API version the resources are written against (sent on every request).
API_VERSION: str | None = None

_KEY_PATTERN = re.compile(r"\b([sr]k_(?:test|live)_)[A-Za-z0-9]+")


def scrub(text: str, secret: str | None = None) -> str:
    """Remove Stripe secret keys from ``text``."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return _KEY_PATTERN.sub(r"\1***", text)


class StripeApiError(AkuaError):
    """Stripe refused the request. ``status``, ``code`` and ``param`` (the offending field) as Stripe says."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, param: str | None = None):
        self.message = message
        self.status = status
        self.code = code
        self.param = param
        super().__init__(message)

    def __str__(self) -> str:
        where = f" (parameter {self.param})" if self.param else ""
        return f"Stripe: HTTP {self.status}: {self.message}{where}"


class StripeConfigurationError(AkuaError):
    """No Stripe secret key is configured."""


class StripeNotFound(StripeApiError, NotFound):
    """The Stripe object does not exist."""


class StripeConflict(StripeApiError, Conflict):
    """Stripe refused the write because of the current state (an idempotency key reused with other params)."""


class StripeServerFailure(StripeApiError, ServerFailure):
    """Stripe failed (5xx): the outcome of a write is unknown."""


class StripeRateLimited(StripeApiError, RateLimited):
    """Stripe rate-limited the request."""


class StripeTransport(Transport):
    """No response from Stripe: the outcome of a write is unknown."""


@dataclass(frozen=True)
class StripeSettings:
    """Resolved settings; ``api_key`` never shows in ``repr``."""

    api_key: str = field(repr=False)
    api_base: str = DEFAULT_API_BASE
    max_network_retries: int = 2


#: Stack settings and the environment variables that stand in for them.
SETTING_ENV = {"akua:stripeApiKey": "STRIPE_API_KEY", "akua:stripeApiBase": "STRIPE_API_BASE"}

_stack: dict[str, str] = {}
_apis: dict[tuple[str, str], StripeApi] = {}
_lock = threading.Lock()


def set_stack_defaults(config: Any) -> None:
    """Remember the stack settings handed to a provider's ``configure`` (``akua:stripeApiKey``...)."""
    with _lock:
        for key in ("akua:stripeApiKey", "akua:stripeApiBase", "akua:workspace"):
            value = config.get(key)
            if value:
                _stack[key] = str(value)


def _setting(key: str) -> str | None:
    return _stack.get(key) or os.environ.get(SETTING_ENV[key])


def resolve(connection: Mapping[str, Any] | None = None) -> StripeSettings:
    """Connection property, then stack config, then environment."""
    conn = connection if isinstance(connection, Mapping) else {}
    key = conn.get("api_key") or _setting("akua:stripeApiKey")
    if not key:
        raise StripeConfigurationError(
            "no Stripe secret key: run `pulumi config set --secret akua:stripeApiKey sk_...` "
            "or set STRIPE_API_KEY in the environment"
        )
    base = conn.get("api_base") or _setting("akua:stripeApiBase") or DEFAULT_API_BASE
    return StripeSettings(api_key=str(key), api_base=str(base).rstrip("/"))


def api_for(connection: Mapping[str, Any] | None = None) -> StripeApi:
    """The process-wide adapter for the resolved settings (one pooled SDK client per key and base)."""
    settings = resolve(connection)
    with _lock:
        cache_key = (settings.api_key, settings.api_base)
        api = _apis.get(cache_key)
        if api is None:
            api = _apis[cache_key] = StripeApi(settings)
        return api


class StripeApi:
    """A small, typed-by-convention face of the SDK: every call returns plain dicts, raises categories.

    ``resource`` is the SDK's v1 service name (``"products"``, ``"prices"``, ``"customers"``,
    ``"subscriptions"``). Every create takes the caller's deterministic ``idempotency_key``: the SDK
    retries network failures with it, and so can a later run, and Stripe answers a replay with the
    first response instead of creating a second object.
    """

    def __init__(self, settings: StripeSettings) -> None:
        import stripe  # lazily: previews never make a request

        self._key = settings.api_key
        self.api_base = settings.api_base
        self._client = stripe.StripeClient(
            settings.api_key,
            base_addresses={"api": settings.api_base},
            max_network_retries=settings.max_network_retries,
            stripe_version=API_VERSION,
        )
        #: Requests sent, per ``"method resource"`` (tests and budgets read it).
        self.calls: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"StripeApi(api_base={self.api_base!r})"

    def _service(self, resource: str) -> Any:
        return getattr(self._client.v1, resource)

    def _count(self, what: str) -> None:
        self.calls[what] = self.calls.get(what, 0) + 1

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        self._count(what)
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise self._map(exc) from None

    def _map(self, exc: Exception) -> Exception:
        import stripe

        if not isinstance(exc, stripe.StripeError):
            return exc
        message = scrub(str(exc.user_message or exc._message or type(exc).__name__), self._key)
        status = exc.http_status
        code = exc.code
        param = getattr(exc, "param", None)
        if isinstance(exc, stripe.APIConnectionError):
            return StripeTransport(f"Stripe: no response: {message}")
        kw: dict[str, Any] = {"status": status, "code": code, "param": param}
        if status == 404 or code == "resource_missing":
            return StripeNotFound(message, **kw)
        if isinstance(exc, stripe.IdempotencyError) or status == 409:
            return StripeConflict(message, **kw)
        if isinstance(exc, stripe.RateLimitError) or status == 429:
            return StripeRateLimited(message, **kw)
        if status is not None and status >= 500:
            return StripeServerFailure(message, **kw)
        return StripeApiError(message, **kw)

    @staticmethod
    def _plain(obj: Any) -> dict[str, Any]:
        data: dict[str, Any] = obj.to_dict(recursive=True)
        response = obj.last_response
        data["_replayed"] = bool(response is not None and response.headers.get("idempotent-replayed") == "true")
        return data

    def create(self, resource: str, params: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """POST with the key; ``_replayed`` in the result tells a replay from a fresh create."""
        service = self._service(resource)
        obj = self._call(
            f"create {resource}", service.create, params=dict(params), options={"idempotency_key": idempotency_key}
        )
        return self._plain(obj)

    def retrieve(self, resource: str, id_: str) -> dict[str, Any]:
        encode_segment(id_)  # the SDK quotes ids, but '', '.' and '..' would reach another path
        return self._plain(self._call(f"retrieve {resource}", self._service(resource).retrieve, id_))

    def update(self, resource: str, id_: str, params: Mapping[str, Any]) -> dict[str, Any]:
        encode_segment(id_)
        return self._plain(self._call(f"update {resource}", self._service(resource).update, id_, params=dict(params)))

    def delete(self, resource: str, id_: str) -> dict[str, Any]:
        """DELETE (customers); for subscriptions this is the SDK's ``cancel`` (cancel at once)."""
        encode_segment(id_)
        service = self._service(resource)
        fn = service.cancel if resource == "subscriptions" else service.delete
        return self._plain(self._call(f"delete {resource}", fn, id_))

    def list(self, resource: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every object the list shows, following pages."""
        page = self._call(f"list {resource}", self._service(resource).list, params=dict(params or {}, limit=100))
        for obj in page.auto_paging_iter():
            yield obj.to_dict(recursive=True)

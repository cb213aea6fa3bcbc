"""The akua-local WSGI application: routing by the contract plus the cross-cutting layers.

Request path for ``/v1/...``: match (contract) → count → faults (5xx/429 before any effect) →
one transaction { advance due timers → authenticate → validate (400/7001) → resolve workspace and role →
idempotency replay → handler → store idempotent result } → optional drop-after-commit → JSON.
Every :class:`~akua_pulumi.local.errors.LocalApiError` is rendered here and only here.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from ..contract import Contract, Operation, contract
from .backend import Principal, Req, Route, Runtime, load_all
from .backend.authz import authorize
from .backend.operations import advance
from .backend.tokens import authenticate, issue_session
from .control import handle_control
from .db import Store, Tx
from .errors import Forbidden, Internal, LocalApiError, LocalNotFound, ValidationFailed
from .faults import DropConnection, Faults
from .inputs import EXPLAIN_OPS, emulator_rules, invalid
from .limits import control_authorized, decode_segment, raw_path, read_body, unauthorized
from .util import canonical, now, rand, sha256

__all__ = ["OWNER_EMAIL", "OWNER_ID", "App", "create_app"]

OWNER_ID = "usr_owner"
OWNER_EMAIL = "owner@akua.local"
IDEMPOTENCY_TTL = 24 * 3600
StartResponse = Callable[..., Any]


class App:
    """WSGI callable; ``App(Store(":memory:"))`` or via :func:`create_app`."""

    def __init__(
        self,
        store: Store,
        *,
        operation_delay: float = 0.2,
        owner_token: str | None = None,
        seed: int = 0,
        latency_ms: int = 0,
    ) -> None:
        self.store = store
        self.contract = _CachedContract(contract().document)
        self.routes: dict[str, Route] = load_all()
        self.rt = Runtime(operation_delay=operation_delay)
        self.faults = Faults(seed)
        if latency_ms:
            self.faults.configure({"seed": seed, "latency_ms": latency_ms})
        self._count_lock = threading.Lock()
        self.reset_counters()
        self.owner_token = self.bootstrap(owner_token)

    # -- setup -----------------------------------------------------------------------------------

    def bootstrap(self, owner_token: str | None = None) -> str:
        """Ensure the owner user and its session token exist; returns the token."""
        with self.store.tx() as tx:
            token = owner_token or tx.kv_get("owner_token") or rand(32)
            tx.kv_set("owner_token", token)
            if tx.get("user", OWNER_ID) is None:
                tx.insert(
                    "user",
                    {
                        "id": OWNER_ID,
                        "name": "Local Owner",
                        "email": OWNER_EMAIL,
                        "image": None,
                        "created_at": now(),
                    },
                    natural_key=OWNER_EMAIL,
                )
            issue_session(tx, OWNER_ID, token)
        return token

    def reset(self) -> None:
        """Wipe all data and re-create the owner with the same token."""
        token = self.owner_token
        self.store.wipe()
        self.rt.fail_next.clear()
        self.rt.last_used.clear()
        self.owner_token = self.bootstrap(token)

    def reset_counters(self) -> None:
        with self._count_lock:
            self.counters: dict[str, Any] = {
                "total": 0,
                "reads": 0,
                "writes": 0,
                "by_operation": Counter(),
                "by_status": Counter(),
            }

    def snapshot_counters(self) -> dict[str, Any]:
        with self._count_lock:
            c = self.counters
            return {
                "total": c["total"],
                "reads": c["reads"],
                "writes": c["writes"],
                "by_operation": dict(c["by_operation"]),
                "by_status": {str(k): v for k, v in c["by_status"].items()},
            }

    def tick(self) -> None:
        """Advance due timers (called by the server's background ticker)."""
        with self.store.tx() as tx:
            if tx.next_due() is not None:
                advance(tx, self.rt)

    # -- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # Segments are matched on the raw path and each is decoded once afterwards (docs/akua-local.md, "Limits").
        path = raw_path(environ)
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        if path == "/_local" or path.startswith("/_local/"):
            # Caller first (loopback, then the owner token), before the body is read or anything happens.
            if not _loopback(environ.get("REMOTE_ADDR")):
                err: LocalApiError = Forbidden("the /_local control plane is loopback only")
            elif not control_authorized(environ, self.owner_token):
                err = unauthorized()
            else:
                try:
                    status, body = handle_control(self, method, path[len("/_local") :], _read_body(environ)[1])
                except LocalApiError as exc:  # 400/413 of the body limits
                    err = exc
                else:
                    return _respond(start_response, status, body)
            return _respond(start_response, err.status, err.envelope())
        if path == "/v1" or path.startswith("/v1/"):
            try:
                _read_body(environ)  # 400/413 (Content-Length, size, nesting) before any other work
            except LocalApiError as exc:
                return _respond(start_response, exc.status, exc.envelope())
            status, body = self.handle_v1(method, path[3:], environ)
            allow = self.allowed_methods(path[3:]) if status == 405 else None
            location = self.location(method, path, status, body)
            return _respond(start_response, status, body, allow=allow, location=location)
        return _respond(start_response, 404, LocalNotFound(f"no such path {path}").envelope())

    def handle_v1(self, method: str, rel: str, environ: dict[str, Any]) -> tuple[int, Any]:
        matched = self.contract.match(method, rel)
        if matched is None and rel.startswith("/quotas/") and rel.count("/") > 2 and method == "GET":
            matched = self.contract.match("GET", "/quotas/_")  # an unencoded metric such as compute/machines
            if matched:
                matched = (matched[0], {"metric": rel[len("/quotas/") :]})
        if matched is None:
            err: LocalApiError = LocalNotFound(f"no operation for {method} {rel}")
            if self.allowed_methods(rel):
                err = MethodNotAllowed(f"method {method} not allowed on {rel}")
            with self._count_lock:
                self.counters["total"] += 1
                self.counters["by_status"][err.status] += 1
            return err.status, err.envelope()
        op, params = matched
        params = {k: decode_segment(v) for k, v in params.items()}  # matched raw: decoded once, here
        status, body = 500, None
        try:
            status, body = self._dispatch(op, params, environ)
        except DropConnection:
            status = 0
            raise
        except LocalApiError as exc:
            status, body = self._render(op, exc)
        except Exception as exc:  # an emulator bug: still answer with the envelope
            status, body = self._render(op, Internal(f"internal error: {type(exc).__name__}: {exc}"))
        finally:
            with self._count_lock:
                c = self.counters
                c["total"] += 1
                c["reads" if op.is_read else "writes"] += 1
                c["by_operation"][op.operation_id] += 1
                c["by_status"][status] += 1
        return status, body

    def location(self, method: str, path: str, status: int, body: Any) -> str | None:
        """The ``Location`` of a 201 whose operation declares one: the created object's path (API.md §7.2)."""
        if status != 201 or not isinstance(body, dict) or not isinstance(body.get("id"), str):
            return None
        matched = self.contract.match(method, path[3:])
        declared = matched[0].spec.get("responses", {}).get("201", {}).get("headers", {}) if matched else {}
        return f"{path.rstrip('/')}/{body['id']}" if "Location" in declared else None

    def allowed_methods(self, rel: str) -> list[str]:
        """The methods the contract declares for the path ``rel`` (the ``Allow`` header of a 405)."""
        methods = self.contract.methods_for(rel)
        if not methods and rel.startswith("/quotas/") and rel.count("/") > 2:
            methods = ["GET"]
        return methods

    @staticmethod
    def _render(op: Operation, exc: LocalApiError) -> tuple[int, Any]:
        status = exc.status
        if op.operation_id in EXPLAIN_OPS and status == 400:
            return 422, exc.envelope()  # the explain calls declare no 400 (API.md §6.0)
        if status not in op.statuses:
            # Prefer a status the operation declares for input errors (400 <-> 422). A 403 stays a 403 even
            # where the operation declares none (API.md §6.2: clients must expect it from any operation).
            status = next((s for s in _FALLBACK.get(status, ()) if s in op.statuses), status)
        if status == 422 and 422 not in op.statuses:
            status = 400  # input the operation cannot process is a plain bad request where 422 is not declared
        return status, exc.envelope()

    def _dispatch(self, op: Operation, params: dict[str, str], environ: dict[str, Any]) -> tuple[int, Any]:
        headers = _headers(environ)
        fault, fault_status = self.faults.decide(op.operation_id, not op.is_read)
        if self.faults.config.latency_ms:
            time.sleep(self.faults.config.latency_ms / 1000)
        if fault in ("error", "rate_limited"):
            message = "injected fault" if fault == "error" else "rate limited (injected)"
            err = LocalApiError(message, status=fault_status)
            return fault_status, {
                **err.envelope(),
                **({"retry_after": self.faults.config.retry_after_seconds} if fault == "rate_limited" else {}),
            }
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        has_body, raw = _read_body(environ)
        body: Any = None
        bad_json = False
        if has_body:
            try:
                body = json.loads(raw, parse_constant=_no_constant)
            except ValueError:
                bad_json = True
        violations = (
            []
            if bad_json
            else self.contract.validate_request(
                op,
                body=body,
                has_body=has_body,
                headers=headers,
                query=query,
                path_params={k.lower(): v for k, v in params.items()},
            )
        )
        if not bad_json:
            named = {v.path for v in violations}
            violations += [v for v in emulator_rules(self.contract, op, body, query) if v.path not in named]
        route = self.routes.get(op.operation_id)

        def prepare(tx: Tx) -> Req:
            # API.md §6.2: 401, then the role table (7004, membership, 404 of the path's object, role,
            # access state), and only then input validation, If-Match, state and quotas (in the handler).
            advance(tx, self.rt)
            anonymous = route is not None and route.scope == "anon" and not headers.get("authorization")
            principal = Principal() if anonymous else authenticate(tx, self.rt, headers.get("authorization"))
            if route is None:
                raise Internal(f"{op.operation_id} is not implemented")
            r = Req(
                op.operation_id,
                tx,
                self.rt,
                principal,
                params,
                query,
                headers,
                body if isinstance(body, dict) else {},
                store=self.store,
            )
            authorize(r, route, op.template, op.is_read)
            if bad_json:
                raise ValidationFailed("request body is not valid JSON", path=["body"])
            if violations:
                raise invalid(op.operation_id, violations)
            return r

        if route is not None and route.own_tx:
            with self.store.tx() as tx:
                r = prepare(tx)
            return route.fn(r)
        with self.store.tx() as tx:
            r = prepare(tx)
            assert route is not None
            key = self._idem_key(op, r) if r.idempotency_key and op.accepts_idempotency_key else None
            # hashed: request bodies carry secret values and credentials, which the store must not keep
            fingerprint = sha256(canonical({"path": params, "query": query, "body": body}))
            if key is not None:
                rows = tx.q("SELECT fingerprint, status, body, created_at FROM idempotency WHERE key=?", key)
                if rows and rows[0][3] > now() - IDEMPOTENCY_TTL:
                    if rows[0][0] != fingerprint:
                        raise _Reuse(route.reuse_status)
                    return rows[0][1], json.loads(rows[0][2]) if rows[0][2] is not None else None
            status, out = route.fn(r)
            if key is not None:
                tx.conn.execute(
                    "INSERT OR REPLACE INTO idempotency VALUES (?,?,?,?,?)",
                    (key, fingerprint, status, None if out is None else json.dumps(out), now()),
                )
        if fault == "drop":
            raise DropConnection(f"injected drop after committing {op.operation_id}")
        return status, out

    @staticmethod
    def _idem_key(op: Operation, r: Req) -> str:
        return sha256(f"{r.principal.key}|{r.workspace_id}|{op.operation_id}|{r.idempotency_key}")


_FALLBACK = {400: (422,), 422: (400,)}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _CachedContract(Contract):
    """The contract with compiled validators cached per schema object (building one is costly)."""

    def __init__(self, document: Any) -> None:
        super().__init__(document)
        self._cache: dict[int, tuple[Any, Any]] = {}

    def _validator(self, schema: Any) -> Any:
        hit = self._cache.get(id(schema))
        if hit is None or hit[0] is not schema:
            hit = (schema, super()._validator(schema))
            self._cache[id(schema)] = hit
        return hit[1]


class MethodNotAllowed(LocalApiError):
    """405/7001: the path exists but does not declare the method; rendered with ``Allow``."""

    status, code = 405, 7001


class _Reuse(LocalApiError):
    """422/7001 (400 where the operation declares no 422): an idempotency key replayed with a different request."""

    status, code = 422, 7001

    def __init__(self, status: int = 422) -> None:
        super().__init__(
            "idempotency key reused with different parameters", path=["headers", "idempotency-key"], status=status
        )


def _loopback(addr: str | None) -> bool:
    return not addr or addr.startswith("127.") or addr in ("::1", "localhost", "testclient")


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    out = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        out["content-type"] = environ["CONTENT_TYPE"]
    return out


def _read_body(environ: dict[str, Any]) -> tuple[bool, bytes]:
    """``(has_body, raw)``, read once within the limits of :func:`.limits.read_body` (400/413 otherwise)."""
    return read_body(environ)


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _respond(
    start_response: StartResponse, status: int, body: Any, allow: list[str] | None = None, location: str | None = None
) -> list[bytes]:
    data = b"" if body is None or status == 204 else json.dumps(body).encode()
    headers = [("Content-Length", str(len(data)))]
    if allow is not None:
        headers.append(("Allow", ", ".join(allow)))
    if location is not None:
        headers.append(("Location", location))
    if data:
        headers.append(("Content-Type", "application/json"))
    if status == 429 and isinstance(body, dict) and isinstance(body.get("retry_after"), (int, float)):
        after = float(body["retry_after"])  # validated: 0..3600 (faults.validate)
        text = str(int(after)) if after.is_integer() else f"{after:.3f}".rstrip("0").rstrip(".")
        headers.append(("Retry-After", text))
    start_response(f"{status} {_REASONS.get(status, 'Status')}", headers)
    return [data]


def create_app(db: str = ":memory:", **kwargs: Any) -> App:
    """Build an :class:`App` over a new :class:`Store` at ``db``."""
    return App(Store(db), **kwargs)

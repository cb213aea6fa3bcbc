"""Fixtures: akua-local mounted in-process, with every response checked against the contract."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from akua_pulumi.contract import contract
from akua_pulumi.local import App, LocalAdmin, create_app

# Spec gap (API.md 1.11): reactivate/changeTier operations use metadata types the contract's union lacks.
CUSTOM_OP_TYPES = {"workspace.subscription.reactivate", "workspace.subscription.change_tier"}
SEEN: dict[str, set[int]] = {}
# The seller-estate operations of API.md §5 (exercised by tests/local/test_estate_*.py, one family per file).
ESTATE_PREFIXES = (
    "secrets.",
    "customDomains.",
    "workspaceSubdomains.",
    "previewHostnames.",
    "offers.",
    "registry.",
    "cloudflare.",
    "computeConfigs.",
    "clusters.getComputeSettings",
    "clusters.updateComputeSettings",
    # the v3 additions of API.md §6 (exercised by tests/local/test_roles_explain.py)
    "accessDecisions.",
    "entitlements.",
)


def is_estate(op_id: str) -> bool:
    return op_id.startswith(ESTATE_PREFIXES)


def assert_exercised(prefixes: tuple[str, ...]) -> None:
    """Every contract operation whose id starts with one of ``prefixes`` answered a 2xx in this process."""
    wanted = [op.operation_id for op in contract() if op.operation_id.startswith(prefixes)]
    assert wanted, prefixes
    missing = sorted(o for o in wanted if not any(200 <= s < 300 for s in SEEN.get(o, ())))
    assert not missing, f"never exercised successfully: {missing}"


def _has_custom_type(body: Any) -> bool:
    items = body.get("data", [body]) if isinstance(body, dict) else []
    return any(isinstance(i, dict) and (i.get("metadata") or {}).get("type") in CUSTOM_OP_TYPES for i in items)


def check_response(response: httpx.Response) -> None:
    """Assert a /v1 response validates against the contract (faults' 429/5xx excepted)."""
    response.read()
    path = response.request.url.path
    if not path.startswith("/v1"):
        return
    matched = contract().match(response.request.method, path[3:])
    if matched is None and path.startswith("/v1/quotas/"):
        matched = contract().match("GET", "/quotas/_")
    assert matched is not None, f"unroutable {response.request.method} {path} answered {response.status_code}"
    op = matched[0]
    SEEN.setdefault(op.operation_id, set()).add(response.status_code)
    if response.status_code == 429 or (response.status_code >= 500 and response.status_code not in op.statuses):
        return
    body = response.json() if response.content else None
    if response.status_code < 300 and _has_custom_type(body):
        return
    violations = contract().validate_response(op, response.status_code, body)
    if response.status_code == 404 and violations and violations[0].path == ("status",):
        violations = contract().validate_schema({"$ref": "#/components/schemas/ApiErrorResponse"}, body)
    # API.md §6.2: a role denial is a 403 even where the operation declares none (the error envelope)
    if response.status_code in (400, 403, 409, 422) and violations and violations[0].path == ("status",):
        violations = contract().validate_schema({"$ref": "#/components/schemas/ApiErrorResponse"}, body)
    assert not violations, f"{op.operation_id} {response.status_code}: {violations} body={body}"


class Api:
    """A checked client: ``api.post("/workspaces", json=...)``; ``api.as_(token, ws)`` switches identity."""

    def __init__(self, app: App, token: str, ws: str | None = None) -> None:
        self.app, self.token, self.ws = app, token, ws
        headers = {"Authorization": f"Bearer {token}"}
        if ws:
            headers["akua-context"] = ws
        self.http = httpx.Client(
            transport=httpx.WSGITransport(app=app),
            base_url="http://akua.test/v1",
            headers=headers,
            event_hooks={"response": [check_response]},
        )

    def as_(self, token: str | None = None, ws: str | None = None) -> Api:
        return Api(self.app, token or self.token, ws)

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, path, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)


@pytest.fixture
def app() -> Iterator[App]:
    a = create_app(":memory:", operation_delay=0.0)
    yield a
    a.store.close()


@pytest.fixture
def api(app: App) -> Api:
    return Api(app, app.owner_token)


@pytest.fixture
def admin(app: App) -> LocalAdmin:
    return LocalAdmin(
        "http://akua.test",
        app.owner_token,
        client=httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://akua.test"),
    )


def code(resp: httpx.Response) -> int:
    return int(resp.json()["errors"][0]["code"])


def new_workspace(api: Api, name: str = "Acme") -> tuple[Api, dict[str, Any]]:
    r = api.post("/workspaces", json={"name": name})
    assert r.status_code == 201, r.text
    ws = r.json()
    return api.as_(ws=ws["id"]), ws

"""The /_local control plane holds its boundary: the owner token, loopback only, every value validated."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from akua_pulumi.client import InvalidPathIdError
from akua_pulumi.local import App, LocalAdmin, LocalServer
from akua_pulumi.local.server import HttpServer

from ._raw_http import exchange, request


def _control(app: App, token: str | None = None, remote: str = "127.0.0.1") -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    transport = httpx.WSGITransport(app=app, remote_addr=remote)
    return httpx.Client(transport=transport, base_url="http://akua.test/_local", headers=headers)


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer wrong-token", "Basic b3duZXI6cGFzcw==", "bearer x y"],
)
def test_control_plane_needs_the_owner_token(app: App, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with _control(app) as c:
        for method, path in [("GET", "/health"), ("POST", "/reset"), ("GET", "/counters"), ("PUT", "/faults")]:
            r = c.request(method, path, headers=headers, json={"error_rate": 1.0})
            assert r.status_code == 401, (method, path, r.text)
            assert r.headers["content-type"] == "application/json"
            err = r.json()["errors"][0]
            assert err["code"] == 7003 and "owner token" in err["message"]
            assert app.owner_token not in r.text
    assert app.faults.config.error_rate == 0.0  # nothing happened


def test_owner_token_opens_the_control_plane(app: App) -> None:
    with _control(app, app.owner_token) as c:
        assert c.get("/health").json() == {"ok": True}
        # the reply to a reset no longer carries the owner token (the caller has it already)
        assert app.owner_token not in c.post("/reset").text
    with _control(app, app.owner_token, remote="10.0.0.7") as c:
        assert c.get("/health").status_code == 403  # still loopback only, token or not


def test_401_before_the_body_is_read() -> None:
    """An unauthenticated request declaring a 1 MiB body is answered at once, without sending it."""
    with LocalServer() as srv:
        t = time.monotonic()
        raw = request("POST", "/_local/reset", {"Content-Length": str(1024 * 1024)}, body=b"")
        resp = exchange(srv.port, raw)
        assert resp is not None and resp.status == 401, resp
        assert time.monotonic() - t < 5
        assert srv.admin.get_faults()["injected"] == 0  # the admin client sends the token


def test_local_admin_requires_a_token() -> None:
    with pytest.raises(ValueError, match="owner token"):
        LocalAdmin("http://127.0.0.1:1", "")


BAD: list[tuple[str, str, Any, str]] = [
    ("PUT", "/faults", {"retry_after_seconds": -1}, "retry_after_seconds"),
    ("PUT", "/faults", {"retry_after_seconds": "soon"}, "retry_after_seconds"),
    ("PUT", "/faults", {"retry_after_seconds": 1e12}, "retry_after_seconds"),
    ("PUT", "/faults", {"retry_after_seconds": True}, "retry_after_seconds"),
    ("PUT", "/faults", {"latency_ms": -5}, "latency_ms"),
    ("PUT", "/faults", {"latency_ms": 10**9}, "latency_ms"),
    ("PUT", "/faults", {"latency_ms": 1.5}, "latency_ms"),
    ("PUT", "/faults", {"error_rate": 1.5}, "error_rate"),
    ("PUT", "/faults", {"error_rate": "half"}, "error_rate"),
    ("PUT", "/faults", {"rate_limited_rate": -0.1}, "rate_limited_rate"),
    ("PUT", "/faults", {"error_rate": 0.7, "rate_limited_rate": 0.7}, "rate_limited_rate"),
    ("PUT", "/faults", {"drop_after_commit_rate": 2}, "drop_after_commit_rate"),
    ("PUT", "/faults", {"seed": "x"}, "seed"),
    ("PUT", "/faults", {"seed": 2**70}, "seed"),
    ("PUT", "/faults", {"operations": "workspaces.create"}, "operations"),
    ("PUT", "/faults", {"operations": [1]}, "operations"),
    ("PUT", "/faults", {"statuses": []}, "statuses"),
    ("PUT", "/faults", {"statuses": [200]}, "statuses"),
    ("PUT", "/faults", {"max_faults": -1}, "max_faults"),
    ("PUT", "/faults", {"nonsense": 1}, "nonsense"),
    ("PUT", "/faults", [1, 2], "body"),
    ("PUT", "/config", {"operation_delay_seconds": -1}, "operation_delay_seconds"),
    ("PUT", "/config", {"operation_delay_seconds": "fast"}, "operation_delay_seconds"),
    ("PUT", "/config", {"operation_delay_seconds": 1e9}, "operation_delay_seconds"),
    ("PUT", "/config", {"secret_retention_seconds": -1}, "secret_retention_seconds"),
    ("PUT", "/config", {"secret_retention_seconds": "1d"}, "secret_retention_seconds"),
    ("PUT", "/config", {"subdomain_base_domain": "not a domain"}, "subdomain_base_domain"),
    ("PUT", "/config", {"subdomain_base_domain": 7}, "subdomain_base_domain"),
    ("PUT", "/config", {"colour": "red"}, "colour"),
    ("POST", "/users", {"email": "a@example.com"}, "name"),
    ("POST", "/users", {"name": "A"}, "email"),
    ("POST", "/users", {"name": "A", "email": "not-an-email"}, "email"),
    ("POST", "/users", {"name": "A", "email": 5}, "email"),
    ("POST", "/users", {"name": "", "email": "a@example.com"}, "name"),
    ("POST", "/users", {"name": "A" * 1000, "email": "a@example.com"}, "name"),
    ("POST", "/users", {"name": "A", "email": "a@example.com", "id": "../x"}, "id"),
    ("POST", "/users", "just a string", "body"),
    ("POST", "/artifacts", {"oci_ref": "oci://r/a", "semver": "1.0.0"}, "ref"),
    ("POST", "/artifacts", {"oci_ref": "oci://r/a", "semver": "1.0.0", "ref": "x", "input_schema": []}, "input_schema"),
    ("POST", "/workspaces/ws_x/management", {"organization_id": 3}, "organization_id"),
    ("POST", "/operations:fail-next", {"message": "m"}, "type"),
    ("POST", "/operations:fail-next", {"type": "cluster.create", "message": ["m"]}, "message"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), BAD, ids=[f"{b[1]}-{b[3]}-{i}" for i, b in enumerate(BAD)]
)
def test_control_values_are_validated(app: App, method: str, path: str, body: Any, field: str) -> None:
    before = (app.faults.describe(), app.rt.operation_delay)
    with _control(app, app.owner_token) as c:
        r = c.request(method, path, json=body)
    assert r.status_code == 400, r.text
    err = r.json()["errors"][0]
    assert err["code"] == 7001
    assert field in err["message"], err
    assert (app.faults.describe(), app.rt.operation_delay) == before  # nothing changed


def test_bad_json_and_unknown_endpoints(app: App) -> None:
    with _control(app, app.owner_token) as c:
        r = c.put("/faults", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["errors"][0]["message"] == "request body is not JSON"
        assert c.get("/nowhere").status_code == 404
        assert c.delete("/faults").status_code == 405
        r = c.put("/faults", content=b"[" * 100_000, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "deeper than 64" in r.json()["errors"][0]["message"]


def test_valid_values_take_effect_and_retry_after_is_a_number(app: App) -> None:
    with _control(app, app.owner_token) as c:
        r = c.put("/faults", json={"rate_limited_rate": 1.0, "retry_after_seconds": 2, "seed": 3})
        assert r.status_code == 200 and r.json()["retry_after_seconds"] == 2
        assert c.put("/config", json={"operation_delay_seconds": 0.5}).json()["operation_delay_seconds"] == 0.5
    api = httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://akua.test/v1",
        headers={"Authorization": f"Bearer {app.owner_token}"},
    )
    r = api.get("/workspaces")
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    app.faults.configure({"rate_limited_rate": 1.0, "retry_after_seconds": 0.25})
    assert api.get("/workspaces").headers["retry-after"] == "0.25"


def test_object_ids_in_control_paths_are_decoded_once(app: App) -> None:
    with _control(app, app.owner_token) as c:
        r = c.get("/objects/a%252Fb")
        assert r.status_code == 404 and r.json()["errors"][0]["message"] == "object a%2Fb not found"
        user = c.post("/users", json={"name": "Ann", "email": "ann@example.com"}).json()
        encoded = "".join(f"%{b:02X}" for b in user["id"].encode())
        assert c.get(f"/objects/{encoded}").json()["data"]["email"] == "ann@example.com"
        r = c.patch(f"/objects/{user['id']}", json={"id": "usr_other"})
        assert r.status_code == 400 and "id" in r.json()["errors"][0]["message"]


def test_real_server_decodes_a_slash_inside_one_segment() -> None:
    """Over a socket the raw target is matched first: ``%2F`` stays inside its segment."""
    with LocalServer() as srv:
        auth = {"Authorization": f"Bearer {srv.owner_token}"}
        r = exchange(srv.port, request("GET", "/_local/objects/a%2Fb", auth))
        assert r is not None and r.status == 404
        assert r.json()["errors"][0]["message"] == "object a/b not found"
        r = exchange(srv.port, request("GET", "/v1/workspaces/ws%2F..%2Fapi_tokens", auth))
        assert r is not None and r.status == 404
        assert r.json()["errors"][0]["message"] == "workspace ws/../api_tokens not found"
        r = exchange(srv.port, request("GET", "/v1/workspaces/ws%252Fx", auth))
        assert r is not None and r.json()["errors"][0]["message"] == "workspace ws%2Fx not found"


def test_http_server_shuts_down_with_open_keepalive_connections() -> None:
    with LocalServer() as srv:
        client = httpx.Client(base_url=srv.api_url, headers={"Authorization": f"Bearer {srv.owner_token}"})
        assert client.get("/workspaces").status_code == 200  # a kept-alive connection stays open
        assert isinstance(srv._httpd, HttpServer)
        t = time.monotonic()
    assert time.monotonic() - t < 5
    client.close()


def test_local_admin_puts_ids_in_paths_through_api_path() -> None:
    """``LocalAdmin`` encodes ids with the client's ``api_path``: an odd id reaches its own object (404 naming
    it intact), and ``..``/``.``/empty are refused before anything is sent."""
    with LocalServer() as srv:
        admin = srv.admin
        for odd in ("../health", "a/b", "a?b=c", "a#b", "%2F"):
            with pytest.raises(httpx.HTTPStatusError) as info:
                admin.get_object(odd)
            assert info.value.response.status_code == 404
            assert info.value.response.json()["errors"][0]["message"] == f"object {odd} not found"
        for unsegmentable in ("..", ".", ""):
            with pytest.raises(InvalidPathIdError):
                admin.delete_object(unsegmentable)

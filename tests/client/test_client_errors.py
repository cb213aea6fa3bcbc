"""Error mapping: both envelope shapes, every status class, messages and scrubbing."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from client_helpers import TOKEN, envelope
from conftest import MakeClient

from akua_pulumi.client import (
    AkuaError,
    ApiError,
    AuthenticationError,
    ConflictError,
    EtagMismatchError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
    error_from_response,
)


def _map(status: int, content: bytes, **kw: object) -> ApiError:
    return error_from_response(
        status,
        content,
        method="GET",
        url_path="/clusters/clu_1",
        operation_id="clusters.get",
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, ValidationError),
        (429, RateLimitedError),
        (500, ServerError),
        (503, ServerError),
        (504, ServerError),
        (418, ApiError),
    ],
)
def test_status_to_class_both_shapes(status: int, cls: type[ApiError]) -> None:
    spec_shape = envelope(status, 7001, "bad thing", path=["body", "name"]).content
    docs_shape = b'{"error": {"code": "not_found", "message": "bad thing"}}'
    for content in (spec_shape, docs_shape):
        err = _map(status, content)
        assert type(err) is cls
        assert err.status == status and err.message == "bad thing"
        assert isinstance(err, AkuaError)
    assert _map(status, spec_shape).code == 7001
    assert _map(status, spec_shape).path == ("body", "name")
    assert _map(status, docs_shape).code == "not_found"


def test_validation_error_field_path_and_message() -> None:
    err = _map(422, envelope(422, 7001, "too short", path=["body", "name"]).content)
    assert isinstance(err, ValidationError)
    assert err.field_path == ("body", "name")
    assert str(err) == "clusters.get failed: HTTP 422 (code 7001): too short [field body.name]"


def test_etag_mismatch_by_metadata_and_by_message() -> None:
    err = _map(409, envelope(409, 7009, "ABORTED: etag mismatch", metadata={"etag": "7"}).content)
    assert isinstance(err, EtagMismatchError) and isinstance(err, ConflictError)
    assert err.current_etag == "7"
    err = _map(409, envelope(409, 7009, "ABORTED: etag mismatch").content)
    assert isinstance(err, EtagMismatchError) and err.current_etag is None
    err = _map(409, b'{"error": {"code": "aborted", "message": "stale"}}')
    assert isinstance(err, EtagMismatchError)
    plain = _map(409, envelope(409, 7002, "slug taken").content)
    assert type(plain) is ConflictError


def test_unparseable_bodies() -> None:
    err = _map(502, b"<html>Bad Gateway</html>", reason="Bad Gateway")
    assert isinstance(err, ServerError) and "Bad Gateway" in err.message and err.code is None
    err = _map(503, b"", reason="Service Unavailable")
    assert err.message == "Service Unavailable"


def test_server_messages_are_scrubbed() -> None:
    content = envelope(401, 7000, f"token {TOKEN} is invalid; also sk_akua_zzzzzzzz", metadata={"t": TOKEN}).content
    err = _map(401, content, secrets=[TOKEN])
    for text in (str(err), repr(err), err.message, str(err.metadata), str(err.errors)):
        assert TOKEN not in text and "sk_akua_zzzz" not in text


def test_error_names_the_operation(make_client: MakeClient) -> None:
    client, _ = make_client(lambda r: envelope(404, 7002, "no such cluster"))
    with pytest.raises(NotFoundError) as info:
        client.get("/clusters/clu_9")
    assert info.value.operation == "clusters.get"
    assert str(info.value).startswith("clusters.get failed: HTTP 404")
    assert info.value.method == "GET" and info.value.url_path == "/clusters/clu_9"
    # No contract match -> METHOD path.
    client, _ = make_client(lambda r: envelope(404, 7002, "nope"))
    with pytest.raises(NotFoundError, match=r"GET /nothing/here failed"):
        client.get("/nothing/here")


def test_rate_limited_carries_retry_after(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        r = envelope(429, 7000, "slow down")
        r.headers["Retry-After"] = "0"
        return r

    client, rec = make_client(handler, max_attempts=1)
    with pytest.raises(RateLimitedError) as info:
        client.post("/workspaces", json={"name": "w"})
    assert info.value.retry_after == 0 and rec.count == 1


def test_transport_errors_are_mapped_once(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client, rec = make_client(handler, max_attempts=2)
    with pytest.raises(TransportError) as info:
        client.get("/clusters")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert str(info.value) == (
        "clusters.list: transport error: ConnectError: connection refused. Cannot reach the Akua API at "
        "https://api.test/v1: check `akua:apiUrl` / AKUA_API_URL and that it is up"
    )
    assert rec.count == 2

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, _ = make_client(timeout, max_attempts=1)
    with pytest.raises(TransportError, match="ReadTimeout"):
        client.get("/clusters")


# ---- errors a user can act on (issue 11): the hint names the setting to check ----


def test_hints_name_the_setting_to_check(akua: Any) -> None:
    """Against a real akua-local: 401, a refused connection, a URL without /v1, a workspace that does not exist."""
    from akua_pulumi.client import AkuaClient, AuthenticationError, NotFoundError, PermissionDeniedError

    with (
        AkuaClient(api_url=akua.api_url, token="sk_akua_wrong", max_attempts=1) as c,
        pytest.raises(AuthenticationError) as auth,
    ):
        c.get("/workspaces")
    assert "akua:token" in str(auth.value) and "AKUA_API_TOKEN" in str(auth.value)
    assert "sk_akua_wrong" not in str(auth.value)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # nothing listens once the socket closes
    with AkuaClient(api_url=dead, token=akua.owner_token, max_attempts=1) as c, pytest.raises(TransportError) as down:
        c.get("/workspaces")
    assert dead in str(down.value) and "akua:apiUrl" in str(down.value)

    base = akua.api_url.removesuffix("/v1")
    with AkuaClient(api_url=base, token=akua.owner_token, max_attempts=1) as c, pytest.raises(NotFoundError) as v1:
        c.get("/workspaces")
    assert f"`pulumi config set akua:apiUrl {base}/v1`" in str(v1.value)

    with AkuaClient(api_url=akua.api_url, token=akua.owner_token) as c, pytest.raises(PermissionDeniedError) as ws:
        c.get("/regions", workspace="ws_doesnotexist")
    assert "Workspace ws_doesnotexist does not exist" in str(ws.value)

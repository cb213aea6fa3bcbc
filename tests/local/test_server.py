"""The real socket server: concurrency, persistence, kill -9, drop-after-commit, CLI start time, HTTP limits."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from akua_pulumi.local import LocalServer
from akua_pulumi.local.limits import MAX_BODY, json_too_deep
from tests.support.ports import free_port

from ._raw_http import exchange, read_response, request


def _client(srv: LocalServer, ws: str | None = None) -> httpx.Client:
    h = {"Authorization": f"Bearer {srv.owner_token}", **({"akua-context": ws} if ws else {})}
    return httpx.Client(base_url=srv.api_url, headers=h, timeout=30)


def test_concurrent_creates_through_socket() -> None:
    with LocalServer() as srv, _client(srv) as c:
        ws = c.post("/workspaces", json={"name": "Acme"}).json()["id"]

        def create(i: int) -> int:
            with _client(srv, ws) as cc:
                return cc.post("/regions", json={"name": f"r{i}"}).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(create, range(64)))
        assert statuses == [201] * 64
        with _client(srv, ws) as cc:
            names = [r["name"] for r in cc.get("/regions", params={"limit": 100}).json()["data"]]
        assert sorted(names) == sorted(f"r{i}" for i in range(64))

        slugs = list(
            ThreadPoolExecutor(8).map(
                lambda _: _client(srv).post("/workspaces", json={"name": "x", "slug": "same-slug"}).status_code,
                range(8),
            )
        )
        assert sorted(slugs) == [201] + [409] * 7


def test_restart_on_file_db_keeps_data(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with LocalServer(db=db) as srv, _client(srv) as c:
        token = srv.owner_token
        ws = c.post("/workspaces", json={"name": "Persisted"}).json()["id"]
    with LocalServer(db=db) as srv, _client(srv) as c:
        assert srv.owner_token == token
        assert c.get(f"/workspaces/{ws}").json()["name"] == "Persisted"


def test_drop_after_commit() -> None:
    with LocalServer() as srv, _client(srv) as c:
        srv.admin.set_faults(drop_after_commit_rate=1.0, operations=["workspaces.create"])
        with pytest.raises(httpx.TransportError):
            c.post("/workspaces", json={"name": "Ghost", "slug": "ghost-ws"})
        srv.admin.clear_faults()
        slugs = [w["slug"] for w in c.get("/workspaces").json()["data"]]
        assert "ghost-ws" in slugs


def test_cli_starts_fast_and_survives_kill9(tmp_path: Path) -> None:
    port = free_port()
    db = str(tmp_path / "k.db")
    cmd = [
        sys.executable,
        "-m",
        "akua_pulumi.local.cli",
        "serve",
        "--port",
        str(port),
        "--db",
        db,
        "--token",
        "fixed-owner-token-0123456789abcd",
    ]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        elapsed = time.monotonic() - t0
        print(f"akua-local CLI ready in {elapsed:.2f}s")
        assert elapsed < 5
        assert any(line.startswith("export AKUA_API_TOKEN=fixed-owner-token") for line in lines)
        h = {"Authorization": "Bearer fixed-owner-token-0123456789abcd"}
        r = httpx.post(f"http://127.0.0.1:{port}/v1/workspaces", json={"name": "Durable"}, headers=h)
        assert r.status_code == 201
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
    finally:
        if proc.poll() is None:
            proc.kill()
    with LocalServer(db=db, token="fixed-owner-token-0123456789abcd") as srv, _client(srv) as c:
        assert c.get(f"/workspaces/{r.json()['id']}").json()["name"] == "Durable"


def test_async_operations_complete_without_polling() -> None:
    with LocalServer(operation_delay=0.2) as srv, _client(srv) as c:
        ws = c.post("/workspaces", json={"name": "A"}).json()["id"]
        cc = _client(srv, ws)
        reg = cc.post("/regions", json={"name": "eu"}).json()
        op = cc.post("/clusters", json={"name": "c", "region_id": reg["id"]}).json()
        assert op["state"] == "RUNNING"
        time.sleep(0.6)
        with srv.app.store.tx() as tx:  # the ticker completed it: no request needed
            done = tx.get("operation", op["id"])
            assert done is not None and done["state"] == "SUCCEEDED"
        waited = cc.post(f"/operations/{op['id']}:wait", params={"timeout": 5}).json()
        assert waited["response"]["cluster_id"] == op["owner_id"]


def _auth(srv: LocalServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {srv.owner_token}", "Content-Type": "application/json"}


def test_body_over_1mib_gets_413_before_it_is_read() -> None:
    with LocalServer() as srv:
        for path in ("/v1/workspaces", "/_local/users"):
            t = time.monotonic()  # nothing of the declared 2 MiB is sent: the answer cannot wait for it
            resp = exchange(srv.port, request("POST", path, {**_auth(srv), "Content-Length": str(2 * MAX_BODY)}))
            assert resp is not None and resp.status == 413, (path, resp)
            assert resp.json()["errors"][0]["message"] == f"request body exceeds the limit of {MAX_BODY} bytes"
            assert time.monotonic() - t < 5
        chunk = b"x" * (MAX_BODY + 10)
        chunked = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
        headers = {**_auth(srv), "Transfer-Encoding": "chunked"}
        resp = exchange(srv.port, request("POST", "/v1/workspaces", headers, chunked, length=False))
        assert resp is not None and resp.status == 413
        # exactly 1 MiB is within the limit: the contract answers it (a name that long is invalid)
        body = json.dumps({"name": "n" * (MAX_BODY - 12)}).encode()
        assert len(body) == MAX_BODY
        r = httpx.post(srv.api_url + "/workspaces", content=body, headers=_auth(srv))
        assert r.status_code in (400, 422), r.text


def test_a_refused_request_gets_no_100_continue() -> None:
    """``Expect: 100-continue`` (curl sends it for bodies over 1 KiB): a request refused on its headers (413
    over the limit, 401 on the control plane without the token) is answered at once, never invited to send
    its body; an acceptable one gets its ``100 Continue``, then its answer."""
    with LocalServer() as srv:
        refused = [
            ("/v1/workspaces", _auth(srv), 3 * MAX_BODY, 413),
            ("/_local/reset", {"Content-Type": "text/plain"}, 2048, 401),
        ]
        for path, headers, length, status in refused:
            expect = {**headers, "Expect": "100-continue", "Content-Length": str(length)}
            resp = exchange(srv.port, request("POST", path, expect))
            assert resp is not None and resp.status == status, (path, resp)
        body = json.dumps({"name": "Continued"}).encode()
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            head = request("POST", "/v1/workspaces", {**_auth(srv), "Expect": "100-continue"}, body)
            sock.sendall(head[: -len(body)])
            interim = read_response(sock, head=True)
            assert interim is not None and interim.status == 100, interim
            sock.sendall(body)
            created = read_response(sock)
            assert created is not None and created.status == 201, created


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "0x10", " 12 3", "9" * 25, "1" * 5000])
def test_bad_content_length_gets_400(length: str) -> None:
    with LocalServer() as srv:
        for path in ("/v1/workspaces", "/_local/users"):
            resp = exchange(srv.port, request("POST", path, {**_auth(srv), "Content-Length": length}, b"{}"))
            assert resp is not None and resp.status == 400, (length, resp)
            assert resp.headers["content-type"] == "application/json"
            assert resp.json()["errors"][0]["code"] == 7001


def test_absurd_but_numeric_content_length_gets_413() -> None:
    with LocalServer() as srv:
        resp = exchange(srv.port, request("POST", "/v1/workspaces", {**_auth(srv), "Content-Length": "1" + "0" * 12}))
        assert resp is not None and resp.status == 413


def test_json_nested_deeper_than_64_gets_400() -> None:
    with LocalServer() as srv, httpx.Client(headers=_auth(srv)) as c:
        for depth in (65, 100_000):
            deep = b"[" * depth + b"]" * depth
            for url in (srv.api_url + "/workspaces", srv.base_url + "/_local/faults"):
                r = c.request("POST" if "/v1" in url else "PUT", url, content=deep)
                assert r.status_code == 400, (depth, url, r.text)
                assert r.json()["errors"][0]["message"] == "request body nests deeper than 64 levels"
        ok = json.dumps({"name": "Acme", "x": json.loads("[" * 63 + "]" * 63)})  # 64 levels, then the contract
        r = c.post(srv.api_url + "/workspaces", content=ok)
        assert r.status_code in (400, 422) and "deeper" not in r.text


def test_nesting_scan_ignores_brackets_inside_strings() -> None:
    assert not json_too_deep(json.dumps({"name": "[" * 200, "x": ['{\\"' * 100]}).encode())
    assert json_too_deep(b"[" * 65) and not json_too_deep(b"[" * 64)
    assert json_too_deep(b'{"a": ' * 65)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /v1/workspaces HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n", 400),
        (b"GET /v1/workspaces HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"POST /v1/workspaces HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        (b"GET /v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET http://other.example/v1/workspaces HTTP/1.1\r\nHost: x\r\n\r\n", 401),
    ],
)
def test_malformed_http_gets_a_json_4xx(raw: bytes, status: int) -> None:
    with LocalServer() as srv:
        resp = exchange(srv.port, raw)
        assert resp is not None and resp.status == status, resp
        assert resp.headers["content-type"] == "application/json"
        assert resp.json()["success"] is False


def test_keepalive_pipelining_and_head() -> None:
    with LocalServer() as srv, socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        one = f"GET /v1/workspaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {srv.owner_token}\r\n\r\n".encode()
        sock.sendall(one + one.replace(b"GET", b"HEAD", 1) + one)
        first, head, third = read_response(sock), read_response(sock, head=True), read_response(sock)
        assert first is not None and first.status == 200 and first.json()["data"] == []
        assert head is not None and head.status == 405 and head.body == b""  # the contract declares no HEAD
        assert third is not None and third.status == 200 and third.body == first.body

"""The real socket server: concurrency, persistence, kill -9, drop-after-commit, CLI start time."""

from __future__ import annotations

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_starts_fast_and_survives_kill9(tmp_path: Path) -> None:
    port = _free_port()
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
            assert tx.get("operation", op["id"])["state"] == "SUCCEEDED"
        waited = cc.post(f"/operations/{op['id']}:wait", params={"timeout": 5}).json()
        assert waited["response"]["cluster_id"] == op["owner_id"]

"""SQLite persistence for akua-local.

One connection guarded by a lock (SQLite serialises writers anyway). File databases use WAL with
``synchronous=FULL`` and every request runs in one ``BEGIN IMMEDIATE`` transaction, so a write that was
acknowledged survives ``kill -9``.

Schema: ``objects`` holds every resource as JSON (``data``) with indexed columns for kind, workspace,
parent, a per-scope natural key (``UNIQUE(kind, scope, natural_key)``) and ``seq``, a monotonic
AUTOINCREMENT used for newest-first keyset pagination. ``tokens`` holds hashed credentials,
``idempotency`` stored responses, ``timers`` the due times of async work, ``kv`` small settings.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import LocalConflict, LocalNotFound, ValidationFailed
from .util import now

__all__ = ["Store", "Tx"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    workspace_id TEXT,
    parent_id TEXT,
    scope TEXT,
    natural_key TEXT,
    created_at INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (kind, scope, natural_key)
);
CREATE INDEX IF NOT EXISTS objects_kind_ws ON objects (kind, workspace_id, seq);
CREATE INDEX IF NOT EXISTS objects_kind_parent ON objects (kind, parent_id, seq);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT,
    workspace_id TEXT,
    token_id TEXT,
    expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS tokens_token_id ON tokens (token_id);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS timers (
    ref TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    due_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Obj = dict[str, Any]


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Inverse of :func:`encode_cursor`; 400 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, _, num = raw.partition(":")
        if tag != "s":
            raise ValueError(raw)
        return int(num)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("invalid cursor", path=["query", "cursor"]) from exc


class Tx:
    """Typed helpers over the connection, valid inside :meth:`Store.tx`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def q(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return self.conn.execute(sql, args).fetchall()

    # -- objects -----------------------------------------------------------------------------

    def get(self, kind: str, oid: str) -> Obj | None:
        rows = self.q("SELECT data FROM objects WHERE id=? AND kind=?", oid, kind)
        return json.loads(rows[0][0]) if rows else None

    def get_any(self, oid: str) -> tuple[str, Obj] | None:
        rows = self.q("SELECT kind, data FROM objects WHERE id=?", oid)
        return (rows[0][0], json.loads(rows[0][1])) if rows else None

    def must(self, kind: str, oid: str, workspace_id: str | None = None, what: str | None = None) -> Obj:
        """The object or :class:`LocalNotFound` (also when it lives in another workspace)."""
        obj = self.get(kind, oid)
        if obj is None or (workspace_id is not None and obj.get("workspace_id") != workspace_id):
            raise LocalNotFound(f"{what or kind} {oid} not found")
        return obj

    def insert(
        self,
        kind: str,
        obj: Obj,
        *,
        workspace_id: str | None = None,
        parent_id: str | None = None,
        natural_key: str | None = None,
        scope: str = "",
        conflict: str = "already exists",
    ) -> Obj:
        """Insert ``obj`` (must carry ``id``); a natural-key clash raises :class:`LocalConflict`."""
        try:
            self.conn.execute(
                "INSERT INTO objects (id, kind, workspace_id, parent_id, scope, natural_key, created_at,"
                " data) VALUES (?,?,?,?,?,?,?,?)",
                (
                    obj["id"],
                    kind,
                    workspace_id,
                    parent_id,
                    scope,
                    natural_key,
                    obj.get("created_at", now()),
                    json.dumps(obj),
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise LocalConflict(conflict) from exc
        return obj

    def save(self, obj: Obj, *, natural_key: str | None = None, conflict: str = "already exists") -> Obj:
        """Write ``obj`` back (optionally changing its natural key)."""
        try:
            if natural_key is not None:
                self.conn.execute(
                    "UPDATE objects SET data=?, natural_key=? WHERE id=?",
                    (json.dumps(obj), natural_key, obj["id"]),
                )
            else:
                self.conn.execute("UPDATE objects SET data=? WHERE id=?", (json.dumps(obj), obj["id"]))
        except sqlite3.IntegrityError as exc:
            raise LocalConflict(conflict) from exc
        return obj

    def delete(self, oid: str) -> None:
        self.conn.execute("DELETE FROM objects WHERE id=?", (oid,))
        self.conn.execute("DELETE FROM timers WHERE ref=?", (oid,))

    def find(
        self,
        kind: str,
        *,
        workspace_id: str | None = None,
        parent_id: str | None = None,
        natural_key: str | None = None,
        scope: str | None = None,
    ) -> list[Obj]:
        sql, args = self._where(
            kind, workspace_id=workspace_id, parent_id=parent_id, natural_key=natural_key, scope=scope
        )
        return [json.loads(r[0]) for r in self.q(f"SELECT data FROM objects WHERE {sql} ORDER BY seq DESC", *args)]

    @staticmethod
    def _where(kind: str, **columns: str | None) -> tuple[str, list[Any]]:
        """``kind=? AND <column>=?...`` for the columns given a value (None: any)."""
        sql, args = "kind=?", [kind]
        for column, value in columns.items():
            if value is not None:
                sql += f" AND {column}=?"
                args.append(value)
        return sql, args

    def page(
        self,
        kind: str,
        *,
        workspace_id: str | None = None,
        parent_id: str | None = None,
        ids: list[str] | None = None,
        cursor: str | None = None,
        limit: int | None = 50,
        keep: Callable[[Obj], bool] | None = None,
        render: Callable[[Obj], Any] = lambda o: o,
    ) -> dict[str, Any]:
        """Newest-first keyset page ``{data, has_more, next_cursor}``; ``limit=None`` = everything."""
        sql, args = self._where(kind, workspace_id=workspace_id, parent_id=parent_id)
        if ids is not None:
            sql += f" AND id IN ({','.join('?' * len(ids))})"
            args.extend(ids)
        if cursor:
            sql += " AND seq < ?"
            args.append(decode_cursor(cursor))
        data: list[Any] = []
        last = 0
        has_more = False
        for seq, raw in self.conn.execute(f"SELECT seq, data FROM objects WHERE {sql} ORDER BY seq DESC", args):
            obj = json.loads(raw)
            if keep is not None and not keep(obj):
                continue
            if limit is not None and len(data) == limit:
                has_more = True
                break
            data.append(render(obj))
            last = seq
        return {"data": data, "has_more": has_more, "next_cursor": encode_cursor(last) if has_more else None}

    def count(self, kind: str, workspace_id: str | None = None, keep: Callable[[Obj], bool] | None = None) -> int:
        return sum(1 for o in self.find(kind, workspace_id=workspace_id) if keep is None or keep(o))

    # -- kv ----------------------------------------------------------------------------------

    def kv_get(self, key: str) -> str | None:
        rows = self.q("SELECT value FROM kv WHERE key=?", key)
        return rows[0][0] if rows else None

    def kv_set(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?,?)", (key, value))

    # -- timers ------------------------------------------------------------------------------

    def schedule(self, ref: str, action: str, due_at: float) -> None:
        self.conn.execute("INSERT OR REPLACE INTO timers (ref, action, due_at) VALUES (?,?,?)", (ref, action, due_at))

    def due(self, at: float) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.q("SELECT ref, action FROM timers WHERE due_at<=? ORDER BY due_at", at)]

    def next_due(self) -> float | None:
        rows = self.q("SELECT MIN(due_at) FROM timers")
        return rows[0][0] if rows and rows[0][0] is not None else None

    def unschedule(self, ref: str) -> None:
        self.conn.execute("DELETE FROM timers WHERE ref=?", (ref,))


class Store:
    """The database: ``Store(":memory:")`` or ``Store("path/to/akua-local.db")``."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)
        self._depth = 0

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """One ``BEGIN IMMEDIATE`` transaction, committed on success (re-entrant: joins the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield Tx(self._conn)
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def wipe(self) -> None:
        """Delete every row of every table."""
        with self.tx() as t:
            for table in ("objects", "tokens", "idempotency", "timers", "kv"):
                t.conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

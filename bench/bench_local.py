"""Loopback throughput of akua-local: concurrent readers and writers against the socket server.

Reproduce: ``.venv/bin/python bench/bench_local.py --seconds 5 --threads 8``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from akua_pulumi.local import LocalServer


def _run(srv: LocalServer, ws: str, threads: int, seconds: float, kind: str) -> dict[str, Any]:
    counts = [0] * threads
    errors = [0] * threads
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        h = {"Authorization": f"Bearer {srv.owner_token}", "akua-context": ws}
        with httpx.Client(base_url=srv.api_url, headers=h, timeout=30) as c:
            n = 0
            while time.monotonic() < stop:
                if kind == "read":
                    r = c.get("/regions", params={"limit": 20})
                else:
                    r = c.post("/regions", json={"name": f"t{i}-{n}"})
                n += 1
                if r.status_code >= 300:
                    errors[i] += 1
                counts[i] += 1

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.monotonic() - t0
    return {
        "kind": kind,
        "threads": threads,
        "requests": sum(counts),
        "errors": sum(errors),
        "seconds": round(elapsed, 2),
        "per_second": round(sum(counts) / elapsed, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--db", default=":memory:", help=":memory: or a file path (WAL, synchronous=FULL)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "local.json"))
    args = ap.parse_args()
    rows = []
    with LocalServer(db=args.db) as srv:
        h = {"Authorization": f"Bearer {srv.owner_token}"}
        ws = httpx.post(srv.api_url + "/workspaces", json={"name": "bench"}, headers=h).json()["id"]
        for kind in ("write", "read"):
            rows.append(_run(srv, ws, args.threads, args.seconds, kind))
    print(f"{'kind':<6} {'threads':>7} {'requests':>9} {'errors':>6} {'req/s':>8}")
    for r in rows:
        print(f"{r['kind']:<6} {r['threads']:>7} {r['requests']:>9} {r['errors']:>6} {r['per_second']:>8}")
    out = {
        "db": args.db,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "results": rows,
        "reproduce": ".venv/bin/python bench/bench_local.py"
        + f" --seconds {args.seconds:g} --threads {args.threads}"
        + (f" --db {args.db}" if args.db != ":memory:" else ""),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}\nreproduce: {out['reproduce']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

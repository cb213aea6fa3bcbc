"""``akua-local serve``: run the emulator in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from types import FrameType


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="akua-local", description="A local, SQLite-backed Akua API emulator.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the emulated API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--db", default=os.path.join(".akua", "akua-local.db"), help="SQLite file or :memory:")
    serve.add_argument(
        "--token",
        default=None,
        help="fixed bootstrap owner token (else generated and persisted); also the /_local control plane's credential",
    )
    serve.add_argument("--operation-delay", type=float, default=0.2, help="seconds before async operations finish")
    serve.add_argument("--seed", type=int, default=0, help="fault-injection seed")
    serve.add_argument("--latency-ms", type=int, default=0, help="added latency per /v1 request")
    serve.add_argument("--pid-file", default=None, help="write the process id here")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    from .app import create_app
    from .server import make_server, run_ticker

    start = time.monotonic()
    app = create_app(
        args.db,
        operation_delay=args.operation_delay,
        owner_token=args.token,
        seed=args.seed,
        latency_ms=args.latency_ms,
    )
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    httpd = make_server(app, args.host, args.port, verbose=args.verbose)
    stop = threading.Event()
    threading.Thread(target=run_ticker, args=(app, stop), daemon=True).start()
    if args.pid_file:
        with open(args.pid_file, "w") as fh:
            fh.write(str(os.getpid()))
    base = f"http://{args.host}:{httpd.server_address[1]}/v1"
    print(f"akua-local listening on {base} (db {args.db}, started in {time.monotonic() - start:.2f}s)")
    print(f"owner token: {app.owner_token}")
    print(f"export AKUA_API_URL={base}")
    print(f"export AKUA_API_TOKEN={app.owner_token}", flush=True)

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()
        httpd.shutdown()  # non-blocking: wakes serve_forever, which closes connections and returns

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        httpd.serve_forever()
    finally:
        stop.set()
        httpd.server_close()
        app.store.close()
        if args.pid_file and os.path.exists(args.pid_file):
            os.unlink(args.pid_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())

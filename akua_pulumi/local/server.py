"""Serve the WSGI app (HTTP/1.1 keep-alive, ThreadingHTTPServer) and :class:`LocalServer` for tests."""

from __future__ import annotations

import io
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from .app import App, create_app
from .faults import DropConnection

__all__ = ["LocalServer", "make_server"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "akua-local"
    disable_nagle_algorithm = True  # header and body are separate writes: avoid 40 ms delayed-ACK stalls
    # Malformed HTTP (bad request line, oversized headers) still gets the JSON error envelope, never HTML.
    error_content_type = "application/json"
    error_message_format = (
        '{"success": false, "errors": [{"code": 7001, "message": "malformed HTTP request (%(code)d)"}], "result": {}}'
    )
    app: App

    def log_message(self, format: str, *args: Any) -> None:  # quiet by default
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": unquote(url.path),
            "QUERY_STRING": url.query,
            "REQUEST_URI": self.path,
            "CONTENT_LENGTH": str(len(raw)),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),  # type: ignore[index]
            "wsgi.input": io.BytesIO(raw),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for k, v in self.headers.items():
            environ["HTTP_" + k.upper().replace("-", "_")] = v
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        try:
            chunks = self.app(environ, start_response)
        except DropConnection:
            # The write is committed; close the socket without a response (an "ambiguous" failure).
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        code, _, reason = captured["status"].partition(" ")
        self.send_response(int(code), reason)
        for k, v in captured["headers"]:
            self.send_header(k, v)
        self.end_headers()
        if self.command == "HEAD":
            return  # a HEAD answer carries the headers of the response but never its body
        for chunk in chunks:
            self.wfile.write(chunk)

    def __getattr__(self, name: str) -> Any:
        # Every method token reaches the app (TRACE, OPTIONS, HEAD, made-up ones), which answers 405
        # with ``Allow`` where the contract does not declare it, never the stdlib's HTML 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(app: App, host: str = "127.0.0.1", port: int = 8765, verbose: bool = False) -> ThreadingHTTPServer:
    """A threading HTTP server bound to ``host:port`` serving ``app``."""
    handler = type("Handler", (_Handler,), {"app": app})
    srv = _Server((host, port), handler)
    srv.verbose = verbose  # type: ignore[attr-defined]
    return srv


class LocalServer:
    """akua-local in a background thread, for tests::

    with LocalServer() as srv:
        httpx.get(srv.api_url + "/workspaces", headers={"Authorization": f"Bearer {srv.owner_token}"})
    """

    def __init__(
        self,
        db: str = ":memory:",
        port: int = 0,
        operation_delay: float = 0.0,
        token: str | None = None,
        seed: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self.app = create_app(db, operation_delay=operation_delay, owner_token=token, seed=seed)
        self.host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def owner_token(self) -> str:
        return self.app.owner_token

    @property
    def admin(self) -> Any:
        from .admin import LocalAdmin

        return LocalAdmin(self.base_url)

    def start(self) -> LocalServer:
        """Bind and serve in daemon threads (plus a ticker that completes due operations)."""
        self._httpd = make_server(self.app, self.host, self._port)
        self._stop.clear()
        serve = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        tick = threading.Thread(target=run_ticker, args=(self.app, self._stop), daemon=True)
        self._threads = [serve, tick]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the database."""
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self.app.store.close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_ticker(app: App, stop: threading.Event, interval: float = 0.05) -> None:
    """Complete due operations even when nobody polls."""
    while not stop.wait(interval):
        try:
            app.tick()
        except Exception:  # never let the ticker die (e.g. the store was closed)
            if stop.is_set():
                return

"""Serve the WSGI app with waitress and :class:`LocalServer` (akua-local in a background thread) for tests.

waitress parses HTTP: malformed requests, oversized headers (431) and bodies (413, before they are read)
never reach the app, keep-alive and pipelining work, ``TCP_NODELAY`` is on. Its own error answers are
rendered as the API's JSON error envelope here, and a ``DropConnection`` raised by the app (an injected
drop after commit) closes the connection without a response.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from waitress import wasyncore
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError, TransferEncodingNotImplemented
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import Error

from .app import App, create_app
from .faults import DropConnection
from .limits import MAX_BODY, MAX_CONTENT_LENGTH_DIGITS, MAX_HEADER_BYTES, control_authorized, raw_path, unauthorized

__all__ = ["HttpServer", "LocalServer", "make_server", "run_ticker"]

log = logging.getLogger("akua_pulumi.local")


class _Unauthorized(Error):
    """A ``/_local`` request without the owner token, refused as soon as its headers are parsed."""

    code, reason = 401, "Unauthorized"


class _Parser(HTTPRequestParser):
    """waitress's parser, with every header it cannot take answered 400 (never 501, never a dropped socket),
    and a control-plane request without the owner token refused before its body is received."""

    owner_token: Callable[[], str] = staticmethod(lambda: "")

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except ParsingError:
            raise
        except (TransferEncodingNotImplemented, ValueError) as exc:  # e.g. a 5,000-digit Content-Length
            raise ParsingError(f"unsupported request header: {type(exc).__name__}") from exc
        if len(str(getattr(self, "content_length", 0))) > MAX_CONTENT_LENGTH_DIGITS:
            raise ParsingError("Content-Length is invalid")
        path = raw_path({"REQUEST_URI": self.request_uri})
        if path == "/_local" or path.startswith("/_local/"):
            authorization = {"HTTP_AUTHORIZATION": self.headers.get("AUTHORIZATION", "")}
            if not control_authorized(authorization, self.owner_token()):
                self.error = _Unauthorized(unauthorized().message)
                self.body_rcv = None  # answered now; the body is never read
                self.content_length = 0

    def received(self, data: bytes) -> int:
        """waitress's ``received``; a request already refused (401 here, 413 or 400 in waitress) never gets
        a ``100 Continue``: waitress would send one and reopen the request, inviting the body it refuses
        (and, for the 401, reading the body as the next request)."""
        consumed = int(super().received(data))
        if self.error is not None:
            self.expect_continue = False
        return consumed


class _ErrorTask(ErrorTask):
    """waitress's own answers (400 malformed, 413, 431) as the JSON error envelope; the request is not echoed."""

    def execute(self) -> None:
        error = self.request.error
        code = int(error.code)
        if code == 501:
            code = 400  # waitress's "Transfer-Encoding not implemented": the client's request, not our fault
        reason = {
            401: "Unauthorized",
            400: "Bad Request",
            413: "Payload Too Large",
            431: "Request Header Fields Too Large",
        }.get(code, str(error.reason))
        message = {
            401: str(error.body),
            400: _malformed(str(error.body)),
            413: f"request body exceeds the limit of {MAX_BODY} bytes",
            431: f"request headers exceed the limit of {MAX_HEADER_BYTES} bytes",
        }.get(code, "the server could not answer the request")
        body = json.dumps(
            {"success": False, "errors": [{"code": _CODES.get(code, 7000), "message": message}], "result": {}}
        ).encode()
        self.status = f"{code} {reason}"
        self.response_headers.extend([("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


_CODES = {400: 7001, 401: 7003, 413: 7001, 431: 7001}


def _malformed(detail: str) -> str:
    """waitress's reason when it names no part of the request (it quotes what it echoes), else nothing."""
    if detail and len(detail) <= 80 and '"' not in detail and "\\" not in detail and detail.isprintable():
        return f"malformed HTTP request: {detail}"
    return "malformed HTTP request"


class _Task(WSGITask):
    """Runs the app; an injected drop after commit closes the socket without writing a byte."""

    def service(self) -> None:
        try:
            super().service()
        except DropConnection as exc:
            # Nothing was written (the app raises before start_response); the channel closes the socket.
            self.close_on_finish = True
            raise ClientDisconnected(str(exc)) from exc


class _Channel(HTTPChannel):
    parser_class = _Parser
    task_class = _Task
    error_task_class = _ErrorTask


def _wrap(app: App, verbose: bool) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """The app as served: a ``HEAD`` answer keeps its headers (``Content-Length`` too) but sends no body
    (waitress writes whatever the app returns); ``verbose`` logs one line per request (method, path,
    status), never headers or bodies."""

    def served(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if verbose:
                log.info("%s %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), status.split(" ")[0])
            return start_response(status, headers, exc_info)

        chunks = app(environ, start)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else chunks

    return served


class HttpServer:
    """waitress serving ``app`` on ``host:port``: :meth:`serve_forever` in one thread, :meth:`shutdown` from any."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 8765, verbose: bool = False) -> None:
        self._map: dict[int, Any] = {}
        self._stop = threading.Event()
        self._server = create_server(
            _wrap(app, verbose),
            map=self._map,
            host=host,
            port=port,
            ident="akua-local",
            threads=8,
            connection_limit=512,
            backlog=256,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BODY + 1,  # waitress refuses from this size on: MAX_BODY itself passes
            inbuf_overflow=MAX_BODY + 1,  # bodies stay in memory (never a temp file)
            channel_timeout=120,
            asyncore_use_poll=True,
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=True,
        )
        parser = type("Parser", (_Parser,), {"owner_token": staticmethod(lambda: app.owner_token)})
        channel = type("Channel", (_Channel,), {"parser_class": parser})
        self._listeners = [obj for obj in self._map.values() if isinstance(obj, BaseWSGIServer)]
        for listener in self._listeners:
            listener.channel_class = channel

    @property
    def server_address(self) -> tuple[str, int]:
        first = self._listeners[0]
        return str(first.effective_host), int(first.effective_port)

    def serve_forever(self, poll_interval: float = 1.0) -> None:
        """Serve until :meth:`shutdown`; then close every connection and stop the worker threads."""
        try:
            while not self._stop.is_set() and self._map:
                wasyncore.loop(timeout=poll_interval, map=self._map, use_poll=True, count=1)
        finally:
            self._server.task_dispatcher.shutdown(timeout=5)
            for obj in list(self._map.values()):
                with contextlib.suppress(OSError):
                    obj.close()

    def shutdown(self) -> None:
        """Ask :meth:`serve_forever` to return (wakes its poll)."""
        self._stop.set()
        for listener in self._listeners:
            with contextlib.suppress(OSError):
                listener.pull_trigger()

    def server_close(self) -> None:
        """Kept for the old ``socketserver`` shape: closing happens when :meth:`serve_forever` returns."""


def make_server(app: App, host: str = "127.0.0.1", port: int = 8765, verbose: bool = False) -> HttpServer:
    """A waitress server bound to ``host:port`` serving ``app`` (call ``serve_forever()``)."""
    return HttpServer(app, host, port, verbose)


class LocalServer:
    """akua-local in a background thread, for tests::

    with LocalServer() as srv:
        httpx.get(srv.api_url + "/workspaces", headers={"Authorization": f"Bearer {srv.owner_token}"})
        srv.admin.counters()  # the /_local control plane, with the owner token
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
        self._httpd: HttpServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

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

        return LocalAdmin(self.base_url, self.owner_token)

    def start(self) -> LocalServer:
        """Bind and serve in daemon threads (plus a ticker that completes due operations)."""
        self._httpd = make_server(self.app, self.host, self._port)
        self._stop.clear()
        serve = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True)
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
        for t in self._threads:
            t.join(timeout=10)
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

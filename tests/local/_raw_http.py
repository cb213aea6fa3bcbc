"""A raw HTTP/1.1 exchange over a socket, for request shapes httpx refuses to send."""

from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass
from typing import Any


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(port: int, request: bytes, timeout: float = 10.0) -> RawResponse | None:
    """Send ``request`` bytes and read one response (``None`` when the server closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # the server may answer and close while we are still sending
            sock.sendall(request)
        return read_response(sock)


def read_response(sock: socket.socket, head: bool = False) -> RawResponse | None:
    """One response from ``sock`` (headers, then ``Content-Length`` bytes of body; none for ``head``).

    Bytes read past the response (pipelined answers) are kept for the next call on the same socket.
    """
    data = _PENDING.pop(sock.fileno(), b"")
    while b"\r\n\r\n" not in data:
        chunk = _recv(sock)
        if not chunk:
            return None if not data else _parse(data, b"")
        data += chunk
    top, _, rest = data.partition(b"\r\n\r\n")
    response = _parse(top, b"")
    length = 0 if head else int(response.headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = _recv(sock)
        if not chunk:
            break
        rest += chunk
    response.body = rest[:length]
    if rest[length:]:
        _PENDING[sock.fileno()] = rest[length:]
    return response


_PENDING: dict[int, bytes] = {}


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def _parse(head: bytes, body: bytes) -> RawResponse:
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(status, headers, body)


def request(
    method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"", length: bool = True
) -> bytes:
    """A request's bytes; ``length`` adds ``Content-Length`` of ``body`` unless ``headers`` sets one."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    hdrs = dict(headers or {})
    if length and not any(k.lower() == "content-length" for k in hdrs):
        hdrs["Content-Length"] = str(len(body))
    lines += [f"{k}: {v}" for k, v in hdrs.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body

"""A free loopback port for a test: bound and closed at once, so nothing listens there until a server
the test starts binds it (or never, for tests of an unreachable address)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A 127.0.0.1 port the kernel just handed out and nobody holds."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

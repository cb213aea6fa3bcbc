"""httpx, as the client loads it: without httpx's command-line client, and with a TLS context that
reads its trust store on the first TLS handshake rather than when the client is built.

Both are about a dynamic-provider process, which the engine starts for every command and which
builds one client: httpx's ``__init__`` imports its CLI (``httpx._main``: click, rich, pygments,
~60 ms of CPU) whenever those happen to be installed (the ``pipeline`` extra installs rich), and
``httpx.Client()`` loads the CA bundle (~20-40 ms) even for a plain ``http://`` API (akua-local,
a loopback proxy) that never speaks TLS. Nothing else changes: ``httpx.main`` is still the CLI,
and an ``https://`` API is verified against the same trust store httpx would load.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

__all__ = ["DeferredTrustContext", "httpx"]


def _import_httpx() -> ModuleType:
    """``import httpx``, skipping the eager import of its CLI (``httpx.main`` imports it when called)."""
    loaded = sys.modules.get("httpx")
    if loaded is not None:
        return loaded
    blocked = "httpx._main" not in sys.modules
    if blocked:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]  # makes `from ._main import main` fail
    try:
        import httpx as module
    finally:
        if blocked and sys.modules.get("httpx._main", 0) is None:
            del sys.modules["httpx._main"]

    if blocked:
        # ``httpx.main`` (the CLI's click command) stays available: it is imported on first access
        # (httpx's own stand-in, which says what to install, where the CLI's packages are missing).
        stand_in = module.main
        del module.main

        def cli_on_access(name: str) -> Any:
            if name != "main":
                raise AttributeError(f"module 'httpx' has no attribute {name!r}")
            try:
                from httpx._main import main
            except ImportError:
                return stand_in
            return main

        setattr(module, "__getattr__", cli_on_access)  # noqa: B010 (a module-level __getattr__, PEP 562)
    return module


if TYPE_CHECKING:
    import httpx
else:
    httpx = _import_httpx()


class DeferredTrustContext(ssl.SSLContext):
    """A client TLS context that loads what ``httpx.create_ssl_context(verify=True)`` would (the
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` files, else certifi's bundle) on its first handshake.

    Until then it trusts nothing and still requires a verified certificate and hostname, so it can
    only fail closed. Build it with :meth:`create`.
    """

    _trust_lock: threading.Lock
    _trust_loaded: bool

    @classmethod
    def create(cls) -> DeferredTrustContext:
        ctx = cls(ssl.PROTOCOL_TLS_CLIENT)  # verify_mode CERT_REQUIRED, check_hostname True
        ctx._trust_lock = threading.Lock()
        ctx._trust_loaded = False
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:  # as ssl.create_default_context does
            ctx.keylog_filename = keylog
        return ctx

    def load_trust(self) -> None:
        """Load the trust store now (once)."""
        if self._trust_loaded:
            return
        with self._trust_lock:
            if self._trust_loaded:
                return
            if os.environ.get("SSL_CERT_FILE"):
                self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
            elif os.environ.get("SSL_CERT_DIR"):
                self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
            else:
                import certifi

                self.load_verify_locations(cafile=certifi.where())
            self._trust_loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_trust()
        return super().wrap_bio(*args, **kwargs)

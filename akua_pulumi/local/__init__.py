"""akua-local: a faithful SQLite-backed emulator of the Akua API (see docs/akua-local.md)."""

from __future__ import annotations

from .admin import LocalAdmin
from .app import App, create_app
from .server import LocalServer

__all__ = ["App", "LocalAdmin", "LocalServer", "create_app"]

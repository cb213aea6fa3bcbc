"""Helpers for client tests: a recording MockTransport, error envelopes, constants."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

TOKEN = "sk_akua_abcdefghijklmnopqrstuvwxyz012345"
API_URL = "https://api.test/v1"

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Recorder:
    """Wraps a handler; records every request with its send time (monotonic)."""

    handler: Handler
    requests: list[httpx.Request] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            self.times.append(time.monotonic())
        return self.handler(request)

    @property
    def count(self) -> int:
        return len(self.requests)


def envelope(status: int, code: int, message: str, **extra: Any) -> httpx.Response:
    entry: dict[str, Any] = {"code": code, "message": message, **extra}
    return httpx.Response(status, json={"success": False, "errors": [entry], "result": {}})


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None

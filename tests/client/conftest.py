"""Fixtures for client tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from client_helpers import API_URL, TOKEN, Handler, Recorder

from akua_pulumi.client import AkuaClient

MakeClient = Callable[..., tuple[AkuaClient, Recorder]]


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    clients: list[AkuaClient] = []

    def factory(handler: Handler, **overrides: Any) -> tuple[AkuaClient, Recorder]:
        recorder = Recorder(handler)
        settings: dict[str, Any] = {
            "backoff_base": 0.01,
            "backoff_cap": 0.05,
            "rate_limit_per_second": None,
        }
        settings.update(overrides)
        client = AkuaClient(
            api_url=settings.pop("api_url", API_URL),
            token=settings.pop("token", TOKEN),
            workspace=settings.pop("workspace", "ws_1"),
            transport=httpx.MockTransport(recorder),
            **settings,
        )
        clients.append(client)
        return client, recorder

    yield factory
    for c in clients:
        c.close()

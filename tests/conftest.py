"""Shared fixtures come from the pytest plugin we ship for users' CI (akua_pulumi.testing.fixtures),
registered through its ``pytest11`` entry point (pyproject.toml), so nothing is listed here."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _main_thread_event_loop() -> Iterator[None]:
    """Pulumi's mocks and inline programs need a current event loop in the main thread.

    A test that ran ``asyncio.run`` earlier in the same worker (the Temporal client does) leaves the
    main thread with none set, which only shows when pytest-xdist puts such tests before these.
    """
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())
    yield

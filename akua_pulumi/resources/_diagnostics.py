"""One short message per provider failure, instead of a 40-60 line Python traceback.

The upstream dynamic-provider server (``pulumi.dynamic.__main__``) answers every exception a provider
raises with ``traceback.format_exc()`` as the gRPC error, so the engine shows the whole traceback with
the useful sentence at the bottom. Our errors (:class:`~akua_pulumi.errors.AkuaError`: lifecycle and
client errors) already say what failed and what to do, so for those the error is just the message; the
engine puts the resource's name in front of it. Anything else (a bug) keeps its traceback.

The full traceback stays available in the verbose log: with ``pulumi up --logflow -v=9`` (the engine
then passes ``-v=9`` to the provider) or ``AKUA_PULUMI_TRACEBACKS=1``, it is written to the provider's
stderr, which the engine shows.

Installed when the provider process imports our lifecycle (:mod:`._provider`), whichever launcher
started it; it does nothing in any other process.
"""

from __future__ import annotations

import os
import sys
import traceback
from types import ModuleType
from typing import Any

from ..errors import AkuaError

__all__ = ["install", "short_error"]


def _verbose() -> bool:
    if os.environ.get("AKUA_PULUMI_TRACEBACKS"):
        return True
    return any(arg.startswith("-v=") and arg != "-v=0" for arg in sys.argv[1:])


def short_error(exc: BaseException) -> str | None:
    """The one-line message for an error a user can act on, or ``None`` for anything else."""
    if isinstance(exc, AkuaError):
        return str(exc).strip() or type(exc).__name__
    return None


class _ShortTracebacks:
    """Stands in for the ``traceback`` module inside ``pulumi.dynamic.__main__``."""

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        full: str = self._real.format_exc(*args, **kwargs)
        current = sys.exc_info()[1]
        message = short_error(current) if current is not None else None
        if message is None:
            return full
        if _verbose():
            sys.stderr.write(full)
            sys.stderr.flush()
        return message


def install() -> bool:
    """Patch the running dynamic-provider server, if this is one; returns whether it did."""
    main = sys.modules.get("__main__")
    if (
        main is None
        or not hasattr(main, "_abort_with_traceback")
        or not hasattr(main, "DynamicResourceProviderServicer")
    ):
        return False
    if not isinstance(getattr(main, "traceback", None), _ShortTracebacks):
        main.traceback = _ShortTracebacks(traceback)  # type: ignore[attr-defined]
    return True


install()

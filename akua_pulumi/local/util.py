"""Small helpers: clock, ids, slugs, hashing."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import string
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

_ALNUM = string.ascii_lowercase + string.digits
_OFFSET: ContextVar[float] = ContextVar("akua_local_clock_offset", default=0.0)


@dataclass
class Clock:
    """One emulator's notion of now: wall time plus ``offset`` seconds, only ever moved forward.

    Each emulator keeps its own (``Runtime.clock``); readers of time (:func:`now`, :func:`clock_time`) read
    the clock bound to the calling thread's context, which the emulator binds before it handles a request
    (:func:`akua_pulumi.local.backend.clock.sync`).
    """

    offset: float = 0.0

    def time(self) -> float:
        """Unix seconds on this clock (with a fraction)."""
        return time.time() + self.offset

    def bind(self) -> None:
        """Make this clock the one :func:`now` reads in the current thread's context."""
        _OFFSET.set(self.offset)


def clock_time() -> float:
    """Unix seconds (with a fraction) on the emulator clock bound to this context (wall time when none is)."""
    return time.time() + _OFFSET.get()


def now() -> int:
    """Unix seconds on the emulator clock bound to this context (see :class:`Clock`)."""
    return int(clock_time())


def iso(ts: float) -> str:
    """ISO-8601 UTC string for a Unix timestamp."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rand(n: int) -> str:
    """``n`` random lowercase letters/digits."""
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def new_id(prefix: str) -> str:
    """A fresh prefixed id such as ``clu_k3j...`` (16-char body)."""
    return f"{prefix}_{rand(16)}"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(value: Any) -> str:
    """Stable JSON text used to compare request bodies."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def slugify(name: str) -> str:
    """Lower-case ``[a-z0-9-]`` slug of 3..39 chars derived from ``name``."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:39].strip("-")
    if len(s) < 3:
        s = (s + "-ws" if s else "workspace")[:39]
    return s

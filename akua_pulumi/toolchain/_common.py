"""What every part of the offline toolchain shares: the cache, logging, running ``go``, build estimates.

Only the standard library is used here, so the toolchain can be built before anything else works.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import AkuaError

__all__ = ["BUILD_MINUTES", "ToolchainError", "build_note", "cache_root", "go_env", "log", "run", "version_tuple"]

#: About how long a first build takes on 2 cores with an empty Go module cache (measured on the
#: project's 2-core machine; the module downloads are part of it). Printed before each build.
BUILD_MINUTES = {"pulumi": 4, "kubernetes": 7, "temporal": 3}


class ToolchainError(AkuaError, RuntimeError):
    """A part of the toolchain cannot be built here; the message says what is missing."""


def log(message: str, prefix: str = "pulumi-toolchain") -> None:
    print(f"[{prefix}] {message}", file=sys.stderr, flush=True)


def build_note(part: str) -> str:
    """``first run only, about N minutes on 2 cores`` for ``part`` (a key of :data:`BUILD_MINUTES`)."""
    return f"first run only, about {BUILD_MINUTES[part]} minutes on 2 cores"


def cache_root() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/akua-pulumi``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "akua-pulumi"


def version_tuple(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(x) for x in m.groups()) if m else (0,)


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run ``cmd`` (progress to stderr), return its stdout; a failure is a :class:`ToolchainError`."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, check=False)
    if proc.returncode != 0:
        raise ToolchainError(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}")
    return proc.stdout


def go_env(
    what: str = "the Pulumi toolchain offline (or put an upstream `pulumi` on PATH)", *, module_flags: bool = True
) -> dict[str, str]:
    """The environment for ``go``: no cgo, the local Go toolchain only (and, for builds inside our own
    wrapper modules, ``-mod=mod -buildvcs=false``)."""
    if shutil.which("go") is None:
        raise ToolchainError(f"go is required to build {what}")
    env = dict(os.environ)
    if module_flags:
        env["GOFLAGS"] = f"{env.get('GOFLAGS', '')} -mod=mod -buildvcs=false".strip()
    env.update(CGO_ENABLED="0", GOTOOLCHAIN="local")
    return env

"""Entry point of the ``pulumi-python`` dynamic-provider launcher: ``python -m pulumi.dynamic`` plus a watchdog.

The upstream module keeps serving after the engine is killed; this one exits within a second of
the engine's death, and silently when the engine ends it.
"""

from __future__ import annotations

import runpy

from ._watchdog import exit_on_signals, exit_when_orphaned


def main() -> None:
    """Serve ``pulumi.dynamic`` resources until the engine ends us or goes away."""
    exit_on_signals()
    exit_when_orphaned()
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

"""Shared fixtures come from the plugin we ship for users' CI (akua_pulumi.testing.fixtures)."""

import os
from pathlib import Path

# Engine, dynamic-provider and pipeline worker processes import test helpers (``tests.support.echo``)
# by reference: make the repository root importable for them, not only for pytest.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)

pytest_plugins = ["akua_pulumi.testing.fixtures"]

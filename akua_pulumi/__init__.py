"""akua-pulumi: declare Akua in Python and converge it with Pulumi."""

from __future__ import annotations

__version__ = "0.1.0"

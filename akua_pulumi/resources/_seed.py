"""The resource seed: ``project/stack/Type/name``, the per-resource root of idempotency keys.

Every resource stores it as the hidden ``akua_seed`` input. It names the resource class, so the
pending-create recovery (:mod:`._pending`) can find the provider of a resource from its state
alone. This module is the one place that formats and parses it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Seed"]


@dataclass(frozen=True)
class Seed:
    """One resource's seed; ``name`` (the Pulumi resource name) may itself contain ``/``."""

    project: str
    stack: str
    type_name: str
    name: str

    @classmethod
    def format(cls, project: str, stack: str, type_name: str, name: str) -> str:
        """The stored form of a seed."""
        return str(cls(project, stack, type_name, name))

    @classmethod
    def parse(cls, text: object) -> Seed | None:
        """The seed ``text`` stands for, or None when it is not a seed."""
        parts = str(text or "").split("/", 3)
        if len(parts) != 4 or not all(parts[:3]):
            return None
        return cls(*parts)

    def __str__(self) -> str:
        return f"{self.project}/{self.stack}/{self.type_name}/{self.name}"

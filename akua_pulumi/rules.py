"""Input rules the contract is silent on, shared by the resources and akua-local.

Each rule here is *our choice* (a careful production API would enforce it; the contract does not
say). The resources mark fields using these rules with ``ours=True``, and the generated docs list
them. This module imports nothing heavy (no pulumi, no httpx), so akua-local can use it.
"""

from __future__ import annotations

import re

__all__ = ["SLUG_MAX", "SLUG_MIN", "SLUG_PATTERN", "TIERS", "slug_problem", "slugify"]

#: Workspace slugs: lower-case ASCII letters, digits and dashes, not starting or ending with a dash.
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
SLUG_MIN = 3
#: Workspace subscription tiers (the contract leaves ``tier`` an open string).
TIERS = ("free", "pro", "enterprise")
SLUG_MAX = 39

_SLUG_RE = re.compile(SLUG_PATTERN)


def slug_problem(value: str, field: str = "slug") -> str | None:
    """Why ``value`` is not a valid workspace slug, or None when it is."""
    if len(value) < SLUG_MIN:
        return f"{field} must be at least {SLUG_MIN} characters, got {len(value)}"
    if len(value) > SLUG_MAX:
        return f"{field} must be at most {SLUG_MAX} characters, got {len(value)}"
    if not _SLUG_RE.match(value):
        return f"{field} {value!r} does not match the pattern {SLUG_PATTERN}"
    return None


def slugify(name: str) -> str:
    """The slug we send when none is declared: a valid slug derived from ``name``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:SLUG_MAX].strip("-")
    return slug if len(slug) >= SLUG_MIN else f"ws-{slug or 'x'}"[:SLUG_MAX]

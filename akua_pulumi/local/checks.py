"""Field checks for control-plane bodies: each failure is a 400 naming the field (``path: [body, <field>]``)."""

from __future__ import annotations

import math
from typing import Any

from .errors import ValidationFailed

__all__ = ["body_object", "integer", "integer_list", "number", "optional", "string", "string_list"]

_MISSING = object()


def _fail(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {message}", path=["body", name])


def body_object(body: Any, allowed: set[str] | None = None) -> dict[str, Any]:
    """The body as a JSON object; with ``allowed``, unknown fields are refused (named)."""
    if not isinstance(body, dict):
        raise ValidationFailed("the request body must be a JSON object", path=["body"])
    if allowed is not None:
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise ValidationFailed(f"unknown fields: {', '.join(unknown)}", path=["body", unknown[0]])
    return body


def optional(body: dict[str, Any], name: str) -> bool:
    """Whether ``name`` is present and not ``null``."""
    return body.get(name) is not None


def integer(body: dict[str, Any], name: str, lo: int, hi: int, default: Any = _MISSING) -> int:
    """An integer within ``[lo, hi]`` (booleans are not integers)."""
    value = body.get(name, default)
    if value is _MISSING:
        raise _fail(name, "is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(name, "must be an integer")
    if not lo <= value <= hi:
        raise _fail(name, f"must be between {lo} and {hi}")
    return value


def number(body: dict[str, Any], name: str, lo: float, hi: float, default: Any = _MISSING) -> float:
    """A finite number within ``[lo, hi]``."""
    value = body.get(name, default)
    if value is _MISSING:
        raise _fail(name, "is required")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(name, "must be a number")
    if isinstance(value, int) and abs(value) > 2**63:
        raise _fail(name, f"must be between {lo} and {hi}")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise _fail(name, f"must be between {lo} and {hi}")
    return float(value)


def string(body: dict[str, Any], name: str, max_len: int = 256, default: Any = _MISSING) -> str:
    """A non-empty string of at most ``max_len`` characters, without NUL or lone surrogates."""
    value = body.get(name, default)
    if value is _MISSING:
        raise _fail(name, "is required")
    if not isinstance(value, str) or not value.strip():
        raise _fail(name, "must be a non-empty string")
    if len(value) > max_len:
        raise _fail(name, f"must be at most {max_len} characters")
    if "\x00" in value:
        raise _fail(name, "must not contain NUL")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(name, "must be valid Unicode text") from None
    return value


def string_list(body: dict[str, Any], name: str, max_items: int = 1000) -> list[str]:
    """A list of strings (each checked like :func:`string`)."""
    value = body.get(name)
    if not isinstance(value, list) or len(value) > max_items:
        raise _fail(name, f"must be a list of at most {max_items} strings")
    return [string({name: v}, name) for v in value]


def integer_list(body: dict[str, Any], name: str, lo: int, hi: int, max_items: int = 100) -> list[int]:
    """A non-empty list of integers within ``[lo, hi]``."""
    value = body.get(name)
    if not isinstance(value, list) or not value or len(value) > max_items:
        raise _fail(name, f"must be a non-empty list of at most {max_items} integers")
    return [integer({name: v}, name, lo, hi) for v in value]

"""Program resolution: a program factory by reference (``"module:function"``) and its ``validate`` hook."""

from __future__ import annotations

import importlib
import pickle
from collections.abc import Callable, Mapping
from typing import Any

from akua_pulumi.automation.customers import Customer
from akua_pulumi.automation.diagnostics import shorten

__all__ = ["ProgramFactory", "has_validator", "program_ref", "resolve_program", "validate_customer"]

ProgramFactory = str | Callable[[Customer, Mapping[str, Any]], None]


def resolve_program(program: ProgramFactory) -> Callable[[Customer, Mapping[str, Any]], None]:
    """Turn ``"package.module:function"`` (or a callable) into the factory function.

    Raises:
        ValueError: the string is malformed, the module cannot be imported or has no such attribute.
        TypeError: a callable that cannot be imported by reference in a worker process.
    """
    if callable(program):
        qualname = getattr(program, "__qualname__", "")
        if "<locals>" in qualname or "<lambda>" in qualname:
            raise TypeError(f"program {qualname!r} must be a top-level function (workers import it by name)")
        try:
            pickle.dumps(program)
        except Exception as exc:
            raise TypeError(f"program {program!r} cannot be sent to a worker process: {exc}") from exc
        return program
    if not isinstance(program, str) or ":" not in program:
        raise ValueError(f"program must be 'module:function', got {program!r}")
    module_name, _, attr_path = program.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import program module {module_name!r}: {exc}") from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"program {program!r}: {module_name} has no attribute {attr_path!r}") from None
    if not callable(obj):
        raise ValueError(f"program {program!r} is not callable")
    fn: Callable[[Customer, Mapping[str, Any]], None] = obj
    return fn


def program_ref(program: ProgramFactory) -> str:
    """``"module:function"`` for a factory (what a remote worker imports)."""
    if isinstance(program, str):
        return program
    return f"{program.__module__}:{program.__qualname__}"


def validate_customer(program: ProgramFactory, customer: Customer, settings: Mapping[str, Any]) -> str | None:
    """Run the factory's in-process ``validate(customer, settings)`` hook; the error, or None.

    Returns None too when the factory has no hook (then only a preview can check its input).
    """
    hook = getattr(resolve_program(program), "validate", None)
    if hook is None:
        return None
    try:
        hook(customer, settings)
    except Exception as exc:
        return shorten(f"{exc}" or type(exc).__name__)
    return None


def has_validator(program: ProgramFactory) -> bool:
    """Whether the factory checks its input in-process (so ``up`` needs no preview)."""
    return callable(getattr(resolve_program(program), "validate", None))

"""Input checks of akua-local beyond the contract's schemas (docs/akua-local.md, "Input rules"),
and the 400/422 error that lists every violation."""

from __future__ import annotations

import functools
import re
from typing import Any

from ..contract import FORMATS, Contract, Operation, Violation, contract
from .errors import ValidationFailed

__all__ = ["EXPLAIN_OPS", "emulator_rules", "invalid"]

# The explain calls answer a body that breaks their schema with 422 (API.md §6.0), not 400.
EXPLAIN_OPS = frozenset({"accessDecisions.explain", "accessDecisions.explainBatch"})


def invalid(operation_id: str, violations: list[Violation]) -> ValidationFailed:
    """One 400/7001 naming the first violation's field, with the others as further error entries."""
    err = ValidationFailed(str(violations[0].message), path=violations[0].path)
    err.extra = [{"code": 7001, "message": v.message, "path": list(v.path)} for v in violations[1:]]
    if operation_id in EXPLAIN_OPS:
        err.status = 422
    return err


INT64 = (-(2**63), 2**63 - 1)


def emulator_rules(c: Contract, op: Operation, body: Any, query: dict[str, str]) -> list[Violation]:
    """Checks beyond the contract that a real server's storage implies (docs/akua-local.md, "Input rules").

    * every JSON number (body) and integer query value fits SQLite's signed 64-bit integer;
    * a request field the operation's success response declares with a ``format`` obeys that format
      (e.g. the invitation ``email``, ``format: email`` only on the returned object).
    """
    out: list[Violation] = []

    def walk(value: Any, where: tuple[str, ...]) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float)) and not INT64[0] <= value <= INT64[1]:
            out.append(Violation(where, "number out of range (must fit a signed 64-bit integer)"))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, (*where, str(k)))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, (*where, str(i)))

    walk(body, ("body",))
    for name, raw in query.items():
        if re.fullmatch(r"-?\d+", raw.strip()) and not INT64[0] <= int(raw) <= INT64[1]:
            out.append(Violation(("query", name), "number out of range (must fit a signed 64-bit integer)"))
    if isinstance(body, dict):
        for name, fmt in _response_formats(op).items():
            value = body.get(name)
            if isinstance(value, str) and fmt in FORMATS and not FORMATS[fmt](value):
                out.append(Violation(("body", name), f"{value!r} is not a {fmt!r}"))
    return out


def _response_formats(op: Operation) -> dict[str, str]:
    """Top-level request fields whose namesake in a 2xx response object declares a ``format``."""
    return _formats_of(op.operation_id)


@functools.cache
def _formats_of(operation_id: str) -> dict[str, str]:
    c = contract()  # the one schema walker (akua_pulumi.contract)
    op = c.operations[operation_id]
    request = c.properties(op.request_schema) if op.request_schema else {}
    found: dict[str, str] = {}
    for status in op.statuses:
        if 200 <= status < 300:
            response = c.properties(op.response_schema(status))
            for name, raw in response.items():
                sub = c.resolve(raw)
                if name in request and isinstance(sub.get("format"), str):
                    found[name] = sub["format"]
    return found

"""The Akua API contract (``openapi.json``), loaded once and queryable.

Both sides are checked against this file, never against each other:

* akua-local uses :meth:`Contract.validate_request` to reject bad requests with the contract's error,
  and its tests use :meth:`Contract.validate_response` on every response they provoke;
* the client's tests use :meth:`Contract.validate_request` on every request the client sends.

It is also the one schema walker: :meth:`Contract.resolve` follows ``$ref``, :meth:`Contract.properties`
merges a schema's properties across ``allOf``/``anyOf``/``oneOf``, and :meth:`Contract.request_property`
finds a (nested) request property. The resource declarations take their constraints from it, and
akua-local its format checks.

The bundled copy is byte-identical to ``shared/akua-api/openapi.json`` (a test checks this).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

__all__ = ["FORMATS", "Contract", "Operation", "Violation", "contract", "format_checker"]

_PATH_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Violation:
    """One way a request or response breaks the contract.

    ``path`` follows the API's error envelope: ``["body", "name"]``, ``["headers", "if-match"]``,
    ``["query", "limit"]`` or ``["path", "id"]``.
    """

    path: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{'.'.join(self.path) or '<root>'}: {self.message}"


_READ_POSTS = frozenset({"operations.wait", "accessDecisions.explain", "accessDecisions.explainBatch"})


@dataclass(frozen=True)
class Operation:
    """One operation of the contract: method, path template and its declared shapes."""

    operation_id: str
    method: str
    template: str
    spec: Mapping[str, Any] = field(repr=False)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        # Path templates contain literal colons (AIP custom methods such as ``/clusters/{id}:suspend``);
        # a parameter never spans ``/`` or ``:``.
        pattern = ""
        pos = 0
        for m in _PATH_PARAM.finditer(self.template):
            pattern += re.escape(self.template[pos : m.start()]) + f"(?P<{m.group(1)}>[^/:]+)"
            pos = m.end()
        pattern += re.escape(self.template[pos:])
        return re.compile(f"^{pattern}$")

    def parameters(self, location: str) -> dict[str, Mapping[str, Any]]:
        """Declared parameters in ``location`` (path, query, header), keyed by lower-case name."""
        return {p["name"].lower(): p for p in self.spec.get("parameters", []) if p.get("in") == location}

    @property
    def request_schema(self) -> Mapping[str, Any] | None:
        body = self.spec.get("requestBody")
        if not body:
            return None
        schema = body.get("content", {}).get("application/json", {}).get("schema")
        return schema if isinstance(schema, Mapping) else None

    @property
    def body_required(self) -> bool:
        return bool(self.spec.get("requestBody", {}).get("required"))

    def response_schema(self, status: int) -> Mapping[str, Any] | None:
        """Schema of the JSON body for ``status``; ``None`` when that status has no body."""
        resp = self.spec.get("responses", {}).get(str(status))
        if resp is None:
            raise KeyError(status)
        schema = resp.get("content", {}).get("application/json", {}).get("schema")
        return schema if isinstance(schema, Mapping) else None

    @property
    def statuses(self) -> set[int]:
        return {int(s) for s in self.spec.get("responses", {})}

    @property
    def accepts_idempotency_key(self) -> bool:
        return "idempotency-key" in self.parameters("header")

    @property
    def requires_if_match(self) -> bool:
        p = self.parameters("header").get("if-match")
        return bool(p and p.get("required"))

    @property
    def is_read(self) -> bool:
        """True for operations that never change state (GETs, the ``:wait`` long poll, the explain calls)."""
        return self.method == "GET" or self.operation_id in _READ_POSTS


class Contract:
    """The parsed contract with request/response validation."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.operations: dict[str, Operation] = {}
        for template, item in document["paths"].items():
            for method, spec in item.items():
                if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                    continue
                op = Operation(spec["operationId"], method.upper(), template, spec)
                self.operations[op.operation_id] = op
        # Literal templates first, so ``/clusters:import`` never matches ``/clusters/{id}``.
        self._ordered = sorted(self.operations.values(), key=lambda o: (o.template.count("{"), -len(o.template)))

    @classmethod
    def load(cls) -> Contract:
        text = resources.files("akua_pulumi").joinpath("openapi.json").read_text("utf-8")
        return cls(json.loads(text))

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations.values())

    # ---- the schema walker ----

    def resolve(self, schema: Any) -> Mapping[str, Any]:
        """``schema`` with its ``$ref`` chain followed (``{}`` for a dangling ref or a non-object)."""
        schemas = self.document.get("components", {}).get("schemas", {})
        while isinstance(schema, Mapping) and "$ref" in schema:
            schema = schemas.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return schema if isinstance(schema, Mapping) else {}

    def properties(self, schema: Any, depth: int = 4) -> dict[str, Any]:
        """Every property ``schema`` declares: its own, then its ``anyOf``/``oneOf``/``allOf`` branches'
        (a later one wins), ``depth`` levels of branches deep. Values are unresolved schemas."""
        resolved = self.resolve(schema)
        out = dict(resolved.get("properties") or {})
        if depth > 0:
            for key in ("anyOf", "oneOf", "allOf"):
                for branch in resolved.get(key) or ():
                    out.update(self.properties(branch, depth - 1))
        return out

    def property_at(self, schema: Any, path: Sequence[str | int]) -> Mapping[str, Any] | None:
        """The resolved schema of the property at ``path`` (a number steps into ``items``): own properties
        first, then the ``allOf``/``anyOf``/``oneOf`` branches in order; None when none has it."""
        resolved = self.resolve(schema)
        if not path:
            return resolved
        step, rest = path[0], path[1:]
        if isinstance(step, int):
            items = resolved.get("items")
            return self.property_at(items, rest) if items is not None else None
        prop = (resolved.get("properties") or {}).get(step)
        if prop is not None:
            return self.property_at(prop, rest)
        for key in ("allOf", "anyOf", "oneOf"):
            for branch in resolved.get(key) or ():
                found = self.property_at(branch, path)
                if found is not None:
                    return found
        return None

    def request_property(self, operation_ids: Sequence[str], path: Sequence[str | int]) -> Mapping[str, Any] | None:
        """The schema of the request body property at ``path`` in the first of ``operation_ids`` that has
        it; None when none has it. An unknown operation id is a :class:`KeyError`."""
        for op_id in operation_ids:
            op = self.operations.get(op_id)
            if op is None:
                raise KeyError(f"contract has no operation {op_id!r}")
            found = self.property_at(op.request_schema, path)
            if found is not None:
                return found
        return None

    def template_for(self, path: str) -> str | None:
        """The most specific path template matching ``path``: literal segments win over templated ones,
        so ``/secrets/validate_token`` is never ``/secrets/{id}``."""
        return next((op.template for op in self._ordered if op.regex.match(path)), None)

    def methods_for(self, path: str) -> list[str]:
        """The methods declared on the template of ``path`` (the ``Allow`` header)."""
        template = self.template_for(path)
        return sorted(op.method for op in self._ordered if op.template == template) if template else []

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """Find the operation for ``method`` and a path relative to ``/v1`` (e.g. ``/clusters/c1``).

        Only the most specific matching template counts: ``GET /secrets/validate_token`` is a 405, not
        ``secrets.get`` of a secret called ``validate_token``.
        """
        method = method.upper()
        template = self.template_for(path)
        for op in self._ordered:
            if op.template == template and op.method == method:
                m = op.regex.match(path)
                return (op, m.groupdict()) if m else None
        return None

    def path_exists(self, path: str) -> bool:
        return any(op.regex.match(path) for op in self._ordered)

    # -- validation ---------------------------------------------------------------------------

    def _validator(self, schema: Mapping[str, Any]) -> Any:
        from jsonschema import Draft202012Validator

        root = {**schema, "components": self.document["components"]}
        return Draft202012Validator(root, format_checker=format_checker())

    def validate_schema(
        self, schema: Mapping[str, Any], instance: Any, prefix: tuple[str, ...] = ()
    ) -> list[Violation]:
        """Validate ``instance`` against a schema fragment of the contract."""
        validator = self._validator(schema)
        out = []
        for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            where = tuple(str(p) for p in err.absolute_path)
            if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                allowed = set(err.schema.get("properties", {}))
                extra = sorted(k for k in err.instance if k not in allowed)
                for name in extra:
                    out.append(Violation((*prefix, *where, name), "unknown field"))
                continue
            if err.validator == "required":
                missing = re.findall(r"'([^']+)' is a required property", err.message)
                if missing:
                    out.append(Violation((*prefix, *where, missing[0]), "field required"))
                    continue
            if err.validator in {"anyOf", "oneOf"} and isinstance(err.instance, dict):
                best = self._best_branch_violations(err, prefix, where)
                if best:
                    out.extend(best)
                    continue
            out.append(Violation((*prefix, *where), err.message))
        return out

    def _best_branch_violations(self, err: Any, prefix: tuple[str, ...], where: tuple[str, ...]) -> list[Violation]:
        """For a failed anyOf/oneOf, report the errors of the branch that came closest."""
        best: list[Violation] | None = None
        for branch in err.schema.get(err.validator, []):
            v = self.validate_schema(branch, err.instance, (*prefix, *where))
            if v and (best is None or len(v) < len(best)):
                best = v
        return best or []

    def validate_request(
        self,
        op: Operation,
        *,
        body: Any = None,
        has_body: bool = False,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> list[Violation]:
        """Check a request against ``op``: path params, query, headers and JSON body."""
        out: list[Violation] = []
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        # Declared names are compared case-insensitively (``userId`` in templates, ``userid`` here).
        path_values = {k.lower(): v for k, v in (path_params or {}).items()}
        for location, values in (("path", path_values), ("query", query or {}), ("headers", headers)):
            declared = op.parameters("header" if location == "headers" else location)
            for name, param in declared.items():
                if name not in values:
                    if param.get("required"):
                        out.append(Violation((location, name), "required"))
                    continue
                value: Any = values[name]
                schema = param.get("schema", {})
                declared_type = schema.get("type")
                types = set(declared_type) if isinstance(declared_type, list) else {declared_type}
                if "integer" in types:
                    try:
                        value = int(value)
                    except (TypeError, ValueError):
                        out.append(Violation((location, name), "must be an integer"))
                        continue
                elif "boolean" in types:
                    if value not in ("true", "false"):
                        out.append(Violation((location, name), "must be true or false"))
                        continue
                    value = value == "true"
                out.extend(self.validate_schema(schema, value, (location, name)))
            if location == "query":
                for name in values:
                    if name.lower() not in declared:
                        out.append(Violation((location, name), "unknown query parameter"))
        schema = op.request_schema
        if schema is None:
            if has_body and body not in (None, {}):
                out.append(Violation(("body",), "this operation takes no request body"))
            return out
        if not has_body:
            if op.body_required:
                out.append(Violation(("body",), "request body required"))
            body = {}
        out.extend(self.validate_schema(schema, body, ("body",)))
        return out

    def validate_response(self, op: Operation, status: int, body: Any) -> list[Violation]:
        """Check a response against ``op``: the status is declared and the body matches its schema."""
        if status not in op.statuses:
            return [Violation(("status",), f"{op.operation_id} does not declare status {status}")]
        schema = op.response_schema(status)
        if schema is None:
            if body not in (None, b"", ""):
                return [Violation(("body",), f"status {status} of {op.operation_id} has no body")]
            return []
        return self.validate_schema(schema, body, ("body",))


# -- formats ------------------------------------------------------------------------------------
# jsonschema checks ``uri`` only when rfc3987 is installed and ``email`` only for an "@"; these checks
# are ours so every format the contract uses is enforced the same way wherever the contract is loaded.

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^(?:\[[0-9A-Fa-f:.]+\]|{_LABEL}(?:\.{_LABEL})*)(?::[0-9]{{1,5}})?$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    rf"@{_LABEL}(?:\.{_LABEL})+$"
)
_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$")


def is_uri(value: str) -> bool:
    """RFC 3986 absolute URI (scheme, only URI characters, valid %-escapes); http(s) also needs a host."""
    if len(value) > 2048 or not _URI.match(value) or _PCT.search(value):
        return False
    scheme, _, rest = value.partition(":")
    if scheme.lower() in ("http", "https"):
        if not rest.startswith("//"):
            return False
        authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0].rpartition("@")[2]
        return bool(authority) and bool(_HOST.match(authority))
    return bool(rest)


def is_email(value: str) -> bool:
    """An RFC 5321 mailbox in its common dot-atom form: ``local@domain.tld``, at most 254 characters."""
    return len(value) <= 254 and len(value.partition("@")[0]) <= 64 and bool(_EMAIL.match(value))


def is_date_time(value: str) -> bool:
    """RFC 3339 ``date-time`` with a real calendar date and time."""
    from datetime import datetime

    m = _DATE_TIME.match(value)
    if not m:
        return False
    y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
    try:
        datetime(y, mo, d, h, mi, min(sec, 59))
    except ValueError:
        return False
    return sec <= 60 and (m.group(7) is None or (int(m.group(7)) < 24 and int(m.group(8)) < 60))


FORMATS = {"uri": is_uri, "email": is_email, "date-time": is_date_time}


@cache
def format_checker() -> Any:
    """A jsonschema ``FormatChecker`` for exactly the formats in :data:`FORMATS` (others are not checked)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, fn in FORMATS.items():
        checker.checks(name)(lambda v, fn=fn: not isinstance(v, str) or fn(v))
    return checker


@cache
def contract() -> Contract:
    """The bundled contract, parsed once per process."""
    return Contract.load()

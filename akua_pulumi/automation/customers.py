"""The customers file: who the onboarding pipeline provisions, one Pulumi stack per customer.

A customers file is YAML (``.yaml``/``.yml``) or JSON::

    defaults:                      # optional; merged under every customer (customer wins)
      region: {name: eu-west}
    customers:
      - id: acme                   # stack name; lowercase slug, unique in the file
        name: Acme Corp
        slug: acme-corp            # optional workspace slug
        members:
          - {user_id: usr_123, role: admin}
        cluster: {name: acme-prod}
        installs:
          - {product_id: prd_grafana}
          - {package_id: pkg_redis, version: 7.2.4, name: cache}
        api_token: {name: ci}
        tier: pro
        extra: {support: gold}     # passthrough for the program

Every key but ``id`` and ``extra`` is an argument of
:class:`~akua_pulumi.components.CustomerWorkspaceArgs` (and its nested ``MemberArgs``,
``RegionArgs``...), checked by the rules of the resource it ends up on: the models here are
derived from those dataclasses (:mod:`.customers_schema`), so the file, the layout and the resources
accept the same values.

Two ways to read it:

* :func:`load_customers` / :func:`parse_customers` are strict: any invalid customer raises
  :class:`CustomersFileError` listing every problem (``customers[3] (acme): members[0].role: role
  must be one of 'admin', 'member', got 'owner'``).
* :func:`read_customers_file` / :func:`parse_customers_file` are lenient per customer: a bad entry
  becomes an :class:`InvalidCustomer` (the pipeline reports it as failed without running it) while
  the rest go ahead. Problems with the file as a whole (syntax, shape, duplicate ids) still raise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import AkuaError
from .customers_schema import (
    ID_PATTERN,
    ApiTokenSpec,
    ClusterSpec,
    Customer,
    InstallSpec,
    Member,
    RegionSpec,
    to_layout_args,
)
from .customers_schema import (
    _file_model as _file_model,  # the schema's model factory, for callers of this module
)

__all__ = [
    "ID_PATTERN",
    "ApiTokenSpec",
    "ClusterSpec",
    "Customer",
    "CustomersFile",
    "CustomersFileError",
    "InstallSpec",
    "InvalidCustomer",
    "Member",
    "RegionSpec",
    "load_customers",
    "parse_customers",
    "parse_customers_file",
    "read_customers_file",
    "to_layout_args",
]


class CustomersFileError(AkuaError, ValueError):
    """The customers file cannot be used; ``errors`` holds one readable line per problem."""

    def __init__(self, errors: Sequence[str], source: str | None = None) -> None:
        self.errors = list(errors)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.errors) == 1:
            super().__init__(f"{head}{self.errors[0]}")
        else:
            super().__init__(f"{head}{len(self.errors)} problems:\n" + "\n".join(f"  {e}" for e in self.errors))


@dataclass(frozen=True)
class InvalidCustomer:
    """A customers-file entry that failed validation; the pipeline reports it as failed."""

    index: int
    id: str | None
    errors: tuple[str, ...]

    @property
    def label(self) -> str:
        """What reports call it: the id when it has a usable one, else ``customers[i]``."""
        return self.id or f"customers[{self.index}]"

    @property
    def message(self) -> str:
        return "invalid customer: " + "; ".join(self.errors)


@dataclass
class CustomersFile:
    """A parsed customers file: valid customers plus (in lenient mode) the invalid entries."""

    customers: list[Customer] = field(default_factory=list)
    invalid: list[InvalidCustomer] = field(default_factory=list)

    @property
    def entries(self) -> list[Customer | InvalidCustomer]:
        """All entries in file order."""
        both: list[tuple[int, Customer | InvalidCustomer]] = [(i.index, i) for i in self.invalid]
        both += [(self._index[c.id], c) for c in self.customers]
        return [e for _, e in sorted(both, key=lambda t: t[0])]

    _index: dict[str, int] = field(default_factory=dict, repr=False)


# --------------------------------------------------------------------------- error formatting


def _loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "literal_error":
        return "must be " + str(ctx.get("expected", "")).replace("'", "")
    if kind == "string_pattern_mismatch":
        return "must be a lowercase slug (a-z, 0-9 and '-', not starting or ending with '-')"
    if kind == "string_too_short":
        n = ctx.get("min_length")
        return "must not be empty" if n == 1 else f"must be at least {n} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    return str(err.get("msg", kind))


def _format_validation(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = _loc([p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))])
        msg = _message(err)
        lines.append(f"{loc}: {msg}" if loc else msg)
    return lines


# --------------------------------------------------------------------------- parsing

_CUSTOMER_FIELDS = set(Customer.model_fields)


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def parse_customers_file(data: Any, *, source: str | None = None) -> CustomersFile:
    """Validate a decoded customers document, keeping invalid entries as :class:`InvalidCustomer`.

    Raises:
        CustomersFileError: the document's shape is wrong, ``defaults`` is unusable, or ids repeat.
    """
    if not isinstance(data, Mapping):
        raise CustomersFileError(["top level must be a mapping with a 'customers' list"], source)
    unknown = sorted(set(data) - {"customers", "defaults"})
    if unknown:
        raise CustomersFileError(
            [f"{k}: unknown top-level key (expected customers, defaults)" for k in unknown], source
        )
    raw = data.get("customers")
    if not isinstance(raw, list):
        raise CustomersFileError(["customers: is required and must be a list"], source)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise CustomersFileError(["defaults: must be a mapping"], source)
    bad_defaults = sorted(set(defaults) - (_CUSTOMER_FIELDS - {"id", "name", "slug"}))
    if bad_defaults:
        raise CustomersFileError([f"defaults.{k}: cannot be given a default" for k in bad_defaults], source)

    result = CustomersFile()
    first_seen: dict[str, int] = {}
    dupes: list[str] = []
    for i, entry in enumerate(raw):
        raw_id = entry.get("id") if isinstance(entry, Mapping) else None
        label_id = raw_id if isinstance(raw_id, str) and raw_id else None
        if label_id is not None:
            if label_id in first_seen:
                dupes.append(f"customers[{i}] ({label_id}): id: duplicate of customers[{first_seen[label_id]}]")
                continue
            first_seen[label_id] = i
        prefix = f"customers[{i}]" + (f" ({label_id})" if label_id else "")
        if not isinstance(entry, Mapping):
            result.invalid.append(InvalidCustomer(i, None, (f"{prefix}: must be a mapping",)))
            continue
        try:
            customer = Customer.model_validate(_deep_merge(defaults, entry))
        except ValidationError as exc:
            errors = tuple(f"{prefix}: {line}" for line in _format_validation(exc))
            result.invalid.append(InvalidCustomer(i, label_id, errors))
            continue
        result.customers.append(customer)
        result._index[customer.id] = i
    if dupes:
        raise CustomersFileError(dupes, source)
    return result


def parse_customers(data: Any, *, source: str | None = None) -> list[Customer]:
    """Validate a decoded customers document strictly.

    Raises:
        CustomersFileError: listing every problem, each naming the customer index/id and the field.
    """
    parsed = parse_customers_file(data, source=source)
    if parsed.invalid:
        raise CustomersFileError([e for inv in parsed.invalid for e in inv.errors], source)
    return parsed.customers


def _decode(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CustomersFileError([f"cannot read: {exc.strerror or exc}"], str(path)) from exc
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CustomersFileError([f"invalid JSON at line {exc.lineno}: {exc.msg}"], str(path)) from exc
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise CustomersFileError(
            ["reading YAML needs PyYAML: pip install 'akua-pulumi[pipeline]' (or use a .json file)"],
            str(path),
        ) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CustomersFileError([f"invalid YAML{where}: {problem}"], str(path)) from exc


def read_customers_file(path: str | Path) -> CustomersFile:
    """Read a YAML or JSON customers file leniently (see :func:`parse_customers_file`)."""
    p = Path(path)
    return parse_customers_file(_decode(p), source=str(p))


def load_customers(path: str | Path) -> list[Customer]:
    """Read a YAML or JSON customers file strictly (see :func:`parse_customers`)."""
    p = Path(path)
    return parse_customers(_decode(p), source=str(p))

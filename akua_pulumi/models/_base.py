"""Base classes: tolerant response models, strict request bodies, list envelopes, ``parse``."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = ["Page", "RequestBody", "Resource", "parse"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class Resource(BaseModel):
    """A response model. Tolerant: unknown fields are kept (``extra="allow"``) and enums are plain
    strings, so a server that adds a field or a state value does not break the client."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    #: Name of the ``components.schemas`` entry (or ``"<operationId> request"``) this model mirrors;
    #: the model tests check every model against it.
    contract_schema: ClassVar[str | None] = None


class RequestBody(BaseModel):
    """A request body. Strict (``extra="forbid"``, as the contract's ``additionalProperties: false``).

    :meth:`dump` leaves out fields that were never set, and fields set to ``None`` unless the contract
    lets ``null`` mean "clear this value" (listed in ``nullable``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    contract_schema: ClassVar[str | None] = None
    #: Fields for which an explicit ``None`` is sent as JSON ``null`` (it clears the value).
    nullable: ClassVar[frozenset[str]] = frozenset()
    #: Fields sent even when left at their default (discriminators such as ``kind``).
    always: ClassVar[frozenset[str]] = frozenset()

    def dump(self) -> dict[str, Any]:
        """The JSON body to send (nested request bodies are dumped by the same rules)."""
        out: dict[str, Any] = {}
        for name, info in type(self).model_fields.items():
            if name not in self.model_fields_set and name not in self.always:
                continue
            value = getattr(self, name)
            if value is None and name not in self.nullable:
                continue
            out[info.alias or name] = _dump_value(value)
        return out


def _dump_value(value: Any) -> Any:
    if isinstance(value, RequestBody):
        return value.dump()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    if isinstance(value, (list, tuple)):
        return [_dump_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump_value(v) for k, v in value.items()}
    return value


class Page(Resource, Generic[T]):
    """The list envelope every list endpoint returns."""

    data: list[T]
    has_more: bool
    next_cursor: str | None = None


def parse(model: type[M], data: Any) -> M:
    """Validate API ``data`` (a parsed JSON body) into ``model``."""
    return model.model_validate(data)

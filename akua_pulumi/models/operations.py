"""Long-running operations and quotas."""

from __future__ import annotations

from typing import Any

from ._base import Page, Resource

__all__ = [
    "Operation",
    "OperationEnvelope",
    "OperationError",
    "OperationList",
    "OperationStep",
    "QuotaInfo",
    "QuotaInfoList",
]


class OperationError(Resource):
    message: str
    step_name: str | None = None


class OperationStep(Resource):
    contract_schema = "OperationStep"
    name: str
    status: str  # pending | running | completed | failed | skipped
    execution_type: str  # system | user | approval | skipped
    started_at: int | None
    completed_at: int | None
    error_message: str | None
    retryable: bool
    skippable: bool


class Operation(Resource):
    """An async operation (also PackageOperationEnvelope). ``metadata``/``response`` are unions keyed
    by ``type``; unknown types are accepted, so they stay plain dicts."""

    contract_schema = "Operation"
    id: str
    workspace_id: str | None
    organization_id: str | None
    owner_type: str
    owner_id: str
    parent_operation_id: str | None
    state: str  # RUNNING | SUCCEEDED | FAILED | CANCELLED
    done: bool
    html_url: str
    metadata: dict[str, Any]
    response: dict[str, Any] | None
    error: OperationError | None
    last_error: OperationError | None
    started_at: int
    completed_at: int | None
    steps: list[OperationStep] | None = None


class OperationList(Page[Operation]):
    contract_schema = "OperationList"


class OperationEnvelope(Resource):
    contract_schema = "OperationEnvelope"
    operation_id: str


class QuotaInfo(Resource):
    contract_schema = "QuotaInfo"
    metric: str
    type: str  # allocation | rate | concurrency
    display_name: str
    unit: str
    limit: float
    usage: float
    remaining: float
    resets_at: int | None = None


class QuotaInfoList(Page[QuotaInfo]):
    contract_schema = "QuotaInfoList"

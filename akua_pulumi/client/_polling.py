"""The client's loops over many requests: list pagination and the long-running-operation long poll."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from akua_pulumi.contract import contract

from ._exceptions import ApiError, OperationFailedError, OperationTimeoutError, scrub, scrub_value
from ._paths import InvalidPathIdError, api_path

if TYPE_CHECKING:
    from ._client import AkuaClient, WorkspaceArg

__all__ = ["paginate", "wait_operation"]

_TERMINAL_FAILURES = frozenset({"FAILED", "CANCELLED"})
_MAX_WAIT_SECONDS = 60  # upper bound of ``operations.wait``'s ``timeout`` query parameter


def paginate(
    client: AkuaClient, path: str, *, params: Mapping[str, Any] | None, workspace: WorkspaceArg, page_size: int
) -> Iterator[dict[str, Any]]:
    """See :meth:`AkuaClient.paginate`."""
    if not 1 <= page_size <= 100:
        raise ValueError("page_size must be between 1 and 100")
    query: dict[str, Any] = dict(params or {})
    matched = contract().match("GET", path)
    declared = matched[0].parameters("query") if matched else {"limit": {}, "cursor": {}}
    if "limit" in declared and "limit" not in query:
        query["limit"] = page_size
    seen: set[str] = set()
    while True:
        page = client.request("GET", path, params=query, workspace=workspace)
        if not isinstance(page, Mapping) or not isinstance(page.get("data"), list):
            raise ApiError(
                200,
                None,
                "expected a list envelope {data, has_more, next_cursor}",
                operation_id=matched[0].operation_id if matched else None,
                method="GET",
                url_path=path,
            )
        yield from page["data"]
        cursor = page.get("next_cursor")
        if not page.get("has_more") or not cursor or "cursor" not in declared:
            return
        if cursor in seen:
            raise ApiError(
                200, None, f"server repeated cursor {cursor!r}; stopping pagination", method="GET", url_path=path
            )
        seen.add(cursor)
        query["cursor"] = cursor


def wait_operation(
    client: AkuaClient, operation: Mapping[str, Any] | str, *, timeout: float, workspace: WorkspaceArg
) -> dict[str, Any]:
    """See :meth:`AkuaClient.wait_operation`."""
    current: dict[str, Any] | None = None
    if isinstance(operation, str):
        op_id = operation
    else:
        current = dict(operation)
        op_id = str(current.get("id") or current.get("operation_id") or "")
        if "id" not in current:
            current = None
    if not op_id:
        raise InvalidPathIdError(
            f"wait_operation needs an Operation, an {{operation_id}} envelope or an id, not {op_id!r}"
        )
    deadline = time.monotonic() + timeout
    while current is None or not current.get("done"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OperationTimeoutError(op_id, timeout, current.get("state") if current else None)
        server_wait = max(1, min(_MAX_WAIT_SECONDS, math.ceil(remaining)))
        asked = time.monotonic()
        wait_path = api_path("/operations/{}:wait", op_id)
        result = client.request("POST", wait_path, params={"timeout": server_wait}, workspace=workspace)
        if not isinstance(result, Mapping):
            raise ApiError(
                200,
                None,
                "operations.wait returned no Operation",
                operation_id="operations.wait",
                method="POST",
                url_path=wait_path,
            )
        current = dict(result)
        if not current.get("done"):
            # A server that answers before its timeout without finishing: don't spin.
            took = time.monotonic() - asked
            pause = min(0.5, max(0.0, deadline - time.monotonic()))
            if took < 0.5 and pause > 0:
                time.sleep(pause)
    state = str(current.get("state") or "")
    if state in _TERMINAL_FAILURES:
        error = current.get("error")
        message = error.get("message") if isinstance(error, Mapping) else None
        secrets = client._secret_values()
        raise OperationFailedError(
            op_id, state, scrub(str(message), secrets) if message else None, scrub_value(current, secrets)
        )
    return current

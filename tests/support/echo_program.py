"""A program factory for :class:`~akua_pulumi.automation.pipeline.OnboardingPipeline` tests.

Each customer gets one :class:`~tests.support.echo.Echo` (value = the customer's name)
journalling to ``<journal dir>/<customer id>.jsonl``, plus one Echo per member. The journal dir
is ``settings["journal_dir"]``, else ``$AKUA_ECHO_JOURNAL_DIR`` (handy from the CLI).
A customer with ``extra: {fail: true}`` raises inside the program, after declaring nothing;
``extra: {value: ...}`` replaces the name as the main Echo's value; ``extra: {fail_after: true}``
adds an Echo that fails to create once the main one is created or updated (a partly applied up).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi

from akua_pulumi.automation.customers import Customer
from tests.support.echo import FAIL, Echo

__all__ = ["EchoProgramError", "echo_program"]


class EchoProgramError(RuntimeError):
    """Raised on purpose by :func:`echo_program` for customers with ``extra.fail``."""


def echo_program(customer: Customer, settings: Mapping[str, Any]) -> None:
    """Declare the customer's Echo resources; fail on demand."""
    if customer.extra.get("fail"):
        raise EchoProgramError(f"customer {customer.id} is configured to fail")
    journal_dir = settings.get("journal_dir") or os.environ["AKUA_ECHO_JOURNAL_DIR"]
    journal = str(Path(journal_dir) / f"{customer.id}.jsonl")
    main = Echo(f"{customer.id}-workspace", value=customer.extra.get("value", customer.name), journal=journal)
    for m in customer.members:
        Echo(f"{customer.id}-member-{m.user_id}", value=m.role, journal=journal)
    if customer.extra.get("fail_after"):
        Echo(f"{customer.id}-after", value=main.value.apply(lambda v: f"{FAIL} after {v}"), journal=journal)
    pulumi.export("value", main.value)
    pulumi.export("length", main.length)

"""``akua-onboard drift``: print the drift report (a table, or ``--json``) and return the exit code."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from akua_pulumi.automation.customers import Customer, InvalidCustomer
from akua_pulumi.automation.drift_report import DriftReport

__all__ = ["print_drift"]


def print_drift(
    pipeline: Any,
    entries: Iterable[Customer | InvalidCustomer],
    only: Iterable[str] | None,
    out: Any,
    *,
    as_json: bool,
) -> int:
    """Run :meth:`OnboardingPipeline.drift` and print it on ``out`` (a rich Console).

    Exit code: 0 no customer drifted, 3 some did, 1 some customer could not be checked.
    """
    report: DriftReport = pipeline.drift(entries, only)
    if as_json:
        # Plain print: no rich markup or wrapping in machine-read output.
        out.file.write(report.dumps() + "\n")
        out.file.flush()
    else:
        out.print(report.table())
        out.print(f"{len(report)} customers checked in {report.duration_s:.1f}s; nothing was changed.", highlight=False)
        ids = ",".join(r.customer_id for r in report.drifted)
        if ids:
            out.print(
                f"To repair after review: akua-onboard refresh --only {ids}, then akua-onboard up --only {ids}",
                highlight=False,
            )
    return report.exit_code

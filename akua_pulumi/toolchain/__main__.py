"""``python -m akua_pulumi.toolchain`` (console script ``akua-pulumi-toolchain``): ensure the offline toolchain.

Builds only what is asked for: the Pulumi CLI and its launchers always, the kubernetes plugin with
``--kubernetes``, the Temporal dev server with ``--temporal`` (``--temporal-only``: that alone). Prints
the directory to put first on ``PATH`` as the last line of stdout (the kubernetes plugin's and the
Temporal server's directories, when asked for, are printed before it); progress goes to stderr.
``--print-plan`` builds nothing and prints what a run would build, one line per part (``build ...``
or ``ready ...``).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import ToolchainError, ensure_cli, ensure_kubernetes, ensure_temporal
from .plan import plan


def main(argv: list[str] | None = None) -> int:
    """Build what is missing (cached per version), print the bin directories."""
    parser = argparse.ArgumentParser(prog="akua-pulumi-toolchain", description=__doc__)
    parser.add_argument("--cli-version", help="CLI version to build (default: AKUA_PULUMI_CLI_VERSION, else pinned)")
    parser.add_argument("--force-build", action="store_true", help="ignore a pulumi on PATH (AKUA_PULUMI_FORCE_BUILD)")
    parser.add_argument(
        "--kubernetes",
        action="store_true",
        help="also build pulumi-resource-kubernetes at the version the installed pulumi-kubernetes pins",
    )
    parser.add_argument("--temporal", action="store_true", help="also build the Temporal dev server (temporal CLI)")
    parser.add_argument(
        "--temporal-only",
        action="store_true",
        help="build only the Temporal dev server and print its directory (scripts/temporal-toolchain)",
    )
    parser.add_argument("--print-plan", action="store_true", help="print what would be built; build nothing")
    parser.add_argument(
        "--python",
        help="the Python (with akua-pulumi) the language host launcher should prefer (default: this one)",
    )
    args = parser.parse_args(argv)
    force = args.force_build or bool(os.environ.get("AKUA_PULUMI_FORCE_BUILD"))
    if args.cli_version:
        os.environ["AKUA_PULUMI_CLI_VERSION"] = args.cli_version
    if args.print_plan:
        for step in plan(kubernetes=args.kubernetes, temporal=args.temporal, force_build=force):
            print(step.line())
        return 0
    try:
        if args.temporal_only:
            print(ensure_temporal())
            return 0
        bin_dir = ensure_cli(args.cli_version, force_build=force, python=args.python)
        if args.kubernetes:
            print(ensure_kubernetes())
        if args.temporal:
            print(ensure_temporal())
    except ToolchainError as exc:
        print(f"[{'temporal' if args.temporal_only else 'pulumi'}-toolchain] {exc}", file=sys.stderr)
        return 1
    print(bin_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

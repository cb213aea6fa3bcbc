"""``python -m akua_pulumi.toolchain`` (console script ``akua-pulumi-toolchain``): ensure the offline toolchain.

Prints the directory to put first on ``PATH`` as the last line of stdout (with ``--kubernetes``, the
kubernetes plugin's directory is printed before it); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import ToolchainError, ensure_cli, ensure_kubernetes


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
    args = parser.parse_args(argv)
    try:
        force = args.force_build or bool(os.environ.get("AKUA_PULUMI_FORCE_BUILD"))
        bin_dir = ensure_cli(args.cli_version, force_build=force)
        if args.kubernetes:
            print(ensure_kubernetes())
    except ToolchainError as exc:
        print(f"[pulumi-toolchain] {exc}", file=sys.stderr)
        return 1
    print(bin_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
